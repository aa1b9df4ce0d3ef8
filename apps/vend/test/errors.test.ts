// Regression: a request error with code `internal` (a bug in sts-token, not bad input) made the
// single-token commands exit 2 like a usage error; it must exit 70 like any other bug.
import { processDecodeRequest, processTokenRequest } from 'sts-token';
import { expect, test } from 'vitest';
import { EXIT_INTERNAL, EXIT_USAGE, requestError } from '../src/errors.ts';

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
    exitCode: EXIT_INTERNAL,
  });
  expect(error.message).toBe('internal error (a bug in sts-token, please report it): TypeError: boom');
});

test('an input error of a request exits 2', () => {
  const result = processTokenRequest({ type: 'plutonium' }) as { error: { code: string; message: string } };
  const error = requestError(result.error);
  expect({ code: error.code, exitCode: error.exitCode }).toEqual({
    code: 'unknown-type',
    exitCode: EXIT_USAGE,
  });
});
