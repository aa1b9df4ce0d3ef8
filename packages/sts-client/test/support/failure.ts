// The StsApiError a call rejects with: fails the test when the call resolves or throws anything else.
import { expect } from 'vitest';
import { StsApiError } from '../../src/index.ts';

export async function failure(promise: Promise<unknown>): Promise<StsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StsApiError);
  return error as StsApiError;
}
