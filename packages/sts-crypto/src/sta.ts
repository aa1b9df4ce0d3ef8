// EA07, the Standard Transfer Algorithm (STA): IEC 62055-41 EncryptionAlgorithm07 / DecryptionAlgorithm07.
// 16 rounds of key-selected nibble substitution and a fixed bit permutation on a 64-bit block (sts-reference §8.1).

import type { PreparedBlockCipher } from './block-cipher.ts';
import { checkBytes } from './bytes.ts';

/** Which S-boxes and permutation to use: the real EA07 tables, or the sample tables printed in the
 *  standard's worked example (useful only to reproduce that example). */
export type StaTables = 'real' | 'sample';

interface TableSet {
  /** S1 is used for a nibble whose key bit is 0, S2 when it is 1. */
  readonly s1: readonly number[];
  readonly s2: readonly number[];
  /** Input bit j goes to output bit p[j] (bit 0 = least significant). */
  readonly p: readonly number[];
}

// The tables of sts-reference §8.1 (identical in every independent implementation of EA07).
const REAL: TableSet = {
  s1: [14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11],
  s2: [12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14],
  p: [
    55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50, 6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4,
    32, 20, 63, 25, 51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5, 40, 60, 39, 11, 15, 17, 1,
    0, 57, 34, 59, 8, 47, 14, 45, 26,
  ],
};

// The standard's worked-example tables: not used by any meter.
const SAMPLE: TableSet = {
  s1: [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11],
  s2: [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5],
  p: [
    29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22,
    17, 48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43, 44, 6, 59, 4, 7, 35, 56,
    50, 13, 18, 32, 47, 46, 63, 20, 8,
  ],
};

/**
 * Tables that turn a round into eight byte steps of two lookups each, small enough (≈ 17 KiB per
 * direction) to stay in the L1 cache. `s` substitutes a whole byte: entry c·256 + v is v with its low
 * nibble through S2 when bit 0 of the choice c is set (else S1) and its high nibble through S2 when bit 1
 * is set. `p` permutes: entry (b·256 + y)·2 holds the (hi, lo) image of byte y found at byte position b
 * (bits 8b+7..8b); a round ORs the eight images. Decryption uses the inverse tables in the mirror order.
 * Why not fuse S and P into one table per (position, choice), saving the S lookups: that table is 64 KiB,
 * twice the L1 data cache, and measured about a third slower than these two small ones.
 */
interface Lookup {
  readonly s: Uint8Array; // 4·256
  readonly p: Int32Array; // 8·256·2
  readonly sInv: Uint8Array; // 4·256
  readonly pInv: Int32Array; // 8·256·2
}

const lookups = new Map<StaTables, Lookup>();

function invert(table: readonly number[]): number[] {
  const inv = new Array<number>(table.length);
  for (let i = 0; i < table.length; i++) inv[table[i]!] = i;
  return inv;
}

function byteSubstitution(s1: readonly number[], s2: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * 256);
  for (let c = 0; c < 4; c++) {
    const sLo = c & 1 ? s2 : s1;
    const sHi = c & 2 ? s2 : s1;
    for (let v = 0; v < 256; v++) out[c * 256 + v] = (sHi[v >>> 4]! << 4) | sLo[v & 15]!;
  }
  return out;
}

/** Input bit j goes to output bit to[j]: the (hi, lo) image of every byte value at every position. */
function bytePermutation(to: readonly number[]): Int32Array {
  const out = new Int32Array(8 * 256 * 2);
  for (let b = 0; b < 8; b++) {
    for (let y = 0; y < 256; y++) {
      let hi = 0;
      let lo = 0;
      for (let t = 0; t < 8; t++) {
        if (((y >>> t) & 1) === 0) continue;
        const bit = to[8 * b + t]!;
        if (bit >= 32) hi |= 1 << (bit - 32);
        else lo |= 1 << bit;
      }
      out[(b * 256 + y) * 2] = hi;
      out[(b * 256 + y) * 2 + 1] = lo;
    }
  }
  return out;
}

function lookupFor(tables: StaTables): Lookup {
  let l = lookups.get(tables);
  if (l === undefined) {
    const set = tables === 'real' ? REAL : SAMPLE;
    l = {
      s: byteSubstitution(set.s1, set.s2),
      p: bytePermutation(set.p),
      sInv: byteSubstitution(invert(set.s1), invert(set.s2)),
      pInv: bytePermutation(invert(set.p)),
    };
    lookups.set(tables, l);
  }
  return l;
}

function checkTables(tables: unknown): StaTables {
  if (tables !== 'real' && tables !== 'sample') throw new RangeError(`tables must be 'real' or 'sample'`);
  return tables;
}

/**
 * The S-box choice of byte position b in round r, from the decoder key bytes (big-endian).
 * Round r's key is k_r = rotl64(rotr64(~K, 12), r), so bit j of k_r is NOT bit (j − r + 12) mod 64 of K;
 * nibble i takes S2 when bit 4i+3 of k_r is 1.
 */
function choice(key: Uint8Array, r: number, b: number): number {
  const sel = (nibble: number): number => {
    const m = (4 * nibble + 3 - r + 12 + 64) & 63;
    return ((key[7 - (m >>> 3)]! >>> (m & 7)) & 1) ^ 1;
  };
  return sel(2 * b) | (sel(2 * b + 1) << 1);
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * The prepared key is a closure: its tables and choices are locals that neither `util.inspect` nor
 * `JSON.stringify` can reach, and V8 reads them as fast as module constants.
 */
function prepare(key: Uint8Array, tables: StaTables): PreparedBlockCipher {
  const { s, p, sInv, pInv } = lookupFor(tables);
  /** Round r, byte position b → c·256, the offset of the byte S-box chosen by the key (16 × 8). */
  const k = new Int32Array(128);
  for (let r = 0; r < 16; r++) {
    for (let b = 0; b < 8; b++) k[r * 8 + b] = choice(key, r, b) * 256;
  }
  let destroyed = false;
  const describe = { algorithm: 'sta', tables } as const;
  return {
    algorithm: 'sta',
    encrypt64(hi: number, lo: number, out: Uint32Array): void {
      if (destroyed) throw new Error('this STA key has been destroyed');
      for (let r = 0; r < 128; r += 8) {
        let i = s[k[r]! + (lo & 0xff)]! << 1;
        let h = p[i]!;
        let l = p[i + 1]!;
        i = 512 + (s[k[r + 1]! + ((lo >>> 8) & 0xff)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 1024 + (s[k[r + 2]! + ((lo >>> 16) & 0xff)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 1536 + (s[k[r + 3]! + (lo >>> 24)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 2048 + (s[k[r + 4]! + (hi & 0xff)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 2560 + (s[k[r + 5]! + ((hi >>> 8) & 0xff)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 3072 + (s[k[r + 6]! + ((hi >>> 16) & 0xff)]! << 1);
        h |= p[i]!;
        l |= p[i + 1]!;
        i = 3584 + (s[k[r + 7]! + (hi >>> 24)]! << 1);
        hi = h | p[i]!;
        lo = l | p[i + 1]!;
      }
      out[0] = hi;
      out[1] = lo;
    },

    decrypt64(hi: number, lo: number, out: Uint32Array): void {
      if (destroyed) throw new Error('this STA key has been destroyed');
      // Undo the permutation of round 15 alone; then, byte by byte like encryption, the substitution of
      // round r together with the permutation of round r − 1 (r = 15..1); then the substitution of round 0.
      let i = (lo << 1) & 0x1fe;
      let h = pInv[i]!;
      let l = pInv[i + 1]!;
      i = 512 + ((lo >>> 7) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 1024 + ((lo >>> 15) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 1536 + ((lo >>> 23) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 2048 + ((hi << 1) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 2560 + ((hi >>> 7) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 3072 + ((hi >>> 15) & 0x1fe);
      h |= pInv[i]!;
      l |= pInv[i + 1]!;
      i = 3584 + ((hi >>> 23) & 0x1fe);
      hi = h | pInv[i]!;
      lo = l | pInv[i + 1]!;
      for (let r = 120; r > 0; r -= 8) {
        i = sInv[k[r]! + (lo & 0xff)]! << 1;
        h = pInv[i]!;
        l = pInv[i + 1]!;
        i = 512 + (sInv[k[r + 1]! + ((lo >>> 8) & 0xff)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 1024 + (sInv[k[r + 2]! + ((lo >>> 16) & 0xff)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 1536 + (sInv[k[r + 3]! + (lo >>> 24)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 2048 + (sInv[k[r + 4]! + (hi & 0xff)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 2560 + (sInv[k[r + 5]! + ((hi >>> 8) & 0xff)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 3072 + (sInv[k[r + 6]! + ((hi >>> 16) & 0xff)]! << 1);
        h |= pInv[i]!;
        l |= pInv[i + 1]!;
        i = 3584 + (sInv[k[r + 7]! + (hi >>> 24)]! << 1);
        hi = h | pInv[i]!;
        lo = l | pInv[i + 1]!;
      }
      out[0] =
        sInv[k[4]! + (hi & 0xff)]! |
        (sInv[k[5]! + ((hi >>> 8) & 0xff)]! << 8) |
        (sInv[k[6]! + ((hi >>> 16) & 0xff)]! << 16) |
        (sInv[k[7]! + (hi >>> 24)]! << 24);
      out[1] =
        sInv[k[0]! + (lo & 0xff)]! |
        (sInv[k[1]! + ((lo >>> 8) & 0xff)]! << 8) |
        (sInv[k[2]! + ((lo >>> 16) & 0xff)]! << 16) |
        (sInv[k[3]! + (lo >>> 24)]! << 24);
    },
    destroy(): void {
      k.fill(0);
      destroyed = true;
    },
    toJSON: () => describe,
    [inspectSymbol]: () => `PreparedStaKey { algorithm: 'sta', tables: '${tables}' }`,
  } as PreparedBlockCipher;
}

/**
 * Prepare an EA07 (STA) decoder key: the per-round S-box choices are computed once, so each block
 * costs 16 rounds of byte-indexed table lookups and allocates nothing. IEC 62055-41 EA07/DA07.
 * The key is the natural big-endian form (`E653341F9D5BF36F`), not Nectar's byte-reversed print.
 * @param key the 8-byte decoder key
 * @param tables `'real'` (default) or `'sample'`, the tables of the standard's worked example
 * @throws TypeError when key is not a Uint8Array; RangeError for a wrong length or unknown tables
 * @example
 * const sta = prepareStaKey(hexToBytes('0ABC12DEF3456789', 'decoder key'));
 * const out = new Uint32Array(2);
 * sta.encrypt64(0x0b19eb23, 0x0100c207, out); // out = [0x9335c6c9, 0x6b7352dc]
 * sta.destroy();
 */
export function prepareStaKey(key: Uint8Array, tables: StaTables = 'real'): PreparedBlockCipher {
  checkBytes(key, 'key', 8);
  return prepare(key, checkTables(tables));
}

function run(key: Uint8Array, block: Uint8Array, tables: StaTables, decrypt: boolean): Uint8Array {
  checkBytes(key, 'key', 8);
  checkBytes(block, 'block', 8);
  const sta = prepare(key, checkTables(tables));
  const hi = ((block[0]! << 24) | (block[1]! << 16) | (block[2]! << 8) | block[3]!) >>> 0;
  const lo = ((block[4]! << 24) | (block[5]! << 16) | (block[6]! << 8) | block[7]!) >>> 0;
  const out = new Uint32Array(2);
  if (decrypt) sta.decrypt64(hi, lo, out);
  else sta.encrypt64(hi, lo, out);
  sta.destroy();
  const result = new Uint8Array(8);
  new DataView(result.buffer).setUint32(0, out[0]!);
  new DataView(result.buffer).setUint32(4, out[1]!);
  return result;
}

/**
 * Encrypt one 64-bit data block with EA07 (STA), IEC 62055-41 EncryptionAlgorithm07.
 * For many blocks under one key use {@link prepareStaKey}.
 * @param key the 8-byte decoder key, big-endian
 * @param block the 8-byte data block, big-endian (bits 63..0 of sts-reference §3)
 * @param tables `'real'` (default) or `'sample'`
 * @returns a new 8-byte encrypted block
 * @example
 * staEncrypt(hexToBytes('0ABC12DEF3456789'), hexToBytes('0B19EB230100C207')); // 9335C6C96B7352DC
 */
export function staEncrypt(key: Uint8Array, block: Uint8Array, tables: StaTables = 'real'): Uint8Array {
  return run(key, block, tables, false);
}

/**
 * Decrypt one 64-bit data block with DA07 (STA), the meter side of IEC 62055-41 EA07.
 * @param key the 8-byte decoder key, big-endian
 * @param block the 8-byte encrypted block, big-endian
 * @param tables `'real'` (default) or `'sample'`
 * @returns a new 8-byte plaintext block
 * @example
 * staDecrypt(hexToBytes('0ABC12DEF3456789'), hexToBytes('9335C6C96B7352DC')); // 0B19EB230100C207
 */
export function staDecrypt(key: Uint8Array, block: Uint8Array, tables: StaTables = 'real'): Uint8Array {
  return run(key, block, tables, true);
}
