// `sts-meter <command> --help` and `sts-meter help <command>` as real processes: exact first line, exit 0.
// README "Commands": every command's help names its options, an example and its exit codes.
import { describe, expect, test } from 'vitest';
import { runMeter } from './helpers.ts';

function run(...args: string[]) {
  return runMeter(args);
}

const FIRST_LINES: [string, string, string[]][] = [
  [
    'init',
    'Usage: sts-meter init --state FILE --config FILE --drn DRN [options]',
    ['--tid-memory N', '--json'],
  ],
  ['enter', 'Usage: sts-meter enter --state FILE TOKEN... [options]', ['--now ISO', '--json']],
  ['show', 'Usage: sts-meter show --state FILE [options]', ['--state FILE', '--json']],
  ['serve', 'Usage: sts-meter serve --state FILE --port N [options]', ['--host H', '--verbose']],
  ['fleet', 'Usage: sts-meter fleet --config FILE --meters N --tokens-per-meter M [options]', ['--seed S']],
];

describe.each(FIRST_LINES)('sts-meter %s', (command, firstLine, options) => {
  test('--help prints the command help, exit 0', () => {
    const r = run(command, '--help');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(firstLine);
    for (const o of options) expect(r.out).toContain(`  ${o}`);
    expect(r.out).toContain(`Example:\n  sts-meter ${command} `);
    expect(r.out).toMatch(/Exit codes:\n {2}0 {2}.+\n/);
    expect(r.out).toContain('  70 internal error');
  });

  test('-h after other options, and help <command>, print the same', () => {
    const full = run(command, '--help').out;
    const late = run(command, '--state', 'nowhere.json', '-h');
    expect(late.code).toBe(0);
    expect(late.out).toBe(full);
    const viaHelp = run('help', command);
    expect(viaHelp.err).toBe('');
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toBe(full);
  });
});

test('help with an unknown command is one error line, exit 2', () => {
  const r = run('help', 'nope');
  expect(r.out).toBe('');
  expect(r.err).toBe('sts-meter: unknown command "nope"; try --help\n');
  expect(r.code).toBe(2);
});

test('the general help names the per-command help', () => {
  const r = run('--help');
  expect(r.code).toBe(0);
  expect(r.out.split('\n')[0]).toBe('Usage: sts-meter <command> [options]');
  expect(r.out).toContain("Run 'sts-meter <command> --help' (or 'sts-meter help <command>')");
});
