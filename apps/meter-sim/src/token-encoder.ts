// A fast token builder for the fleet simulation: 64-bit block → CRC → EA → class transposition → 20 digits.
// IEC 62055-41 §6.1, §6.3.22 (sts-reference §6, §7). Cross-checked against sts-token in the tests.

import { type PreparedBlockCipher, tokenCrcField } from 'sts-crypto';

const TWO32 = 4294967296;
const scratch = new Uint32Array(2);

const DIGITS = new Uint8Array(20);

/**
 * 66-bit value (top 2 bits, hi, lo) as 20 decimal digits, without BigInt: four divisions by 10^5 on three
 * limbs, the digits written as character codes and turned into one flat string (no padStart, no concat).
 */
export function digitsOf(top: number, hi: number, lo: number): string {
  let a = top;
  let b = hi;
  let c = lo;
  const d = DIGITS;
  for (let k = 19; k >= 0; k -= 5) {
    // (a, b, c) / 100000 limb by limb; every partial value < 10^5 · 2^32 < 2^53.
    let r = a % 100000;
    a = Math.floor(a / 100000);
    let t = r * TWO32 + b;
    b = Math.floor(t / 100000);
    r = t - b * 100000;
    t = r * TWO32 + c;
    c = Math.floor(t / 100000);
    r = t - c * 100000;
    for (let j = k; j > k - 5; j--) {
      const q = Math.floor(r / 10);
      d[j] = 48 + r - q * 10;
      r = q;
    }
  }
  return String.fromCharCode(
    d[0]!,
    d[1]!,
    d[2]!,
    d[3]!,
    d[4]!,
    d[5]!,
    d[6]!,
    d[7]!,
    d[8]!,
    d[9]!,
    d[10]!,
    d[11]!,
    d[12]!,
    d[13]!,
    d[14]!,
    d[15]!,
    d[16]!,
    d[17]!,
    d[18]!,
    d[19]!,
  );
}

/**
 * Build a token from its 64-bit plaintext block (the CRC field is computed here; bits 15..0 of `lo` are
 * ignored). Class 0 and 2 are encrypted with `cipher`; class 1 is not. `crcC` selects CRC_C.
 */
export function buildToken(
  tokenClass: number,
  hi: number,
  lo: number,
  cipher: PreparedBlockCipher | null,
  crcC = false,
): string {
  const l = ((lo & 0xffff0000) | tokenCrcField(tokenClass, hi >>> 0, lo >>> 0, crcC ? 'crc-c' : 'crc')) >>> 0;
  let eh = hi >>> 0;
  let el = l;
  if (tokenClass !== 1) {
    cipher!.encrypt64(eh, el, scratch);
    eh = scratch[0]!;
    el = scratch[1]!;
  }
  const top = (el >>> 27) & 3; // saved bits 28, 27 become token bits 65, 64
  el = ((el & 0xe7ffffff) | (tokenClass << 27)) >>> 0;
  return digitsOf(top, eh, el);
}

/** Plaintext block of a credit / management token with RND, TID and a 16-bit field. */
export function timedBlock(subclass: number, random: number, tid: number, field: number): [number, number] {
  return [timedHi(subclass, random, tid), timedLo(field)];
}

/** High half of a timed block (subclass, RND, TID): the allocation-free form of timedBlock. */
export function timedHi(subclass: number, random: number, tid: number): number {
  return ((subclass << 28) | ((random & 0xf) << 24) | (tid & 0xffffff)) >>> 0;
}

/** Low half of a timed block (the 16-bit field; the CRC bits are left 0 for buildToken). */
export function timedLo(field: number): number {
  return ((field & 0xffff) << 16) >>> 0;
}

/** Plaintext block of a class 1 test/display token (sub 0: 36-bit control + 8-bit code; sub 1: 28 + 16). */
export function testDisplayBlock(
  subclass: 0 | 1,
  control: number,
  manufacturerCode: number,
): [number, number] {
  if (subclass === 0) {
    const hi = Math.floor(control / 256) & 0x0fffffff;
    return [hi >>> 0, (((control & 0xff) << 24) | ((manufacturerCode & 0xff) << 16)) >>> 0];
  }
  return [((1 << 28) | (control & 0x0fffffff)) >>> 0, ((manufacturerCode & 0xffff) << 16) >>> 0];
}

/** New-key parameters of a key-change set (the NEW key's attributes). */
export interface KeyChangeSpec {
  key: Uint8Array;
  keyExpiryNo: number;
  keyRevisionNo: number;
  keyType: number;
  tariffIndex: number;
  supplyGroupCode: number;
  rollover: boolean;
}

/** One key-change section block: subclass, a nibble, a byte and 32 bits of the new key. */
function part(sub: number, nibble: number, byte: number, kp: number): [number, number] {
  return [
    ((sub << 28) | ((nibble & 0xf) << 24) | ((byte & 0xff) << 16) | (kp >>> 16)) >>> 0,
    ((kp & 0xffff) << 16) >>> 0,
  ];
}

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Plaintext blocks of the sections (index 0 = 1st section) of a key-change set: 2 for 8-byte keys, 4 for 16. */
export function keyChangeBlocks(k: KeyChangeSpec): [number, number][] {
  const wide = k.key.length === 16;
  const nkho = u32(k.key, 0);
  const nklo = u32(k.key, wide ? 12 : 4);
  const b1 = ((k.keyRevisionNo & 0xf) << 4) | ((k.rollover ? 1 : 0) << 3) | (k.keyType & 3);
  const blocks = [part(3, k.keyExpiryNo >>> 4, b1, nkho), part(4, k.keyExpiryNo & 0xf, k.tariffIndex, nklo)];
  if (wide) {
    const sgcLo = k.supplyGroupCode & 0xfff;
    const sgcHi = (k.supplyGroupCode >>> 12) & 0xfff;
    blocks.push(part(8, sgcLo >>> 8, sgcLo & 0xff, u32(k.key, 4)));
    blocks.push(part(9, sgcHi >>> 8, sgcHi & 0xff, u32(k.key, 8)));
  }
  return blocks;
}
