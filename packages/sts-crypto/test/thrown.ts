// Test helper: the error a call throws, so tests can compare its class and its exact message.
// Shared by every suite of this package (the boundary tables assert the exact text).

export function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`threw a non-Error: ${String(e)}`);
  }
  throw new Error('did not throw');
}
