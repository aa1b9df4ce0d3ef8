// The help of each sts-meter command: usage, every option in one line, an example, the exit codes.
// Printed by `sts-meter <command> --help` and `sts-meter help <command>` (stdout, exit 0).

import { DEFAULT_KEY_CHANGE_TIMEOUT_MS, DEFAULT_TID_MEMORY_SIZE } from './types.ts';

/** Exit code 2's line, with what counts as bad input for the command. */
function usage(badInput: string): string {
  return `  2  usage error or bad input (unknown option, missing argument, ${badInput})`;
}

/** Exit code 70's line, the same for every command. */
const BUG = '  70 internal error (a bug); still one line on stderr';

const INIT_HELP = `Usage: sts-meter init --state FILE --config FILE --drn DRN [options]

Create a new meter state file: derive the decoder key from the STS configuration and the DRN
(DKGA02/04) and fill the TID memory with the creation time's TID. Never overwrites a file.

Options:
  --state FILE                the state file to create (mode 0600; it holds the decoder key)
  --config FILE               STS configuration file (Nectar format; holds the vending key)
  --drn DRN                   meter number (11 digits for IIN 600727, 13 for 0000), check digit included
  --tid-memory N              TID memory size, 1-100000 (default ${DEFAULT_TID_MEMORY_SIZE})
  --manufacturer-code C       2 or 4 digits for class 1 tokens (default: the DRN's first 2 or 4 digits)
  --key-change-timeout MIN    minutes a key-change section waits for its set, 0-35000 (default ${DEFAULT_KEY_CHANGE_TIMEOUT_MS / 60_000})
  --now ISO                   creation time with a zone, e.g. 2004-01-01T00:00:00Z (default: now)
  --json                      print the meter's public view as JSON
  -h, --help                  this help

Example:
  sts-meter init --state m.json --config sts.yml --drn 47500150231 --now 2004-01-01T00:00:00Z

Exit codes:
  0  state file created
${usage('bad DRN or --now, configuration error, a config that is not a regular UTF-8 text file, state file already exists')}
  3  the state file could not be written
${BUG}
`;

const ENTER_HELP = `Usage: sts-meter enter --state FILE TOKEN... [options]

Enter tokens in order, as on the meter's keypad, and save the state. One result line per token
(token, display text, message). Tokens may be grouped with spaces or dashes.

Options:
  --state FILE                the meter's state file (from init)
  TOKEN...                    one or more 20-digit tokens
  --now ISO                   the meter's clock with a zone, e.g. 2004-03-02T00:00:00Z (default: now)
  --json                      print the results as a JSON array
  -h, --help                  this help

Example:
  sts-meter enter --state m.json 2371-6100-5011-8319-4197 --now 2004-03-02T00:00:00Z

Exit codes:
  0  every token accepted
  1  at least one token rejected (the others are still applied)
${usage('bad --now, unreadable or invalid state file')}
  3  the state file could not be written, or is in use by another enter or a serve (its lock)
${BUG}
`;

const SHOW_HELP = `Usage: sts-meter show --state FILE [options]

Show the meter: identity, key attributes and the key's KCV with its method (never the key),
registers, limits, TID memory, pending key-change sections and the last events.

Options:
  --state FILE                the meter's state file (from init)
  --json                      print the meter's public view as JSON
  -h, --help                  this help

Example:
  sts-meter show --state m.json --json

Exit codes:
  0  shown
${usage('unreadable or invalid state file')}
${BUG}
`;

const SERVE_HELP = `Usage: sts-meter serve --state FILE --port N [options]

Serve one meter: an HTTP API (POST /tokens, GET /state) and a web keypad at /. Every answered
token is on disk before its answer. SIGINT or SIGTERM stops the server and exits 0.

Options:
  --state FILE                the meter's state file (from init); locked while serving, written once at start-up
  --port N                    0-65535; 0 takes a free port (the listening line names it)
  --host H                    address to listen on (default 127.0.0.1); anything but 127.0.0.1,
                              localhost or ::1 turns the Host check off and exposes an
                              unauthenticated API without TLS (a warning says so)
  --verbose                   one line per request on stderr (never the key or the state)
  -h, --help                  this help

Example:
  sts-meter serve --state m.json --port 8080        # then open http://127.0.0.1:8080/

Exit codes:
  0  stopped by SIGINT or SIGTERM, state saved
${usage('unreadable or invalid state file, port in use')}
  3  the state file could not be written, or is in use (locked by an enter or another serve)
${BUG}
`;

const FLEET_HELP = `Usage: sts-meter fleet --config FILE --meters N --tokens-per-meter M [options]

Simulate a fleet in memory: every meter gets generated tokens of random kinds (credit, management,
replays, old, foreign, corrupted, expired, class 1, key changes), each checked against the result
the vendor expects. Prints a Markdown table of results per kind.

Options:
  --config FILE               STS configuration file (Nectar format; holds the vending key)
  --meters N                  number of meters, 1-10000000
  --tokens-per-meter M        tokens entered on each meter, 1-10000
  --seed S                    random seed, 0-4294967295 (default 1); the same seed gives the same report
  --json                      print the report as JSON
  -h, --help                  this help

Example:
  sts-meter fleet --config sts.yml --meters 1000 --tokens-per-meter 10 --seed 7

Exit codes:
  0  every token got the expected result
  1  at least one mismatch (a bug; examples are printed)
${usage('bad count or seed, configuration error')}
${BUG}
`;

/** The help of each command, by name. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  init: INIT_HELP,
  enter: ENTER_HELP,
  show: SHOW_HELP,
  serve: SERVE_HELP,
  fleet: FLEET_HELP,
};
