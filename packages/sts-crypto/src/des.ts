// DES (DEA), single-key, 64-bit block: table-driven, 16 round subkeys precomputed, no allocation per block.
// FIPS 46-3 (withdrawn 2005; still the DKGA02 primitive of IEC 62055-41 and the EA09 cipher; sts-reference §8.2, §10.2).

import type { PreparedBlockCipher } from './block-cipher.ts';
import { checkBytes } from './bytes.ts';

// FIPS 46-3 tables, 1-based bit numbers with bit 1 the most significant, exactly as printed in the standard.
// The combined SP tables and the subkeys are computed from them once at load, so the source shows the
// standard's own numbers rather than 512 derived constants.

/** The eight S-boxes S1..S8, each 4 rows of 16, row-major. */
const S_BOXES: readonly (readonly number[])[] = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3,
    8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6,
    13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11,
    5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5,
    14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15,
    1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2,
    12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14,
    9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2,
    14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8,
    6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4,
    5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3,
    8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8,
    13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8,
    6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3,
    12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9,
    2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6,
    11,
  ],
];

/** The permutation P applied to the S-box outputs. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
];

/** Permuted choice 1: 56 of the 64 key bits (the 8 parity bits 8, 16, …, 64 are never read). */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

/** Permuted choice 2: the 48 subkey bits taken from C ‖ D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/** Left rotations of C and D before each round. */
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/**
 * SP[64 j + v]: S-box j+1 applied to the 6-bit group v, its 4 output bits put in nibble j (from the
 * top) and passed through P. The round function is then eight lookups OR-ed together.
 */
const SP = new Int32Array(512);
for (let j = 0; j < 8; j++) {
  const box = S_BOXES[j]!;
  for (let v = 0; v < 64; v++) {
    // The outer bits (first and sixth) pick the row, the inner four the column.
    const s = box[(((v >>> 4) & 2) | (v & 1)) * 16 + ((v >>> 1) & 15)]!;
    const beforeP = s << (28 - 4 * j);
    let out = 0;
    for (let i = 0; i < 32; i++) out |= ((beforeP >>> (32 - P[i]!)) & 1) << (31 - i);
    SP[64 * j + v] = out;
  }
}

/**
 * The 16 subkeys in the layout the round function wants: two words per round. The expansion E makes
 * group j of R the bits 4j..4j+5 (1-based, wrapping), so with u = rotl(R, 1) and t = rotl(R, 5) the
 * groups sit in separate bytes: t holds groups 0, 6, 4, 2 (bytes 0..3 from the bottom) and u groups
 * 7, 5, 3, 1. Each subkey word carries the matching 6-bit subkey groups in the same bytes.
 */
export function desKeySchedule(key: Uint8Array, into: Int32Array): void {
  const bit = (n: number) => (key[(n - 1) >>> 3]! >>> (7 - ((n - 1) & 7))) & 1; // key bit n, 1-based
  let c = 0;
  let d = 0;
  for (let i = 0; i < 28; i++) c = (c << 1) | bit(PC1[i]!);
  for (let i = 28; i < 56; i++) d = (d << 1) | bit(PC1[i]!);
  const cd = (n: number) => (n <= 28 ? (c >>> (28 - n)) & 1 : (d >>> (56 - n)) & 1); // bit n of C ‖ D
  const group = (g: number) => {
    let v = 0;
    for (let i = 0; i < 6; i++) v = (v << 1) | cd(PC2[6 * g + i]!);
    return v;
  };
  for (let round = 0; round < 16; round++) {
    const s = SHIFTS[round]!;
    c = ((c << s) | (c >>> (28 - s))) & 0xfffffff;
    d = ((d << s) | (d >>> (28 - s))) & 0xfffffff;
    into[2 * round] = group(0) | (group(6) << 8) | (group(4) << 16) | (group(2) << 24);
    into[2 * round + 1] = group(7) | (group(5) << 8) | (group(3) << 16) | (group(1) << 24);
  }
  c = 0;
  d = 0;
}

/**
 * IP, 16 rounds with the subkeys in order (+1) or reversed (−1), FP; writes out[0] = hi, out[1] = lo.
 * IP and FP are done with the usual five swap-moves of bit groups rather than bit by bit.
 * Internal (used directly by the DKGA02 hot path); `k` comes from {@link desKeySchedule}.
 */
export function desCrypt(k: Int32Array, hi: number, lo: number, out: Uint32Array, decrypt: boolean): void {
  let l = hi | 0;
  let r = lo | 0;
  let t = ((l >>> 4) ^ r) & 0x0f0f0f0f;
  r ^= t;
  l ^= t << 4;
  t = ((l >>> 16) ^ r) & 0x0000ffff;
  r ^= t;
  l ^= t << 16;
  t = ((r >>> 2) ^ l) & 0x33333333;
  l ^= t;
  r ^= t << 2;
  t = ((r >>> 8) ^ l) & 0x00ff00ff;
  l ^= t;
  r ^= t << 8;
  t = ((l >>> 1) ^ r) & 0x55555555;
  r ^= t;
  l ^= t << 1;
  // Two rounds per iteration so that L and R never swap.
  let i = decrypt ? 30 : 0;
  const step = decrypt ? -2 : 2;
  for (let n = 0; n < 8; n++, i += 2 * step) {
    let x = ((r << 5) | (r >>> 27)) ^ k[i]!;
    let y = ((r << 1) | (r >>> 31)) ^ k[i + 1]!;
    l ^=
      SP[x & 63]! |
      SP[384 + ((x >>> 8) & 63)]! |
      SP[256 + ((x >>> 16) & 63)]! |
      SP[128 + ((x >>> 24) & 63)]! |
      SP[448 + (y & 63)]! |
      SP[320 + ((y >>> 8) & 63)]! |
      SP[192 + ((y >>> 16) & 63)]! |
      SP[64 + ((y >>> 24) & 63)]!;
    x = ((l << 5) | (l >>> 27)) ^ k[i + step]!;
    y = ((l << 1) | (l >>> 31)) ^ k[i + step + 1]!;
    r ^=
      SP[x & 63]! |
      SP[384 + ((x >>> 8) & 63)]! |
      SP[256 + ((x >>> 16) & 63)]! |
      SP[128 + ((x >>> 24) & 63)]! |
      SP[448 + (y & 63)]! |
      SP[320 + ((y >>> 8) & 63)]! |
      SP[192 + ((y >>> 16) & 63)]! |
      SP[64 + ((y >>> 24) & 63)]!;
  }
  // The output is R16 ‖ L16 through FP = IP⁻¹ (the swap-moves in reverse order).
  l ^= r;
  r ^= l;
  l ^= r;
  t = ((l >>> 1) ^ r) & 0x55555555;
  r ^= t;
  l ^= t << 1;
  t = ((r >>> 8) ^ l) & 0x00ff00ff;
  l ^= t;
  r ^= t << 8;
  t = ((r >>> 2) ^ l) & 0x33333333;
  l ^= t;
  r ^= t << 2;
  t = ((l >>> 16) ^ r) & 0x0000ffff;
  r ^= t;
  l ^= t << 16;
  t = ((l >>> 4) ^ r) & 0x0f0f0f0f;
  r ^= t;
  l ^= t << 4;
  out[0] = l >>> 0;
  out[1] = r >>> 0;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A DES key schedule. Its fields are private, so inspect/JSON/toString never show key material. */
class PreparedDes implements PreparedBlockCipher {
  readonly algorithm = 'des' as const;
  #subkeys: Int32Array | undefined = new Int32Array(32);

  constructor(key: Uint8Array) {
    desKeySchedule(key, this.#subkeys!);
  }

  #schedule(): Int32Array {
    if (this.#subkeys === undefined) throw new Error('this DES key has been destroyed');
    return this.#subkeys;
  }

  encrypt64(hi: number, lo: number, out: Uint32Array): void {
    desCrypt(this.#schedule(), hi, lo, out, false);
  }

  decrypt64(hi: number, lo: number, out: Uint32Array): void {
    desCrypt(this.#schedule(), hi, lo, out, true);
  }

  destroy(): void {
    this.#subkeys?.fill(0);
    this.#subkeys = undefined;
  }

  // Shown like the STA and MISTY1 prepared keys: the algorithm only.
  toString(): string {
    return `PreparedDesKey { algorithm: 'des' }`;
  }

  toJSON(): { algorithm: 'des' } {
    return { algorithm: 'des' };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * Compute the DES key schedule once (FIPS 46-3 §3, key schedule calculation): the result encrypts and
 * decrypts 64-bit blocks given as two 32-bit halves with no allocation per block. The parity bits
 * (the low bit of each key byte) are ignored, as FIPS 46-3 allows; weak keys are not refused here.
 * Call `destroy()` when done: it wipes the 16 subkeys.
 * @param key 8 bytes, big-endian as written in hex
 * @throws TypeError when key is not a Uint8Array; RangeError when it is not 8 bytes
 * @example
 * const des = prepareDesKey(hexToBytes('133457799BBCDFF1'));
 * const out = new Uint32Array(2);
 * des.encrypt64(0x01234567, 0x89abcdef, out); // out = [0x85e81354, 0x0f0ab405]
 * des.destroy();
 */
export function prepareDesKey(key: Uint8Array): PreparedBlockCipher {
  return new PreparedDes(checkBytes(key, 'key', 8));
}

function oneBlock(key: Uint8Array, block: Uint8Array, decrypt: boolean): Uint8Array {
  checkBytes(key, 'key', 8);
  checkBytes(block, 'block', 8);
  const subkeys = new Int32Array(32);
  const h = new Uint32Array(2);
  desKeySchedule(key, subkeys);
  const hi = ((block[0]! << 24) | (block[1]! << 16) | (block[2]! << 8) | block[3]!) >>> 0;
  const lo = ((block[4]! << 24) | (block[5]! << 16) | (block[6]! << 8) | block[7]!) >>> 0;
  desCrypt(subkeys, hi, lo, h, decrypt);
  subkeys.fill(0);
  const out = new Uint8Array(8);
  out[0] = h[0]! >>> 24;
  out[1] = h[0]! >>> 16;
  out[2] = h[0]! >>> 8;
  out[3] = h[0]!;
  out[4] = h[1]! >>> 24;
  out[5] = h[1]! >>> 16;
  out[6] = h[1]! >>> 8;
  out[7] = h[1]!;
  h.fill(0);
  return out;
}

/**
 * DES-encrypt one 64-bit block under an 8-byte key (FIPS 46-3; single DES, ECB, one block).
 * For many blocks under one key use {@link prepareDesKey}.
 * @param key 8 bytes (parity bits ignored)
 * @param block 8 bytes, big-endian
 * @returns a new 8-byte block
 * @throws TypeError for a non-Uint8Array; RangeError naming `key` or `block` when not 8 bytes
 * @example
 * desEncrypt(hexToBytes('133457799BBCDFF1'), hexToBytes('0123456789ABCDEF')); // 85E813540F0AB405
 */
export function desEncrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  return oneBlock(key, block, false);
}

/**
 * DES-decrypt one 64-bit block under an 8-byte key (FIPS 46-3; the subkeys in reverse order).
 * @param key 8 bytes (parity bits ignored)
 * @param block 8 bytes, big-endian
 * @returns a new 8-byte block
 * @throws TypeError for a non-Uint8Array; RangeError naming `key` or `block` when not 8 bytes
 * @example
 * desDecrypt(hexToBytes('133457799BBCDFF1'), hexToBytes('85E813540F0AB405')); // 0123456789ABCDEF
 */
export function desDecrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  return oneBlock(key, block, true);
}
