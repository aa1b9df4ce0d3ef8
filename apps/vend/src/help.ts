// Help texts of sts-vend and its commands (printed to stdout by --help, exit 0).
// Kept in one file so the README and the tests can be checked against them.

export const TOKEN_TYPES = [
  'electricity',
  'water',
  'gas',
  'time',
  'electricity-currency',
  'water-currency',
  'gas-currency',
  'time-currency',
  'test-display-1',
  'test-display-2',
  'max-power-limit',
  'clear-credit',
  'tariff-rate',
  'clear-tamper',
  'max-phase-power-unbalance-limit',
  'water-meter-factor',
  'key-change',
] as const;

export const MAIN_HELP = `sts-vend: STS (IEC 62055-41) tokens from the command line and in batches

Usage:
  sts-vend token <type> --config FILE --drn DRN [options]   generate a token
  sts-vend token --batch FILE|-                              JSON Lines of requests in, tokens out
  sts-vend decode <token> --config FILE --drn DRN           decode a token
  sts-vend decode <token> --decoder-key-file FILE --ea sta|misty1|dea --base-date YEAR
  sts-vend decode --batch FILE|-                             JSON Lines of decode requests
  sts-vend decoder-key --config FILE --drn DRN [--reveal]   a meter's decoder key (its KCV)
  sts-vend --version                                        the version of sts-vend

Options for every command:
  --json        machine-readable output (errors as {"error":{"code","message"}})
  -h, --help    help for the command (also: sts-vend help <command>)

Exit codes: 0 ok, 1 some batch lines failed or a decoded token failed its CRC,
2 usage or bad input, 70 internal error.

Run 'sts-vend <command> --help' for a command's options.
`;

export const TOKEN_HELP = `Usage:
  sts-vend token <type> --config FILE --drn DRN [options]
  sts-vend token --batch FILE|-

Generate a token (a key change gives 2 or 4) and print it as 20 digits.

Types:
  credit:      electricity, water, gas, time                       --amount X (kWh, m3, ...)
  currency:    electricity-currency, water-currency, gas-currency,
               time-currency                                       --amount X (currency units)
  management:  max-power-limit, max-phase-power-unbalance-limit    --watts N
               clear-credit                                        --register N (0xFFFF = all)
               tariff-rate                                         --rate N
               clear-tamper                                        [--pad N] (default 0)
               water-meter-factor                                  --factor N
  test:        test-display-1, test-display-2                      --control N --manufacturer-code C
               (class 1 tokens are not encrypted: no --config or --drn)
  key change:  key-change                                          --new-config FILE [--rollover]

Options:
  --config FILE           STS configuration file (Nectar format; holds the vending key)
  --drn DRN               meter number (11 digits for IIN 600727, 13 for 0000), check digit included
  --time ISO              issue time, e.g. 2024-05-01T10:30:00Z (default: now)
  --tid N                 token identifier (minutes since the base date) instead of --time
  --amount X              units or currency; a negative currency amount as --amount -5.
                          The field rounds up to values it can hold: when the token carries
                          another amount, a note on stderr says so (--json: amount, requestedAmount)
  --random N              random number 0-15 (default: random)
  --stid                  allow the special reserved TID (minute 00:01)
  --grouped               print tokens in groups of four digits: 1234 5678 9012 3456 7890
  --json                  print the response as JSON
  --batch FILE|-          read JSON Lines requests from FILE (or stdin), write JSON Lines responses
  -h, --help              this help

Batch: one request per line, {"type":"electricity","config":{...},"drn":"...","amount":"10",...};
responses in input order, {"id":...,"tokens":[...]} or {"id":...,"error":{"code","message"}}.
A failed line does not stop the batch; the exit code is then 1.

Examples:
  sts-vend token electricity --config site.yml --drn 01234567897 --amount 25.6
  sts-vend token clear-credit --config site.yml --drn 01234567897 --register 0xFFFF --grouped
  sts-vend token key-change --config old.yml --new-config new.yml --drn 01234567897
  sts-vend token --batch requests.jsonl > tokens.jsonl
`;

export const DECODE_HELP = `Usage:
  sts-vend decode <token> --config FILE --drn DRN
  sts-vend decode <token> --decoder-key-file FILE --ea sta|misty1|dea --base-date YEAR
  sts-vend decode --batch FILE|-

Decrypt a 20-digit token (spaces and dashes allowed) and print its fields.
Exit code 1 when the CRC does not match (a wrong key looks the same).

Options:
  --config FILE           STS configuration file the token was made with
  --drn DRN               meter number, check digit included
  --decoder-key-file FILE the meter's decoder key (16 hex digits, 32 for MISTY1), one line;
                          - reads it from standard input
  --decoder-key HEX       the key on the command line: other users see it in 'ps' and it
                          stays in the shell history; prefer --decoder-key-file
  --ea sta|misty1|dea     encryption algorithm of the decoder key (dea: EA09, deprecated)
  --base-date YEAR        1993, 2014 or 2035
  --json                  print the decoded fields as JSON
  --batch FILE|-          JSON Lines of {"token":"...","config":{...},"drn":"..."} in, fields out
  -h, --help              this help

Examples:
  sts-vend decode 2905 4347 1393 0985 1356 --decoder-key-file meter.key --ea sta --base-date 1993
  sts-vend decode 23716100501183194197 --config site.yml --drn 00000000000 --json
`;

export const DECODER_KEY_HELP = `Usage:
  sts-vend decoder-key --config FILE --drn DRN [--reveal] [--json]

Derive a meter's decoder key from the configuration and show its key check value (KCV),
with the KCV method beside it. The key itself is shown only with --reveal.

Options:
  --config FILE           STS configuration file
  --drn DRN               meter number, check digit included
  --reveal                also print the decoder key (a secret: keep it off shared terminals)
  --json                  print {"drn","kcv","kcvMethod",...} as JSON
  -h, --help              this help

Example:
  sts-vend decoder-key --config site.yml --drn 00000000000
`;
