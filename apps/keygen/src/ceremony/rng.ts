// Random bytes for keys, components and share set ids: the system CSPRNG, or a seeded generator
// that only rehearsals may use (key-ceremony.md feature 12) so dry runs give the same outputs.

import { createHash, randomBytes } from 'node:crypto';

/** A source of random bytes. The caller wipes what it gets when it is a secret. */
export interface RandomSource {
  /** `n` fresh bytes. */
  bytes(n: number): Uint8Array;
  /** True only for the seeded rehearsal generator. */
  readonly seeded: boolean;
  /** A generator for a sub-task (a ceremony step): independent of this one, still deterministic when seeded. */
  fork(label: string): RandomSource;
}

/** The operating system's CSPRNG (crypto.randomBytes). */
export const systemRandom: RandomSource = {
  seeded: false,
  bytes(n: number): Uint8Array {
    const b = randomBytes(n);
    const out = Uint8Array.from(b);
    b.fill(0);
    return out;
  },
  fork(): RandomSource {
    return systemRandom;
  },
};

/**
 * A deterministic generator for rehearsals: SHA-256 in counter mode over the seed and a label.
 * Never for real keys: anyone who knows the seed knows every byte it produces.
 */
export function seededRandom(seed: string, label = 'sts-keygen rehearsal'): RandomSource {
  let counter = 0;
  let pool: Uint8Array = new Uint8Array(0);
  let used = 0;
  const next = (): Uint8Array =>
    Uint8Array.from(createHash('sha256').update(`${label}\u0000${seed}\u0000${counter++}`).digest());
  return {
    seeded: true,
    bytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        if (used === pool.length) {
          pool = next();
          used = 0;
        }
        out[i] = pool[used++]!;
      }
      return out;
    },
    fork(sub: string): RandomSource {
      return seededRandom(seed, `${label}/${sub}`);
    },
  };
}
