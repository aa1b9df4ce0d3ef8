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
      'Exit codes: 0 done, 1 verification failed, 2 bad input or usage, 3 cannot write, 70 internal error.',
    );
  });

  test.each([
    { args: ['frobnicate'], stderr: "sts-keygen: unknown command 'frobnicate' (see sts-keygen --help)\n" },
    { args: ['bundle', 'frob'], stderr: "sts-keygen: unexpected argument 'frob'\n" },
    { args: ['config'], stderr: "sts-keygen: 'config' needs a subcommand\n" },
    { args: ['rsa', '--bogus'], stderr: 'sts-keygen: unknown option --bogus\n' },
    { args: ['rsa', '--out'], stderr: 'sts-keygen: option --out needs a value\n' },
    { args: ['bundle', 'open', '--dir', 'x'], stderr: 'sts-keygen: --recipient-key is required\n' },
    { args: ['--bogus'], stderr: "sts-keygen: unknown option --bogus (see 'sts-keygen --help')\n" },
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

  test('--json: an error is the kit\'s one {"error":{"code","message"}} document on stdout, nothing on stderr', () => {
    const r = run(['--json', 'config', 'check', '/nonexistent/x.yml']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'invalid-config',
        message: '1 of 1 file(s) invalid',
        details: [
          'cannot read config /nonexistent/x.yml: no such file or directory',
          '1 of 1 file(s) invalid',
        ],
      },
    });
    expect(r.stderr).toBe('');
  });

  test('--json usage error', () => {
    const r = run(['rsa', '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('{"error":{"code":"usage","message":"--out is required"}}\n');
    expect(r.stderr).toBe('');
  });

  test('--json verification failure: exit 1, the same shape', async () => {
    const r = run(['--json', 'ceremony', 'verify', '/nonexistent/t.jsonl']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'unreadable-file',
        message: 'cannot read transcript /nonexistent/t.jsonl: no such file or directory',
      },
    });
  });

  test('--version prints the version of package.json', () => {
    const r = run(['--version']);
    expect(r).toEqual({ code: 0, stdout: 'sts-keygen 0.1.0\n', stderr: '' });
  });
});
