// Regression: a request error with code `internal` (a bug in sts-token, not bad input) made the
// single-token commands exit 2 like a usage error; it must exit 70 like any other bug.
import { EXIT } from 'sts-cli-kit';
import { processDecodeRequest, processTokenRequest } from 'sts-token';
import { describe, expect, test } from 'vitest';
import { clipEchoedValues, requestError } from '../src/request-error.ts';

/** A request whose `id` getter throws: the library meets an exception that is not a TokenError. */
function brokenRequest(fields: Record<string, unknown>): unknown {
  return Object.defineProperty({ ...fields }, 'id', {
    enumerable: true,
    get() {
      throw new TypeError('boom');
    },
  });
}

test.each([
  { what: 'token', answer: () => processTokenRequest(brokenRequest({ type: 'electricity' })) },
  { what: 'decode', answer: () => processDecodeRequest(brokenRequest({ token: '0'.repeat(20) })) },
])('an internal error of a $what request exits 70', ({ answer }) => {
  const result = answer() as { error: { code: string; message: string } };
  expect(result.error.code).toBe('internal');
  const error = requestError(result.error);
  expect({ code: error.code, exitCode: error.exitCode }).toEqual({
    code: 'internal',
    exitCode: EXIT.internal,
  });
  expect(error.message).toBe('internal error (a bug in sts-token, please report it): TypeError: boom');
});

test('an input error of a request exits 2', () => {
  const result = processTokenRequest({ type: 'plutonium' }) as { error: { code: string; message: string } };
  const error = requestError(result.error);
  expect({ code: error.code, exitCode: error.exitCode }).toEqual({
    code: 'unknown-type',
    exitCode: EXIT.usage,
  });
});

describe('clipEchoedValues', () => {
  test.each([
    {
      name: 'a long quoted value is cut to 64 characters with its length',
      message: `unknown field "${'g'.repeat(200)}" for type electricity`,
      expected: `unknown field '${'g'.repeat(64)}…' (200 characters) for type electricity`,
    },
    {
      name: 'a long run of hex digits is shown by its length only',
      message: `type "${'a'.repeat(200)}" is not a token type (electricity, water, gas, …, key-change)`,
      expected:
        'type 200 hex digits (not shown: it may be a key) is not a token type (electricity, water, gas, …, key-change)',
    },
    {
      name: 'short values in a long message stay as they are',
      message: `amount must be a decimal number of units like "25.6", got "x", ${'and so on '.repeat(20)}`,
      expected: `amount must be a decimal number of units like "25.6", got "x", ${'and so on '.repeat(20)}`,
    },
    {
      name: 'a short message is not scanned',
      message: 'unknown field "abc" for type electricity',
      expected: 'unknown field "abc" for type electricity',
    },
  ])('$name', ({ message, expected }) => {
    expect(clipEchoedValues(message)).toBe(expected);
  });
});
