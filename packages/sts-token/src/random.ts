// The RND nibble of class 0/2 tokens (sts-reference §4.3): drawn from crypto.getRandomValues,
// 4096 bytes at a time so a million tokens cost a few hundred calls, not a million.
const POOL = new Uint8Array(4096);
let next = POOL.length;

/** A uniformly random integer 0..15. */
export function randomNibble(): number {
  if (next >= POOL.length) {
    globalThis.crypto.getRandomValues(POOL);
    next = 0;
  }
  return POOL[next++]! & 15;
}
