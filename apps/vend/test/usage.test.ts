// sts-vend's surface as a process: help texts, usage errors with their exact text and exit 2,
// config errors one line each, --json errors, and the decoder-key command (KCV, no key unless --reveal).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configText, runCli, tempDir, VECTORS, writeConfig } from './cli.ts';

let dir: string;
let cleanup: () => void;
let config: string;
const CTSA_CONFIG = VECTORS.find((v) => v.request.id === 'v001')!.request.config as Record<string, unknown>;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  config = writeConfig(dir, 'site.yml', CTSA_CONFIG);
});
afterAll(() => cleanup());

const TYPES = [
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
];

describe.concurrent('--help', () => {
  test('sts-vend --help names every command and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const text of [
      'sts-vend token <type>',
      'sts-vend decode <token>',
      'sts-vend decoder-key',
      '--batch',
    ]) {
      expect(run.stdout).toContain(text);
    }
    expect(run.stdout).toContain('Exit codes: 0 ok, 1 some batch lines failed');
  });

  test('token --help lists every token type and its options', async () => {
    const run = await runCli(['token', '--help']);
    expect(run.code).toBe(0);
    for (const type of TYPES) expect(run.stdout).toContain(type);
    for (const option of ['--config FILE', '--drn DRN', '--time ISO', '--tid N', '--grouped', '--json']) {
      expect(run.stdout).toContain(option);
    }
  });

  test.each([
    ['decode', '--decoder-key HEX'],
    ['decoder-key', '--reveal'],
  ])('%s --help', async (command, option) => {
    const run = await runCli([command, '-h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`sts-vend ${command}`);
    expect(run.stdout).toContain(option);
  });

  // The help names every --ea the command accepts, dea with its deprecation (IEC 62055-41:2018 7.3.4).
  test('decode --help and sts-vend --help list --ea sta|misty1|dea', async () => {
    const [decode, main] = await Promise.all([runCli(['decode', '--help']), runCli(['--help'])]);
    expect(decode.stdout.split('\n')).toContain(
      '  --ea sta|misty1|dea     encryption algorithm of the decoder key (dea: EA09, deprecated)',
    );
    for (const run of [decode, main]) {
      expect(run.stdout.split('\n')).toContain(
        '  sts-vend decode <token> --decoder-key-file FILE --ea sta|misty1|dea --base-date YEAR',
      );
    }
  });

  test.each([['--version'], ['-v']])('%s prints the name and version, as every app does', async (option) => {
    const run = await runCli([option]);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 0,
      stdout: 'sts-vend 0.1.0\n',
      stderr: '',
    });
  });

  test("regression: decode --help says --decoder-key shows the key in 'ps' and offers --decoder-key-file", async () => {
    const run = await runCli(['decode', '--help']);
    expect(run.stdout).toContain(
      [
        "  --decoder-key-file FILE the meter's decoder key (16 hex digits, 32 for MISTY1), one line;",
        '                          - reads it from standard input',
        "  --decoder-key HEX       the key on the command line: other users see it in 'ps' and it",
        '                          stays in the shell history; prefer --decoder-key-file',
      ].join('\n'),
    );
  });
});

describe.concurrent('usage errors: one line on stderr, nothing on stdout, exit 2', () => {
  const cases: { args: (c: string) => string[]; message: string }[] = [
    { args: () => [], message: "missing command (see 'sts-vend --help')" },
    {
      args: () => ['vend'],
      message: "unknown command 'vend' (expected token, decode or decoder-key; see 'sts-vend --help')",
    },
    { args: () => ['token', '--bogus'], message: "unknown option --bogus (see 'sts-vend token --help')" },
    { args: () => ['decode', '--drn'], message: "option --drn needs a value (see 'sts-vend decode --help')" },
    {
      args: () => ['token', '--json=yes'],
      message: "option --json takes no value (see 'sts-vend token --help')",
    },
    { args: () => ['token'], message: "missing token type (see 'sts-vend token --help')" },
    {
      args: () => ['token', 'plutonium'],
      message: `unknown token type 'plutonium' (expected one of ${TYPES.join(', ')})`,
    },
    {
      args: (c) => ['token', 'electricity', '--config', c, '--drn', '00000000000'],
      message: 'electricity tokens need --amount',
    },
    {
      args: () => ['token', 'electricity', '--amount', '1'],
      message: 'electricity tokens need --config FILE',
    },
    {
      args: (c) => ['token', 'electricity', '--config', c, '--amount', '1'],
      message: 'electricity tokens need --drn DRN',
    },
    {
      args: (c) => [
        'token',
        'electricity',
        '--config',
        c,
        '--drn',
        '00000000000',
        '--amount',
        '1',
        '--watts',
        '5',
      ],
      message: '--watts does not apply to electricity tokens',
    },
    {
      args: (c) => ['token', 'max-power-limit', '--config', c, '--drn', '00000000000', '--watts', 'lots'],
      message: "--watts must be a whole number, got 'lots'",
    },
    // A key typed in the wrong place is not echoed (regression: --ea showed its first 12 digits).
    {
      args: () => [
        'decode',
        '0'.repeat(20),
        '--decoder-key',
        '0ABC12DEF3456789',
        '--ea',
        '0ABC12DEF3456789',
        '--base-date',
        '1993',
      ],
      message:
        '--ea must be sta, misty1 or dea (dea: EA09, deprecated), got 16 hex digits (not shown: it may be a key)',
    },
    {
      args: () => ['decoder-key', '0ABC12DEF34567890ABC12DEF3456789'],
      message:
        "unexpected argument 32 hex digits (not shown: it may be a key) (see 'sts-vend decoder-key --help')",
    },
    {
      args: (c) => [
        'token',
        'key-change',
        '--config',
        c,
        '--new-config',
        c,
        '--drn',
        '00000000000',
        '--time',
        'x',
      ],
      message: '--time does not apply to key-change tokens',
    },
    {
      args: (c) => ['token', 'test-display-1', '--config', c, '--control', '1', '--manufacturer-code', '00'],
      message: '--config does not apply to test-display-1 tokens (not encrypted)',
    },
    {
      args: (c) => [
        'token',
        'electricity',
        '--config',
        c,
        '--drn',
        '00000000000',
        '--amount',
        '1',
        '--time',
        '2020-01-01T00:00:00Z',
        '--tid',
        '5',
      ],
      message: 'give --time or --tid, not both',
    },
    {
      args: () => ['token', '--batch', '-', '--drn', '00000000000'],
      message: '--drn does not apply to token --batch (each line carries its own request)',
    },
    {
      args: () => [
        'token',
        'electricity',
        '--config',
        'no-such.yml',
        '--drn',
        '00000000000',
        '--amount',
        '1',
      ],
      message: 'cannot read config no-such.yml: no such file or directory',
    },
    {
      args: () => ['token', '--batch', 'no-such.jsonl'],
      message: 'cannot read batch input no-such.jsonl: no such file or directory',
    },
    {
      args: (c) => ['decode', '1234', '--config', c, '--decoder-key', '00'],
      message: 'give --config and --drn, or --decoder-key, --ea and --base-date, not both',
    },
    {
      args: () => [
        'decode',
        '1234',
        '--decoder-key',
        '0ABC12DEF3456789',
        '--ea',
        'aes',
        '--base-date',
        '1993',
      ],
      message: "--ea must be sta, misty1 or dea (dea: EA09, deprecated), got 'aes'",
    },
    {
      args: () => ['decode', '1234', '--decoder-key', '0ABC12DEF3456789', '--base-date', '1993'],
      message: '--decoder-key needs --ea sta|misty1|dea',
    },
    { args: () => ['decoder-key', '--drn', '00000000000'], message: '--config is required' },
  ];
  test.each(cases)('$message', async ({ args, message }) => {
    const run = await runCli(args(config), { cwd: dir });
    expect(run.stderr).toBe(`sts-vend: ${message}\n`);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(2);
  });

  test('with --json the error is one JSON object on stdout', async () => {
    const run = await runCli(['token', 'plutonium', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    const body = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('usage');
    expect(body.error.message).toMatch(/^unknown token type 'plutonium'/);
  });

  test('a library error (bad DRN check digit) is one line with exit 2 and no output', async () => {
    const run = await runCli([
      'token',
      'electricity',
      '--config',
      config,
      '--drn',
      '00000000001',
      '--amount',
      '1',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^sts-vend: [^\n]*\n$/);
  });

  test('every error of an invalid config file, one line each as FILE:LINE:COL: path: message', async () => {
    const bad = configText({ ...CTSA_CONFIG, tariff_index: '01w', key_revision_no: 12 });
    writeFileSync(join(dir, 'bad.yml'), bad);
    const run = await runCli(
      ['token', 'electricity', '--config', 'bad.yml', '--drn', '00000000000', '--amount', '1'],
      {
        cwd: dir,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    const lineOf = (key: string) => bad.split('\n').findIndex((l) => l.startsWith(`${key}:`)) + 1;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^sts-vend: bad\\.yml:${lineOf('tariff_index')}:\\d+: tariff_index: .+`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^sts-vend: bad\\.yml:${lineOf('key_revision_no')}:\\d+: key_revision_no: .+`),
    );
  });
});

describe.concurrent('decoder-key', () => {
  // DKGA02 of the CTSA setup for DRN 00000000000 is E653341F9D5BF36F (sts-reference §13.1); its DES KCV
  // 8AD5E6 was computed with `openssl enc -des-ecb -K E653341F9D5BF36F -nopad` of a zero block.
  test('shows the KCV and its method, never the key', async () => {
    const run = await runCli(['decoder-key', '--config', config, '--drn', '00000000000']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^kcv +8AD5E6 \(des\)$/m);
    expect(run.stdout.toUpperCase()).not.toContain('E653341F9D5BF36F');
    expect(run.stdout.toUpperCase()).not.toContain('ABABABABABABABAB');
  });

  test('--json without --reveal has no key; with --reveal it does', async () => {
    const hidden = await runCli(['decoder-key', '--config', config, '--drn', '00000000000', '--json']);
    expect(JSON.parse(hidden.stdout)).toEqual({
      drn: '00000000000',
      encryptionAlgorithm: 'sta',
      decoderKeyGenerationAlgorithm: '02',
      keyBits: 64,
      kcv: '8AD5E6',
      kcvMethod: 'des',
    });
    const shown = await runCli(['decoder-key', '--config', config, '--drn', '00000000000', '--reveal']);
    expect(shown.stdout).toMatch(/^key +E653341F9D5BF36F$/m);
  });

  test('a wrong check digit is an error naming the DRN, exit 2', async () => {
    const run = await runCli(['decoder-key', '--config', config, '--drn', '00000000001']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^sts-vend: .*(drn|DRN).*\n$/);
  });
});
