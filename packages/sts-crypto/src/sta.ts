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

function lookup(set: TableSet): Lookup {
  return {
    s: byteSubstitution(set.s1, set.s2),
    p: bytePermutation(set.p),
    sInv: byteSubstitution(invert(set.s1), invert(set.s2)),
    pInv: bytePermutation(invert(set.p)),
  };
}

// Module constants, built at load (well under a millisecond): inlined into a key's methods, the real
// tables are constants to the compiler, which then drops their bounds and pointer loads.
const SAMPLE_LOOKUP = lookup(SAMPLE);
const REAL_LOOKUP = lookup(REAL);
const REAL_S = REAL_LOOKUP.s;
const REAL_P = REAL_LOOKUP.p;
const REAL_S_INV = REAL_LOOKUP.sInv;
const REAL_P_INV = REAL_LOOKUP.pInv;

function checkTables(tables: unknown): StaTables {
  if (tables !== 'real' && tables !== 'sample') throw new RangeError(`tables must be 'real' or 'sample'`);
  return tables;
}

/**
 * The S-box choices of a key, one word per round: bits 8 + 2b and 9 + 2b of word r hold the choice c of
 * byte position b, so `(w >>> 2b) & 0x300` is c·256, the offset of its byte S-box. Round r's key is
 * k_r = rotl64(rotr64(~K, 12), r) = rotl64(~K, r − 12); nibble i takes S2 when bit 4i+3 of k_r is 1.
 * Why 16 packed words and not 128 offsets: a typed array of at most 64 bytes lives on the V8 heap, and
 * allocating one is about 15 times cheaper than a 512-byte one, which dominated preparing a key per meter.
 */
function choices(key: Uint8Array): Int32Array {
  // ~K as two halves, rotated left by r − 12 (mod 64) for round r.
  const nh = ~((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!);
  const nl = ~((key[4]! << 24) | (key[5]! << 16) | (key[6]! << 8) | key[7]!);
  const k = new Int32Array(16);
  for (let r = 0; r < 16; r++) {
    let rot = (r + 52) & 63;
    let h = nh;
    let l = nl;
    if (rot >= 32) {
      h = nl;
      l = nh;
      rot -= 32;
    }
    if (rot !== 0) {
      const t = (h << rot) | (l >>> (32 - rot));
      l = (l << rot) | (h >>> (32 - rot));
      h = t;
    }
    // Byte b of k_r chooses with its bits 3 (low nibble) and 7 (high nibble): c_b into bits 8 + 2b.
    let w = 0;
    for (let b = 0; b < 4; b++) {
      const x = l >>> (8 * b);
      const y = h >>> (8 * b);
      w |= (((x >>> 3) & 1) | ((x >>> 6) & 2)) << (8 + 2 * b);
      w |= (((y >>> 3) & 1) | ((y >>> 6) & 2)) << (16 + 2 * b);
    }
    k[r] = w;
  }
  return k;
}

/** EA07 on (hi, lo) with choices k and byte tables s, p; writes out[0] = hi, out[1] = lo. */
function encryptBlock(
  k: Int32Array,
  s: Uint8Array,
  p: Int32Array,
  hi: number,
  lo: number,
  out: Uint32Array,
): void {
  for (let r = 0; r < 16; r++) {
    const w = k[r]!;
    let i = s[(w & 0x300) + (lo & 0xff)]! << 1;
    let h = p[i]!;
    let l = p[i + 1]!;
    i = 512 + (s[((w >>> 2) & 0x300) + ((lo >>> 8) & 0xff)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 1024 + (s[((w >>> 4) & 0x300) + ((lo >>> 16) & 0xff)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 1536 + (s[((w >>> 6) & 0x300) + (lo >>> 24)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 2048 + (s[((w >>> 8) & 0x300) + (hi & 0xff)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 2560 + (s[((w >>> 10) & 0x300) + ((hi >>> 8) & 0xff)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 3072 + (s[((w >>> 12) & 0x300) + ((hi >>> 16) & 0xff)]! << 1);
    h |= p[i]!;
    l |= p[i + 1]!;
    i = 3584 + (s[((w >>> 14) & 0x300) + (hi >>> 24)]! << 1);
    hi = h | p[i]!;
    lo = l | p[i + 1]!;
  }
  out[0] = hi;
  out[1] = lo;
}

/** DA07 on (hi, lo) with choices k and the inverse byte tables. */
function decryptBlock(
  k: Int32Array,
  sInv: Uint8Array,
  pInv: Int32Array,
  hi: number,
  lo: number,
  out: Uint32Array,
): void {
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
  for (let r = 15; r > 0; r--) {
    const w = k[r]!;
    i = sInv[(w & 0x300) + (lo & 0xff)]! << 1;
    h = pInv[i]!;
    l = pInv[i + 1]!;
    i = 512 + (sInv[((w >>> 2) & 0x300) + ((lo >>> 8) & 0xff)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 1024 + (sInv[((w >>> 4) & 0x300) + ((lo >>> 16) & 0xff)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 1536 + (sInv[((w >>> 6) & 0x300) + (lo >>> 24)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 2048 + (sInv[((w >>> 8) & 0x300) + (hi & 0xff)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 2560 + (sInv[((w >>> 10) & 0x300) + ((hi >>> 8) & 0xff)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 3072 + (sInv[((w >>> 12) & 0x300) + ((hi >>> 16) & 0xff)]! << 1);
    h |= pInv[i]!;
    l |= pInv[i + 1]!;
    i = 3584 + (sInv[((w >>> 14) & 0x300) + (hi >>> 24)]! << 1);
    hi = h | pInv[i]!;
    lo = l | pInv[i + 1]!;
  }
  const w = k[0]!;
  out[0] =
    sInv[((w >>> 8) & 0x300) + (hi & 0xff)]! |
    (sInv[((w >>> 10) & 0x300) + ((hi >>> 8) & 0xff)]! << 8) |
    (sInv[((w >>> 12) & 0x300) + ((hi >>> 16) & 0xff)]! << 16) |
    (sInv[((w >>> 14) & 0x300) + (hi >>> 24)]! << 24);
  out[1] =
    sInv[(w & 0x300) + (lo & 0xff)]! |
    (sInv[((w >>> 2) & 0x300) + ((lo >>> 8) & 0xff)]! << 8) |
    (sInv[((w >>> 4) & 0x300) + ((lo >>> 16) & 0xff)]! << 16) |
    (sInv[((w >>> 6) & 0x300) + (lo >>> 24)]! << 24);
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A prepared STA key. A class rather than a closure: preparing a key per meter must cost a few hundred
 * nanoseconds, and each closure created per key costs far more (tsx names every function expression
 * with Object.defineProperty). The choices live in private fields, which neither `util.inspect` nor
 * `JSON.stringify` can reach; `toJSON` and the inspect function (on the prototype) show the algorithm
 * and tables only.
 */
class PreparedStaKey implements PreparedBlockCipher {
  readonly algorithm = 'sta' as const;
  #k: Int32Array | null;
  readonly #tables: StaTables;
  readonly #sample: boolean;

  constructor(key: Uint8Array, tables: StaTables) {
    this.#k = choices(key);
    this.#tables = tables;
    this.#sample = tables === 'sample';
    // The keys of earlier, closure-based versions listed their methods as own enumerable properties
    // (Object.keys shows them); keep that, with the one prototype function each: nothing is allocated.
    this.encrypt64 = PROTO.encrypt64;
    this.decrypt64 = PROTO.decrypt64;
    this.destroy = PROTO.destroy;
    this.toJSON = PROTO.toJSON;
  }

  encrypt64(hi: number, lo: number, out: Uint32Array): void {
    const k = this.#k;
    if (k === null) throw new Error('this STA key has been destroyed');
    if (this.#sample) encryptBlock(k, SAMPLE_LOOKUP.s, SAMPLE_LOOKUP.p, hi, lo, out);
    else encryptBlock(k, REAL_S, REAL_P, hi, lo, out);
  }

  decrypt64(hi: number, lo: number, out: Uint32Array): void {
    const k = this.#k;
    if (k === null) throw new Error('this STA key has been destroyed');
    if (this.#sample) decryptBlock(k, SAMPLE_LOOKUP.sInv, SAMPLE_LOOKUP.pInv, hi, lo, out);
    else decryptBlock(k, REAL_S_INV, REAL_P_INV, hi, lo, out);
  }

  destroy(): void {
    this.#k?.fill(0);
    this.#k = null;
  }

  toJSON(): { algorithm: 'sta'; tables: StaTables } {
    return { algorithm: 'sta', tables: this.#tables };
  }

  [inspectSymbol](): string {
    return `PreparedStaKey { algorithm: 'sta', tables: '${this.#tables}' }`;
  }
}

const PROTO = PreparedStaKey.prototype;

function prepare(key: Uint8Array, tables: StaTables): PreparedBlockCipher {
  return new PreparedStaKey(key, tables);
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
