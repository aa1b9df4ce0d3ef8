// Regression: an unexpected exception inside the library used to reach batch users as `invalid-config` or
// `invalid-request` with a raw JavaScript message, disguising a bug as bad input.
import { describe, expect, test } from 'vitest';
import { TokenError } from '../src/errors.ts';
import { asConfigError } from '../src/key.ts';

describe('errors that are not the input’s fault', () => {
  test.each([
    {
      thrown: new RangeError('vendingKey must be 20 bytes for DKGA04, got 8'),
      code: 'invalid-config',
      message: 'config: vendingKey must be 20 bytes for DKGA04, got 8',
    },
    {
      thrown: new Error('DKGA01 is not supported: the algorithm is not public'),
      code: 'invalid-config',
      message: 'config: DKGA01 is not supported: the algorithm is not public',
    },
    {
      thrown: new TypeError("Cannot read properties of undefined (reading '0')"),
      code: 'internal',
      message:
        "internal error (a bug in sts-token, please report it): TypeError: Cannot read properties of undefined (reading '0')",
    },
  ])('$thrown.name "$thrown.message" → $code', ({ thrown, code, message }) => {
    const e = asConfigError(thrown);
    expect(e).toBeInstanceOf(TokenError);
    expect({ code: e.code, message: e.message }).toEqual({ code, message });
  });

  test('a TokenError passes through unchanged', () => {
    const original = new TokenError('invalid-drn', 'drn: check digit 2 is wrong, expected 1');
    expect(asConfigError(original)).toBe(original);
  });
});
