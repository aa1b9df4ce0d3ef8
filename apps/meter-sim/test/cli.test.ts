// The sts-meter CLI as a real process: init / enter / show / fleet, exit codes and exact error lines.
// README "Exit codes" and "State file": each bad invocation is one line with its documented code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BIN, CTSA_CONFIG, configText, initMeter, runMeter, tempDir } from './helpers.ts';

const dir = tempDir('cli');
const CONFIG = join(dir, 'sts.yml');
const VENDING_KEY = CTSA_CONFIG.vending_key;

function run(...args: string[]) {
  return runMeter(args, dir);
}

/** `init` of the CTSA01 meter (DRN 00000000000) at 2004-01-01, before every vector's issue time. */
function initCtsa(state: string) {
  return run(
    'init',
    '--state',
    state,
    '--config',
    CONFIG,
    '--drn',
    '00000000000',
    '--now',
    '2004-01-01T00:00:00Z',
  );
}

beforeAll(() => {
  writeFileSync(CONFIG, configText(CTSA_CONFIG));
  writeFileSync(join(dir, 'bd2035.yml'), configText({ ...CTSA_CONFIG, base_date: 2035 }));
});

describe('init / enter / show', () => {
  const state = join(dir, 'meter.json');

  test('init creates a 0600 state file and refuses to overwrite it', () => {
    const r = initCtsa(state);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('KCV');
    expect(statSync(state).mode & 0o777).toBe(0o600);
    const again = initCtsa(state);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`sts-meter: cannot write state file ${state}: already exists\n`);
  });

  test('enter: one result per token, exit 0 when all accepted', () => {
    const r = run(
      'enter',
      '--state',
      state,
      '--now',
      '2004-03-02T00:00:00Z',
      '23716100501183194197',
      '42502136492215507402',
    );
    expect(r.code).toBe(0);
    expect(
      r.out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s{2,}/)[1]),
    ).toEqual(['Accept', 'Accept']);
  });

  test('enter: exit 1 when any is rejected; --json gives the results', () => {
    const r = run(
      'enter',
      '--state',
      state,
      '--json',
      '--now',
      '2004-03-02T00:00:00Z',
      '23716100501183194197',
      '1234',
    );
    expect(r.code).toBe(1);
    const results = JSON.parse(r.out) as { result: string; display: string }[];
    expect(results.map((x) => x.result)).toEqual(['used', 'format-error']);
  });

  test('show never prints the decoder key, and the file holds the state', () => {
    const r = run('show', '--state', state, '--json');
    expect(r.code).toBe(0);
    const view = JSON.parse(r.out);
    expect(view.registers).toMatchObject({ electricity: 1, water: 1 });
    expect(view.key.kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(r.out).not.toContain('E653341F9D5BF36F'); // CTSA01's decoder key (sts-reference §10.2)
    expect(r.out.toLowerCase()).not.toContain(VENDING_KEY);
    expect(readFileSync(state, 'utf8')).toContain('E653341F9D5BF36F');
    const text = run('show', '--state', state);
    expect(text.out).toContain('electricity          0.1');
    expect(text.out).not.toContain('E653341F9D5BF36F');
  });
});

describe('errors: one line, exit 2', () => {
  test.each([
    { args: ['frob'], err: 'sts-meter: unknown command "frob"; try --help' },
    {
      args: ['enter', '--state', 'x.json', '--bogus', '1'],
      err: "sts-meter: unknown option --bogus (see 'sts-meter enter --help')",
    },
    { args: ['enter', '1'], err: 'sts-meter: --state is required' },
    {
      args: ['enter', '--state', 'nope.json', '1'],
      err: 'sts-meter: cannot read state file nope.json: no such file or directory',
    },
    {
      args: ['enter', '--state', 'nope.json', '--now', 'yesterday', '1'],
      err: "sts-meter: --now must be an ISO 8601 time with a zone, e.g. 2004-03-01T14:00:00Z; got 'yesterday'",
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000001',
        '--now',
        '2004-01-01T00:00:00Z',
      ],
      err: 'sts-meter: DRN 00000000001: check digit 1 is wrong, expected 0',
    },
    {
      args: ['init', '--state', 'n.json', '--config', 'missing.yml', '--drn', '00000000000'],
      err: 'sts-meter: cannot read config missing.yml: no such file or directory',
    },
    {
      args: ['init', '--state', 'n.json', '--config', 'sts.yml', '--drn', '00000000000', '--tid-memory', '0'],
      err: "sts-meter: --tid-memory must be from 1 to 100000, got '0'",
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000000',
        '--now',
        '1990-01-01T00:00:00Z',
      ],
      err: "sts-meter: now 1990-01-01T00:00:00.000Z is before the key's base date 1993: give --now with a later time",
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000000',
        '--now',
        '2026-11-28T12:00:00Z',
      ],
      err: 'sts-meter: now 2026-11-28T12:00:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15Z): give --now with an earlier time, or use a configuration with base date 2014',
    },
    {
      // The last minute of base date 1993 (TID 2^24 − 1) is still a time a meter can be made at; the next is not.
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000000',
        '--now',
        '2024-11-24T20:16:00Z',
      ],
      err: 'sts-meter: now 2024-11-24T20:16:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15Z): give --now with an earlier time, or use a configuration with base date 2014',
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000000',
        '--now',
        '2040-06-01T00:00:00Z',
      ],
      err: 'sts-meter: now 2040-06-01T00:00:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15Z): give --now with an earlier time, or use a configuration with base date 2014 or 2035',
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'sts.yml',
        '--drn',
        '00000000000',
        '--now',
        '2070-01-01T00:00:00Z',
      ],
      err: 'sts-meter: now 2070-01-01T00:00:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15Z): give --now with an earlier time',
    },
    {
      args: [
        'init',
        '--state',
        'n.json',
        '--config',
        'bd2035.yml',
        '--drn',
        '00000000000',
        '--now',
        '2026-11-28T12:00:00Z',
      ],
      err: "sts-meter: now 2026-11-28T12:00:00.000Z is before the key's base date 2035: give --now with a later time, or use a configuration with base date 2014",
    },
  ])('$args', ({ args, err }) => {
    const r = run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${err}\n`);
    expect(r.out).toBe('');
  });

  test('init without --now after base date 1993 ran out says what to do (exit 2, nothing written)', () => {
    // Base date 1993's 24-bit TIDs end at 2024-11-24T20:15Z (sts-reference §5): on the system clock a
    // base-date-1993 configuration cannot make a meter any more.
    const before = Date.now();
    const r = run('init', '--state', 'late.json', '--config', 'sts.yml', '--drn', '47500150231');
    const after = Date.now();
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const m = /^sts-meter: now (\S+) is past/.exec(r.err);
    const now = Date.parse(m?.[1] ?? '');
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(after);
    // The system clock's base dates: 2014 alone until base date 2035 starts.
    const covering = now < Date.UTC(2035, 0, 1) ? '2014' : '2014 or 2035';
    expect(r.err).toBe(
      `sts-meter: now ${m?.[1]} is past the last TID of base date 1993 (2024-11-24T20:15Z): give --now with an earlier time, or use a configuration with base date ${covering}\n`,
    );
    expect(existsSync(join(dir, 'late.json'))).toBe(false);
  });

  test('enter takes a --now past the last TID of the base date: the meter compares token TIDs, not its clock', () => {
    const late = join(dir, 'late-enter.json');
    expect(initCtsa(late).code).toBe(0);
    const r = run('enter', '--state', late, '--now', '2030-01-01T00:00:00Z', '23716100501183194197');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split(/\s{2,}/)[1]).toBe('Accept');
  });

  test('a corrupt state file names the file and the field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format":"sts-meter-state","version":2}');
    expect(run('show', '--state', bad).err).toBe(
      `sts-meter: state file ${bad}: version 2 is not supported (expected 1)\n`,
    );
    writeFileSync(bad, '{not json');
    expect(run('show', '--state', bad).err).toBe(`sts-meter: state file ${bad} is not valid JSON\n`);
  });
});

test('fleet: a small deterministic fleet has no mismatches', () => {
  const a = run(
    'fleet',
    '--config',
    CONFIG,
    '--meters',
    '50',
    '--tokens-per-meter',
    '20',
    '--seed',
    '7',
    '--json',
  );
  expect(a.err).toBe('');
  expect(a.code).toBe(0);
  const ra = JSON.parse(a.out);
  const b = JSON.parse(
    run('fleet', '--config', CONFIG, '--meters', '50', '--tokens-per-meter', '20', '--seed', '7', '--json')
      .out,
  );
  expect(ra.rows).toEqual(b.rows); // deterministic with the seed
  expect(ra.tokens).toBe(1000);
  expect(ra.mismatches).toBe(0);
  const text = run('fleet', '--config', CONFIG, '--meters', '5', '--tokens-per-meter', '4');
  expect(text.out).toContain('| kind | sent | expected result | got as expected | mismatches |');
});

// Regression: `sts-meter show … | head -3` ended in an unhandled EPIPE stack trace once head had gone.
// `head -n 0` is gone before the first write, so every row meets EPIPE whatever the timing.
describe('a reader that stops early (| head): quiet exit 0', () => {
  const state = join(dir, 'epipe.json');
  beforeAll(() => initMeter(state, CONFIG));

  test.each([
    { reader: 'head -1', args: ['show', '--state', state] },
    { reader: 'head -n 0', args: ['show', '--state', state] },
    { reader: 'head -n 0', args: ['show', '--state', state, '--json'] },
    {
      reader: 'head -n 0',
      args: [
        'enter',
        '--state',
        state,
        '--json',
        '--now',
        '2004-03-02T00:00:00Z',
        '23716100501183194197',
        '42502136492215507402',
      ],
    },
    { reader: 'head -n 0', args: ['fleet', '--config', CONFIG, '--meters', '3', '--tokens-per-meter', '2'] },
    { reader: 'head -n 0', args: ['help', 'fleet'] },
  ])('$args | $reader', ({ reader, args }) => {
    // sh has no PIPESTATUS: sts-meter's own exit status goes to stderr after it, as the only stderr line.
    const r = spawnSync(
      'sh',
      ['-c', `{ "$0" "$@"; echo "sts-meter exit $?" >&2; } | ${reader}`, process.execPath, BIN, ...args],
      { encoding: 'utf8', cwd: dir },
    );
    expect(r.stderr).not.toContain('Error');
    expect(r.stderr).toBe('sts-meter exit 0\n');
    expect(r.stdout.split('\n')).toHaveLength(reader === 'head -1' ? 2 : 1); // what head let through
  });
});
