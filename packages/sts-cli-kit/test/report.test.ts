// reportError: one line per problem on stderr, or exactly one JSON object on stdout with --json;
// unknown errors are "internal" (exit 70) without a stack or the error object's contents.

import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { CliError, EXIT, reportError, usageError, warn } from '../src/index.ts';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function report(error: unknown, json: boolean) {
  const out = sink();
  const err = sink();
  const code = reportError('sts-x', error, { json, streams: { stdout: out.stream, stderr: err.stream } });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('reportError', () => {
  test('a usage error is one line on stderr, exit 2', () => {
    expect(report(usageError('--drn is required'), false)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'sts-x: --drn is required\n',
    });
  });

  test('--json gives exactly one object on stdout and nothing on stderr', () => {
    expect(report(usageError('--drn is required'), true)).toEqual({
      code: 2,
      stdout: '{"error":{"code":"usage","message":"--drn is required"}}\n',
      stderr: '',
    });
  });

  test('details are printed instead of the message in text mode and listed in JSON', () => {
    const error = new CliError('invalid-config', 'a.yml: invalid configuration (2 errors)', 2, [
      'a.yml:1:1: x',
      'a.yml:2:1: y',
    ]);
    expect(report(error, false).stderr).toBe('sts-x: a.yml:1:1: x\nsts-x: a.yml:2:1: y\n');
    expect(JSON.parse(report(error, true).stdout)).toEqual({
      error: {
        code: 'invalid-config',
        message: 'a.yml: invalid configuration (2 errors)',
        details: ['a.yml:1:1: x', 'a.yml:2:1: y'],
      },
    });
  });

  test('a TokenError keeps its code and exits 2', () => {
    const error = Object.assign(new Error('amount must be positive'), {
      name: 'TokenError',
      code: 'bad-amount',
    });
    expect(report(error, true)).toEqual({
      code: 2,
      stdout: '{"error":{"code":"bad-amount","message":"amount must be positive"}}\n',
      stderr: '',
    });
  });

  test('anything else is internal: exit 70, first line only, no stack', () => {
    const error = new RangeError('boom\n    at secret (file.ts:1:1)');
    const r = report(error, false);
    expect(r.code).toBe(EXIT.internal);
    expect(r.stderr).toBe('sts-x: internal error: RangeError: boom\n');
  });

  test('warn writes one stderr line', () => {
    const out = sink();
    const err = sink();
    warn('sts-x', 'careful', { stdout: out.stream, stderr: err.stream });
    expect([out.text(), err.text()]).toEqual(['', 'sts-x: warning: careful\n']);
  });
});
