// DKGA04: the decoder key of a meter from a 160-bit vending key, DK = HMAC-SHA-256(VK, M) truncated.
// IEC 62055-41 Edition 2 DKGA04 (label/context message M, FIPS 198-1 HMAC, FIPS 180-4 SHA-256); sts-reference §10.4.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkBytes } from './bytes.ts';
import type { BaseDate, EncryptionAlgorithm } from './key-attributes.ts';

/** The fields of M other than the DRN, already checked by the caller (decoder-key.ts). */
export interface Dkga04Fields {
  baseDate: BaseDate;
  /** DKGA04 serves STA and MISTY1 only. */
  encryptionAlgorithm: Exclude<EncryptionAlgorithm, 'dea'>;
  tariffIndex: string;
  supplyGroupCode: string;
  keyType: number;
  keyRevisionNo: number;
}

/** Length of M in bytes, and where the 18 ASCII digits of the meter PAN start in it. */
export const DKGA04_MESSAGE_LENGTH = 49;
const PAN_OFFSET = 27;

/**
 * Write M without the PAN digits into block[0..48]: four label fields (DKGA "04", base date, EA,
 * TI), a 00 separator, four context fields (SGC, KT, KRN, PAN) and the key length in bits.
 */
function writeAscii(block: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) block[at + i] = text.charCodeAt(i);
}

function writeMessageFrame(block: Uint8Array, f: Dkga04Fields): void {
  const ea = f.encryptionAlgorithm === 'misty1' ? '11' : '07';
  block.set([0x04, 0x02], 0);
  writeAscii(block, 2, '04');
  block[4] = 0x02;
  writeAscii(block, 5, String(f.baseDate % 100).padStart(2, '0'));
  block[7] = 0x02;
  writeAscii(block, 8, ea);
  block[10] = 0x02;
  writeAscii(block, 11, f.tariffIndex);
  block.set([0x00, 0x04, 0x06], 13);
  writeAscii(block, 16, f.supplyGroupCode);
  block[22] = 0x01;
  writeAscii(block, 23, f.keyType.toString(16).toUpperCase());
  block[24] = 0x01;
  writeAscii(block, 25, f.keyRevisionNo.toString(16).toUpperCase());
  block[26] = 18; // PAN length
  // Key length in bits, big-endian: 64 for the 8-byte STA key, 128 for the 16-byte MISTY1 key.
  block.set([0x00, 0x00, 0x00, f.encryptionAlgorithm === 'misty1' ? 0x80 : 0x40], 45);
}

/**
 * The 49-byte DKGA04 message M for a meter PAN (IEC 62055-41 Ed. 2 DKGA04; layout in sts-reference
 * §10.4, reproduced by the STS 531-1-0-02/04 compliance vectors). Not secret.
 * The PAN goes in as it is for every key type: unlike DKGA02's PANBlock, no public source zeroes the
 * DRN for KT 3 here (Nectar does not), so neither do we.
 * @param f the label/context fields (checked by the caller)
 * @param pan the 18-digit meter PAN (checked by the caller)
 * @example
 * dkga04Message({ baseDate: 1993, encryptionAlgorithm: 'sta', tariffIndex: '01',
 *   supplyGroupCode: '123457', keyType: 2, keyRevisionNo: 1 }, '600727000000000009');
 * // 04 02 30 34 02 39 33 … 12 36 30 30 … 39 00 00 00 40
 */
export function dkga04Message(f: Dkga04Fields, pan: string): Uint8Array {
  const m = new Uint8Array(DKGA04_MESSAGE_LENGTH);
  writeMessageFrame(m, f);
  for (let i = 0; i < 18; i++) m[PAN_OFFSET + i] = pan.charCodeAt(i);
  return m;
}

/**
 * DKGA04 in its plain form (IEC 62055-41 Ed. 2 DKGA04): H = HMAC-SHA-256(VK, M); the decoder key is
 * H[0..7] for STA (EA07) or H[0..15] for MISTY1 (EA11), natural big-endian. Uses @noble/hashes, an
 * implementation independent of the prepared form's own SHA-256, so the two check each other. H is wiped.
 * @param vendingKey 20 bytes
 * @param message the 49-byte M from {@link dkga04Message}
 * @param keyLength 8 (STA) or 16 (MISTY1)
 * @example
 * dkga04DecoderKey(vk, dkga04Message(fields, '600727000000000009'), 8); // AA4BAA8749C10D27 for §10.4's VK
 */
export function dkga04DecoderKey(vendingKey: Uint8Array, message: Uint8Array, keyLength: 8 | 16): Uint8Array {
  checkBytes(vendingKey, 'vendingKey', 20);
  checkBytes(message, 'message', DKGA04_MESSAGE_LENGTH);
  const h = hmac(sha256, vendingKey, message);
  const dk = h.slice(0, keyLength);
  h.fill(0);
  return dk;
}

// ---- SHA-256 compression (FIPS 180-4 §6.2.2), our own, so that a prepared derivation is exactly two
// compressions on preallocated arrays. @noble/hashes keeps its compression function private (it is a
// method of an internal class with its own buffers and padding logic), so reusing it would mean
// depending on non-exported internals; 40 lines of our own are cleaner and allocation-free.

/** floor(n^(1/k)) for BigInt n, k = 2 or 3 (Newton's method from above). */
function integerRoot(n: bigint, k: bigint): bigint {
  let x = 1n << (BigInt(n.toString(2).length) / k + 1n);
  for (;;) {
    const y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) return x;
    x = y;
  }
}

const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.from(PRIMES, (p) => Number(integerRoot(BigInt(p) << 96n, 3n) & 0xffffffffn));
/** FIPS 180-4 §5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const IV = Int32Array.from(PRIMES.slice(0, 8), (p) =>
  Number(integerRoot(BigInt(p) << 64n, 2n) & 0xffffffffn),
);

/**
 * One SHA-256 compression, optionally resumed after round `from`: chain ← chain + F(chain, w[0..15]),
 * where `work` holds the working variables a..h as they stand before round `from` (for from = 0, the
 * chain itself). w[16..63] is used for the message schedule. `work` may be `chain`.
 */
function compress(chain: Int32Array, w: Int32Array, from: number, work: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = work[0]!;
  let b = work[1]!;
  let c = work[2]!;
  let d = work[3]!;
  let e = work[4]!;
  let f = work[5]!;
  let g = work[6]!;
  let h = work[7]!;
  for (let i = from; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  chain[0] = (chain[0]! + a) | 0;
  chain[1] = (chain[1]! + b) | 0;
  chain[2] = (chain[2]! + c) | 0;
  chain[3] = (chain[3]! + d) | 0;
  chain[4] = (chain[4]! + e) | 0;
  chain[5] = (chain[5]! + f) | 0;
  chain[6] = (chain[6]! + g) | 0;
  chain[7] = (chain[7]! + h) | 0;
}

/** Run rounds 0..count-1 on the working variables `work` (count ≤ 16: no message schedule needed). */
function firstRounds(work: Int32Array, w: Int32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const [a, b, c, d, e, f, g, h] = work as unknown as number[];
    const s1 = ((e! >>> 6) | (e! << 26)) ^ ((e! >>> 11) | (e! << 21)) ^ ((e! >>> 25) | (e! << 7));
    const t1 = (h! + s1 + ((e! & f!) ^ (~e! & g!)) + K[i]! + w[i]!) | 0;
    const s0 = ((a! >>> 2) | (a! << 30)) ^ ((a! >>> 13) | (a! << 19)) ^ ((a! >>> 22) | (a! << 10));
    const t2 = (s0 + ((a! & b!) ^ (a! & c!) ^ (b! & c!))) | 0;
    work.set([(t1 + t2) | 0, a!, b!, c!, (d! + t1) | 0, e!, f!, g!]);
  }
}

/** w[0..15] ← the 64 bytes of block as big-endian words. */
function loadWords(block: Uint8Array, w: Int32Array): void {
  for (let i = 0; i < 16; i++) {
    const j = 4 * i;
    w[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
}

/** d ↦ the Luhn contribution of a doubled digit d. */
const LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];

/**
 * DKGA04 with everything but the DRN fixed (IEC 62055-41 Ed. 2 DKGA04, FIPS 198-1 HMAC): the HMAC
 * inner and outer SHA-256 states after the key ⊕ ipad / key ⊕ opad block are computed once, and M
 * (49 bytes, one padded block since 49 + 9 ≤ 64) is kept as a template holding everything but the
 * DRN and PAN check digit. The inner compression's first rounds read only message words that do not
 * depend on the DRN (bytes 0..31 hold the labels, SGC, KT, KRN and the start of the PAN), so they are
 * run once here too. A derivation is then under two compressions and no allocation.
 * Internal to the package; the public face is `prepareDecoderKeyDerivation`.
 */
export class Dkga04Deriver {
  #inner = new Int32Array(8);
  #outer = new Int32Array(8);
  /** The inner working variables after the rounds that use only fixed message words. */
  #innerMid = new Int32Array(8);
  #fixedRounds: number;
  #state = new Int32Array(8);
  #w = new Int32Array(64);
  /** The padded inner message block: M ‖ 80 ‖ 0… ‖ bit length of (ipad block ‖ M). */
  #block = new Uint8Array(64);
  #iin: string;
  /** Luhn sum of the IIN digits, given where they sit in the 17-digit IIN ‖ DRN. */
  #iinLuhn = 0;
  #keyWords: number;

  /**
   * @param vendingKey 20 bytes, checked by the caller; not retained
   * @param fields the label/context fields, checked by the caller
   * @param iin '600727' or '0000', checked by the caller
   */
  constructor(vendingKey: Uint8Array, fields: Dkga04Fields, iin: string) {
    const pad = new Uint8Array(64);
    for (const [mask, state] of [
      [0x36, this.#inner],
      [0x5c, this.#outer],
    ] as const) {
      // HMAC: a key shorter than the block is zero-padded to 64 bytes, then XOR-ed with ipad/opad.
      pad.fill(mask);
      for (let i = 0; i < vendingKey.length; i++) pad[i] = vendingKey[i]! ^ mask;
      loadWords(pad, this.#w);
      state.set(IV);
      compress(state, this.#w, 0, state);
    }
    pad.fill(0);
    this.#iin = iin;
    this.#keyWords = fields.encryptionAlgorithm === 'misty1' ? 4 : 2;
    const b = this.#block;
    writeMessageFrame(b, fields);
    for (let i = 0; i < iin.length; i++) b[PAN_OFFSET + i] = iin.charCodeAt(i);
    b[DKGA04_MESSAGE_LENGTH] = 0x80;
    const bits = (64 + DKGA04_MESSAGE_LENGTH) * 8; // the ipad block counts towards the length
    b[62] = bits >>> 8;
    b[63] = bits & 0xff;
    // IIN ‖ DRN is 17 digits; digit k from the left is doubled when 16 − k is even.
    for (let k = 0; k < iin.length; k++) {
      const d = iin.charCodeAt(k) - 48;
      this.#iinLuhn += (16 - k) % 2 === 0 ? LUHN_DOUBLED[d]! : d;
    }
    this.#fixedRounds = (PAN_OFFSET + iin.length) >>> 2; // words wholly before the first DRN byte
    loadWords(b, this.#w);
    this.#innerMid.set(this.#inner);
    firstRounds(this.#innerMid, this.#w, this.#fixedRounds);
    this.#w.fill(0);
  }

  /** The decoder key length in bytes: 8 (STA) or 16 (MISTY1). */
  get keyLength(): number {
    return 4 * this.#keyWords;
  }

  /**
   * Write the decoder key of meter `drn` into out[0..keyLength-1]. The caller has checked the DRN's
   * length; its digits are checked here on the way.
   * @returns false, writing nothing, when drn has a character that is not a decimal digit
   */
  derive(drn: string, out: Uint8Array): boolean {
    const b = this.#block;
    const first = this.#iin.length; // index of the DRN's first digit within IIN ‖ DRN
    let at = PAN_OFFSET + first;
    let luhn = this.#iinLuhn;
    let bad = 0;
    for (let i = 0; i < drn.length; i++) {
      const c = drn.charCodeAt(i);
      const d = c - 48;
      bad |= d | (9 - d);
      b[at++] = c;
      luhn += (16 - first - i) % 2 === 0 ? LUHN_DOUBLED[d]! : d;
    }
    if (bad < 0) return false;
    b[at] = 48 + ((10 - (luhn % 10)) % 10);
    const w = this.#w;
    const s = this.#state;
    loadWords(b, w);
    s.set(this.#inner);
    compress(s, w, this.#fixedRounds, this.#innerMid);
    // Outer hash: opad block (already in #outer), then the 32-byte inner hash, padded.
    for (let i = 0; i < 8; i++) w[i] = s[i]!;
    w[8] = 0x80000000 | 0;
    w.fill(0, 9, 15);
    w[15] = (64 + 32) * 8;
    s.set(this.#outer);
    compress(s, w, 0, s);
    for (let i = 0; i < this.#keyWords; i++) {
      const v = s[i]!;
      out[4 * i] = v >>> 24;
      out[4 * i + 1] = v >>> 16;
      out[4 * i + 2] = v >>> 8;
      out[4 * i + 3] = v;
    }
    w.fill(0);
    s.fill(0);
    return true;
  }

  /** Wipe the HMAC states and scratch. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
    this.#innerMid.fill(0);
    this.#state.fill(0);
    this.#w.fill(0);
  }
}
