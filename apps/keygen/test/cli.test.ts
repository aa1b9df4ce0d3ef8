// The dispatcher as a process: help, unknown commands and options, --json errors, exit codes.
// A stack trace reaching the user is a bug: every case checks stderr has none.

import { describe, expect, test } from 'vitest';
import { run } from './cli-helpers.ts';

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
}

describe('sts-keygen dispatcher', () => {
  test('--help lists the commands, exit 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: sts-keygen <command>');
    for (const name of ['config check', 'rsa', 'bundle', 'bundle open'])
      expect(r.stdout).toContain(`  ${name} `);
  });

  test('no arguments: the help, exit 2', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      'Exit codes: 0 done, 1 verification failed, 2 bad input or usage, 70 internal error.',
    );
  });

  test.each([
    { args: ['frobnicate'], stderr: "sts-keygen: unknown command 'frobnicate' (see sts-keygen --help)\n" },
    { args: ['bundle', 'frob'], stderr: "sts-keygen: unexpected argument 'frob'\n" },
    { args: ['config'], stderr: "sts-keygen: 'config' needs a subcommand\n" },
    { args: ['rsa', '--bogus'], stderr: "sts-keygen: unknown option '--bogus'\n" },
    { args: ['rsa', '--out'], stderr: 'sts-keygen: option --out needs a value\n' },
    { args: ['bundle', 'open', '--dir', 'x'], stderr: 'sts-keygen: missing --recipient-key\n' },
  ])('$args → exit 2, "$stderr"', ({ args, stderr }) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    noStack(r.stderr);
  });

  test('--help after a command shows that command, anywhere on the line', () => {
    const r = run(['bundle', 'open', '--dir', 'x', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: sts-keygen bundle open --dir DIR/);
  });

  test('--json: an error is one JSON document on stdout as well as one line on stderr', () => {
    const r = run(['--json', 'config', 'check', '/nonexistent/x.yml']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.files[0].errors[0].message).toBe(
      'cannot read config /nonexistent/x.yml: no such file or directory',
    );
  });

  test('--json usage error', () => {
    const r = run(['rsa', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, exitCode: 2, error: 'missing --out' });
    expect(r.stderr).toBe('sts-keygen: missing --out\n');
  });
});
