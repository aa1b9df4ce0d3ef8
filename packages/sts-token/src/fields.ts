// The fields of a 64-bit plaintext data block, read and written as two uint32 halves (sts-reference §3):
// one definition of each layout, shared by the encoders, the decoder and the meter simulator.

/** Subclass: block bits 63..60. */
export function blockSubclass(hi: number): number {
  return hi >>> 28;
}

/** The RND nibble (credit, management) or the S&E nibble (currency): block bits 59..56. */
export function blockNibble(hi: number): number {
  return (hi >>> 24) & 15;
}

/** TID: block bits 55..32, minutes since the key's base date. */
export function blockTid(hi: number): number {
  return hi & 0xffffff;
}

/** The 16-bit value field (amount, watts, register, rate, pad, factor): block bits 31..16. */
export function blockField(lo: number): number {
  return lo >>> 16;
}

/** True for class 0 subclasses 4–7 (currency), whose CRC is CRC_C (sts-reference §6). */
export function isCurrencyBlock(tokenClass: number, subclass: number): boolean {
  return tokenClass === 0 && subclass >= 4 && subclass <= 7;
}

/** High half of a timed block: subclass, RND (or S&E) nibble, 24-bit TID. */
export function timedBlockHi(subclass: number, nibble: number, tid: number): number {
  return ((subclass << 28) | ((nibble & 15) << 24) | (tid & 0xffffff)) >>> 0;
}

/** Low half of a timed block: the 16-bit field over bits 31..16; the CRC bits are left 0 for the encoder. */
export function timedBlockLo(field: number): number {
  return ((field & 0xffff) << 16) >>> 0;
}

/** Class 1 control: 36 bits (subclass 0: bits 59..24) or 28 bits (subclass 1: bits 59..32). */
export function testDisplayControl(subclass: number, hi: number, lo: number): number {
  return subclass === 0 ? (hi & 0x0fffffff) * 256 + (lo >>> 24) : hi & 0x0fffffff;
}

/** Class 1 manufacturer code: 8 bits (subclass 0: bits 23..16) or 16 bits (subclass 1: bits 31..16). */
export function testDisplayManufacturerCode(subclass: number, lo: number): number {
  return subclass === 0 ? (lo >>> 16) & 0xff : lo >>> 16;
}

/** The plaintext block of a class 1 token into out[0] = hi, out[1] = lo (CRC bits 0). No checks. */
export function testDisplayBlockInto(
  subclass: number,
  control: number,
  manufacturerCode: number,
  out: Uint32Array,
): void {
  if (subclass === 0) {
    out[0] = Math.floor(control / 256) & 0x0fffffff; // control bits 35..8 → block bits 59..32
    out[1] = (((control % 256) << 24) | ((manufacturerCode & 0xff) << 16)) >>> 0;
  } else {
    out[0] = ((1 << 28) | (control & 0x0fffffff)) >>> 0;
    out[1] = ((manufacturerCode & 0xffff) << 16) >>> 0;
  }
}

/** Key-change section (1..4) of a class 2 subclass (3, 4, 8, 9), or 0 for any other subclass. */
export function keyChangeSection(subclass: number): 0 | 1 | 2 | 3 | 4 {
  return subclass === 3 ? 1 : subclass === 4 ? 2 : subclass === 8 ? 3 : subclass === 9 ? 4 : 0;
}

/** The 32 new-key bits a key-change section carries: block bits 47..16. */
export function keyChangeKeyPart(hi: number, lo: number): number {
  return (((hi & 0xffff) << 16) | (lo >>> 16)) >>> 0;
}

/** The 12 bits after the subclass of a key-change section (KEN nibble ‖ KRN, RO, Res, KT ‖ TI ‖ SGC part). */
export function keyChangeControl(hi: number): number {
  return (hi >>> 16) & 0xfff;
}
