// EA11, MISTY1 as IEC 62055-41 uses it: RFC 2994 unchanged (8 rounds, 128-bit key, 64-bit block).
// The data block goes in as 8 big-endian bytes; the key is the 16-byte DKGA04 output in order (sts-reference §8.3).

import type { PreparedBlockCipher } from './block-cipher.ts';
import { checkBytes } from './bytes.ts';

// RFC 2994 §2.2 S-boxes; vectors/misty1-sboxes.json holds the same tables and the tests compare them.
/** The 7-bit S-box S7 of RFC 2994 §2.2 (used by FI). Exported for the tests only, not by the package.
 * @example S7[0]; // 27 */
export const S7: Readonly<Uint8Array> = Uint8Array.from([
  27, 50, 51, 90, 59, 16, 23, 84, 91, 26, 114, 115, 107, 44, 102, 73, 31, 36, 19, 108, 55, 46, 63, 74, 93, 15,
  64, 86, 37, 81, 28, 4, 11, 70, 32, 13, 123, 53, 68, 66, 43, 30, 65, 20, 75, 121, 21, 111, 14, 85, 9, 54,
  116, 12, 103, 83, 40, 10, 126, 56, 2, 7, 96, 41, 25, 18, 101, 47, 48, 57, 8, 104, 95, 120, 42, 76, 100, 69,
  117, 61, 89, 72, 3, 87, 124, 79, 98, 60, 29, 33, 94, 39, 106, 112, 77, 58, 1, 109, 110, 99, 24, 119, 35, 5,
  38, 118, 0, 49, 45, 122, 127, 97, 80, 34, 17, 6, 71, 22, 82, 78, 113, 62, 105, 67, 52, 92, 88, 125,
]);

/** The 9-bit S-box S9 of RFC 2994 §2.2 (used by FI). Exported for the tests only, not by the package.
 * @example S9[0]; // 451 */
export const S9: Readonly<Uint16Array> = Uint16Array.from([
  451, 203, 339, 415, 483, 233, 251, 53, 385, 185, 279, 491, 307, 9, 45, 211, 199, 330, 55, 126, 235, 356,
  403, 472, 163, 286, 85, 44, 29, 418, 355, 280, 331, 338, 466, 15, 43, 48, 314, 229, 273, 312, 398, 99, 227,
  200, 500, 27, 1, 157, 248, 416, 365, 499, 28, 326, 125, 209, 130, 490, 387, 301, 244, 414, 467, 221, 482,
  296, 480, 236, 89, 145, 17, 303, 38, 220, 176, 396, 271, 503, 231, 364, 182, 249, 216, 337, 257, 332, 259,
  184, 340, 299, 430, 23, 113, 12, 71, 88, 127, 420, 308, 297, 132, 349, 413, 434, 419, 72, 124, 81, 458, 35,
  317, 423, 357, 59, 66, 218, 402, 206, 193, 107, 159, 497, 300, 388, 250, 406, 481, 361, 381, 49, 384, 266,
  148, 474, 390, 318, 284, 96, 373, 463, 103, 281, 101, 104, 153, 336, 8, 7, 380, 183, 36, 25, 222, 295, 219,
  228, 425, 82, 265, 144, 412, 449, 40, 435, 309, 362, 374, 223, 485, 392, 197, 366, 478, 433, 195, 479, 54,
  238, 494, 240, 147, 73, 154, 438, 105, 129, 293, 11, 94, 180, 329, 455, 372, 62, 315, 439, 142, 454, 174,
  16, 149, 495, 78, 242, 509, 133, 253, 246, 160, 367, 131, 138, 342, 155, 316, 263, 359, 152, 464, 489, 3,
  510, 189, 290, 137, 210, 399, 18, 51, 106, 322, 237, 368, 283, 226, 335, 344, 305, 327, 93, 275, 461, 121,
  353, 421, 377, 158, 436, 204, 34, 306, 26, 232, 4, 391, 493, 407, 57, 447, 471, 39, 395, 198, 156, 208, 334,
  108, 52, 498, 110, 202, 37, 186, 401, 254, 19, 262, 47, 429, 370, 475, 192, 267, 470, 245, 492, 269, 118,
  276, 427, 117, 268, 484, 345, 84, 287, 75, 196, 446, 247, 41, 164, 14, 496, 119, 77, 378, 134, 139, 179,
  369, 191, 270, 260, 151, 347, 352, 360, 215, 187, 102, 462, 252, 146, 453, 111, 22, 74, 161, 313, 175, 241,
  400, 10, 426, 323, 379, 86, 397, 358, 212, 507, 333, 404, 410, 135, 504, 291, 167, 440, 321, 60, 505, 320,
  42, 341, 282, 417, 408, 213, 294, 431, 97, 302, 343, 476, 114, 394, 170, 150, 277, 239, 69, 123, 141, 325,
  83, 95, 376, 178, 46, 32, 469, 63, 457, 487, 428, 68, 56, 20, 177, 363, 171, 181, 90, 386, 456, 468, 24,
  375, 100, 207, 109, 256, 409, 304, 346, 5, 288, 443, 445, 224, 79, 214, 319, 452, 298, 21, 6, 255, 411, 166,
  67, 136, 80, 351, 488, 289, 115, 382, 188, 194, 201, 371, 393, 501, 116, 460, 486, 424, 405, 31, 65, 13,
  442, 50, 61, 465, 128, 168, 87, 441, 354, 328, 217, 261, 98, 122, 33, 511, 274, 264, 448, 169, 285, 432,
  422, 205, 243, 92, 258, 91, 473, 324, 502, 173, 165, 58, 459, 310, 383, 70, 225, 30, 477, 230, 311, 506,
  389, 140, 143, 64, 437, 190, 120, 0, 172, 272, 350, 292, 2, 444, 162, 234, 112, 508, 278, 348, 76, 450,
]);

/** FI: the 16-bit inner function (a 9/7-bit Feistel network through S9, S7, S9). */
function fi(x: number, k: number): number {
  let d9 = x >>> 7;
  let d7 = x & 0x7f;
  d9 = S9[d9]! ^ d7;
  d7 = (S7[d7]! ^ d9) & 0x7f;
  d7 ^= k >>> 9;
  d9 ^= k & 0x1ff;
  d9 = S9[d9]! ^ d7;
  return (d7 << 9) | d9;
}

/** FO: the 32-bit round function; its seven subkeys (KO1, KI1, KO2, KI2, KO3, KI3, KO4) start at ks[o]. */
function fo(x: number, ks: Int32Array, o: number): number {
  let t0 = x >>> 16;
  let t1 = x & 0xffff;
  t0 = fi(t0 ^ ks[o]!, ks[o + 1]!) ^ t1;
  t1 = fi(t1 ^ ks[o + 2]!, ks[o + 3]!) ^ t0;
  t0 = fi(t0 ^ ks[o + 4]!, ks[o + 5]!) ^ t1;
  t1 ^= ks[o + 6]!;
  return (t1 << 16) | t0;
}

/** FL: the key-dependent linear layer; subkeys KL1, KL2 at ks[o], ks[o + 1]. */
function fl(x: number, ks: Int32Array, o: number): number {
  let d0 = x >>> 16;
  let d1 = x & 0xffff;
  d1 ^= d0 & ks[o]!;
  d0 ^= d1 | ks[o + 1]!;
  return (d0 << 16) | d1;
}

/** FL⁻¹. */
function flInv(x: number, ks: Int32Array, o: number): number {
  let d0 = x >>> 16;
  let d1 = x & 0xffff;
  d0 ^= d1 | ks[o + 1]!;
  d1 ^= d0 & ks[o]!;
  return (d0 << 16) | d1;
}

/** Offset of FO_k's seven subkeys and of FL_k's two in the schedule. */
const FO = (k: number): number => k * 8;
const FL = (k: number): number => 64 + k * 2;

/**
 * The RFC 2994 key schedule flattened in order of use: K_i are the key's 16-bit words, K'_i = FI(K_i, K_i+1);
 * FO_k takes KO = K_k, K_k+2, K_k+7, K_k+4 and KI = K'_k+5, K'_k+1, K'_k+3; FL_k (k even) takes
 * K_k/2 and K'_k/2+6, (k odd) K'_(k−1)/2+2 and K_(k−1)/2+4, all indices mod 8.
 */
function expandKey(key: Uint8Array, ks: Int32Array): void {
  const ek = new Uint16Array(16);
  for (let i = 0; i < 8; i++) ek[i] = (key[2 * i]! << 8) | key[2 * i + 1]!;
  for (let i = 0; i < 8; i++) ek[i + 8] = fi(ek[i]!, ek[(i + 1) % 8]!);
  // K_i is ek[i mod 8], K'_i is ek[8 + (i mod 8)].
  for (let k = 0; k < 8; k++) {
    const o = FO(k);
    ks[o] = ek[k]!;
    ks[o + 1] = ek[8 + ((k + 5) & 7)]!;
    ks[o + 2] = ek[(k + 2) & 7]!;
    ks[o + 3] = ek[8 + ((k + 1) & 7)]!;
    ks[o + 4] = ek[(k + 7) & 7]!;
    ks[o + 5] = ek[8 + ((k + 3) & 7)]!;
    ks[o + 6] = ek[(k + 4) & 7]!;
  }
  for (let k = 0; k < 10; k++) {
    const o = FL(k);
    const h = k >>> 1;
    ks[o] = k % 2 === 0 ? ek[h & 7]! : ek[8 + ((h + 2) & 7)]!;
    ks[o + 1] = k % 2 === 0 ? ek[8 + ((h + 6) & 7)]! : ek[(h + 4) & 7]!;
  }
  ek.fill(0);
}

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A prepared MISTY1 key. A class rather than a closure, so that preparing a key per meter allocates the
 * schedule and one object, no functions. The schedule is a private field, which neither `util.inspect`
 * nor `JSON.stringify` can reach; `toJSON` and the inspect function (on the prototype) show the algorithm.
 */
class PreparedMisty1Key implements PreparedBlockCipher {
  readonly algorithm = 'misty1' as const;
  #ks: Int32Array | null;

  constructor(key: Uint8Array) {
    const ks = new Int32Array(84);
    expandKey(key, ks);
    this.#ks = ks;
    // Own enumerable methods like the closure-based keys of earlier versions, sharing the prototype's.
    this.encrypt64 = PROTO.encrypt64;
    this.decrypt64 = PROTO.decrypt64;
    this.destroy = PROTO.destroy;
    this.toJSON = PROTO.toJSON;
  }

  encrypt64(hi: number, lo: number, out: Uint32Array): void {
    const ks = this.#ks;
    if (ks === null) throw new Error('this MISTY1 key has been destroyed');
    let d0 = hi | 0;
    let d1 = lo | 0;
    // Unrolled so that subkey offsets are constants: FO_k at 8k, FL_k at 64 + 2k (see FO and FL above).
    // Rounds 0..7, with FL on both halves before every even round and after the last.
    d0 = fl(d0, ks, 64);
    d1 = fl(d1, ks, 66);
    d1 ^= fo(d0, ks, 0);
    d0 ^= fo(d1, ks, 8);
    d0 = fl(d0, ks, 68);
    d1 = fl(d1, ks, 70);
    d1 ^= fo(d0, ks, 16);
    d0 ^= fo(d1, ks, 24);
    d0 = fl(d0, ks, 72);
    d1 = fl(d1, ks, 74);
    d1 ^= fo(d0, ks, 32);
    d0 ^= fo(d1, ks, 40);
    d0 = fl(d0, ks, 76);
    d1 = fl(d1, ks, 78);
    d1 ^= fo(d0, ks, 48);
    d0 ^= fo(d1, ks, 56);
    d0 = fl(d0, ks, 80);
    d1 = fl(d1, ks, 82);
    out[0] = d1;
    out[1] = d0;
  }
  decrypt64(hi: number, lo: number, out: Uint32Array): void {
    const ks = this.#ks;
    if (ks === null) throw new Error('this MISTY1 key has been destroyed');
    // The encryption run backwards, same constant offsets.
    let d0 = flInv(lo | 0, ks, 80);
    let d1 = flInv(hi | 0, ks, 82);
    d0 ^= fo(d1, ks, 56);
    d1 ^= fo(d0, ks, 48);
    d0 = flInv(d0, ks, 76);
    d1 = flInv(d1, ks, 78);
    d0 ^= fo(d1, ks, 40);
    d1 ^= fo(d0, ks, 32);
    d0 = flInv(d0, ks, 72);
    d1 = flInv(d1, ks, 74);
    d0 ^= fo(d1, ks, 24);
    d1 ^= fo(d0, ks, 16);
    d0 = flInv(d0, ks, 68);
    d1 = flInv(d1, ks, 70);
    d0 ^= fo(d1, ks, 8);
    d1 ^= fo(d0, ks, 0);
    d0 = flInv(d0, ks, 64);
    d1 = flInv(d1, ks, 66);
    out[0] = d0;
    out[1] = d1;
  }

  destroy(): void {
    this.#ks?.fill(0);
    this.#ks = null;
  }

  toJSON(): { algorithm: 'misty1' } {
    return { algorithm: 'misty1' };
  }

  [inspectSymbol](): string {
    return `PreparedMisty1Key { algorithm: 'misty1' }`;
  }
}

const PROTO = PreparedMisty1Key.prototype;

function prepare(key: Uint8Array): PreparedBlockCipher {
  return new PreparedMisty1Key(key);
}

/**
 * Prepare an EA11 (MISTY1) decoder key: the RFC 2994 key schedule is expanded once, so a block costs
 * 16-bit word arithmetic and table lookups only and allocates nothing. IEC 62055-41 EA11/DA11.
 * @param key the 16-byte decoder key (DKGA04 output bytes 0..15, in order)
 * @throws TypeError when key is not a Uint8Array; RangeError for a wrong length
 * @example
 * const m = prepareMisty1Key(hexToBytes('00112233445566778899aabbccddeeff'));
 * const out = new Uint32Array(2);
 * m.encrypt64(0x01234567, 0x89abcdef, out); // out = [0x8b1da5f5, 0x6ab3d07c]
 * m.destroy();
 */
export function prepareMisty1Key(key: Uint8Array): PreparedBlockCipher {
  checkBytes(key, 'key', 16);
  return prepare(key);
}

function run(key: Uint8Array, block: Uint8Array, decrypt: boolean): Uint8Array {
  checkBytes(key, 'key', 16);
  checkBytes(block, 'block', 8);
  const m = prepare(key);
  const hi = ((block[0]! << 24) | (block[1]! << 16) | (block[2]! << 8) | block[3]!) >>> 0;
  const lo = ((block[4]! << 24) | (block[5]! << 16) | (block[6]! << 8) | block[7]!) >>> 0;
  const out = new Uint32Array(2);
  if (decrypt) m.decrypt64(hi, lo, out);
  else m.encrypt64(hi, lo, out);
  m.destroy();
  const result = new Uint8Array(8);
  const view = new DataView(result.buffer);
  view.setUint32(0, out[0]!);
  view.setUint32(4, out[1]!);
  return result;
}

/**
 * Encrypt one 64-bit block with MISTY1 (RFC 2994), IEC 62055-41 EncryptionAlgorithm11.
 * For many blocks under one key use {@link prepareMisty1Key}.
 * @param key the 16-byte key
 * @param block the 8-byte block, big-endian
 * @returns a new 8-byte encrypted block
 * @example
 * misty1Encrypt(hexToBytes('00112233445566778899aabbccddeeff'), hexToBytes('0123456789abcdef')); // 8B1DA5F56AB3D07C
 */
export function misty1Encrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  return run(key, block, false);
}

/**
 * Decrypt one 64-bit block with MISTY1 (RFC 2994), IEC 62055-41 DecryptionAlgorithm11.
 * @param key the 16-byte key
 * @param block the 8-byte encrypted block, big-endian
 * @returns a new 8-byte plaintext block
 * @example
 * misty1Decrypt(hexToBytes('00112233445566778899aabbccddeeff'), hexToBytes('8b1da5f56ab3d07c')); // 0123456789ABCDEF
 */
export function misty1Decrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  return run(key, block, true);
}
