// The token CRC of IEC 62055-41 (6.3.22 CRC and CRC_C): CRC-16/MODBUS over class ‖ block bits 63..16.
// The field stored in token bits 15..0 is the MODBUS result byte-swapped (sts-reference §6).

import { checkBytes } from './bytes.ts';

/** Reflected polynomial x¹⁶+x¹⁵+x²+1. */
const POLY = 0xa001;

/** CRC of one byte value from a zero register: the register update is then one lookup per byte. */
const TABLE = /* @__PURE__ */ (() => {
  const t = new Uint16Array(256);
  for (let v = 0; v < 256; v++) {
    let c = v;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[v] = c;
  }
  return t;
})();

function update(crc: number, byte: number): number {
  return (crc >>> 8) ^ TABLE[(crc ^ byte) & 0xff]!;
}

function over(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) crc = update(crc, bytes[i]!);
  return crc;
}

/**
 * CRC-16/MODBUS (reflected poly 0xA001, init 0xFFFF, no final XOR), the checksum of IEC 62055-41 6.3.22.
 * This is the raw register value; the token's CRC *field* is this value byte-swapped, see
 * {@link tokenCrcField}.
 * @param bytes the data
 * @returns the CRC, 0..0xFFFF
 * @throws TypeError when bytes is not a Uint8Array
 * @example
 * crc16(new TextEncoder().encode('123456789')); // 0x4B37
 */
export function crc16(bytes: Uint8Array): number {
  checkBytes(bytes, 'bytes');
  return over(bytes);
}

/**
 * CRC_C of IEC 62055-41 6.3.22, used by the currency credit tokens (class 0, subclasses 4..7):
 * CRC-16/MODBUS over the bytes followed by one extra byte 0x01.
 * @param bytes the data (without the 0x01)
 * @returns the CRC, 0..0xFFFF
 * @throws TypeError when bytes is not a Uint8Array
 * @example
 * crc16C(bytes) === crc16(Uint8Array.of(...bytes, 0x01)); // true
 */
export function crc16C(bytes: Uint8Array): number {
  checkBytes(bytes, 'bytes');
  return update(over(bytes), 0x01);
}

/**
 * The 16-bit CRC field of a token (bits 15..0 of the data block), IEC 62055-41 6.3.22: CRC-16/MODBUS over
 * the 7 bytes [class, hi>>>24, hi>>>16, hi>>>8, hi, lo>>>24, lo>>>16], i.e. the 50 bits class ‖ block
 * bits 63..16 padded on the left to 56, then byte-swapped. The class takes part although it is not
 * encrypted. Allocates nothing.
 * @param tokenClass the token class 0..3
 * @param hi block bits 63..32 (uint32)
 * @param lo block bits 31..0 (uint32); bits 15..0 are ignored
 * @param variant `'crc'` (default) or `'crc-c'` for currency credit tokens (class 0, subclass 4..7)
 * @returns the field value 0..0xFFFF
 * @throws RangeError for a class outside 0..3, a half that is not a uint32, or an unknown variant
 * @example
 * tokenCrcField(0, 0x0b19eb23, 0x01000000); // 0xC207: the block is 0B19EB230100C207
 */
export function tokenCrcField(
  tokenClass: number,
  hi: number,
  lo: number,
  variant: 'crc' | 'crc-c' = 'crc',
): number {
  if (!Number.isInteger(tokenClass) || tokenClass < 0 || tokenClass > 3) {
    throw new RangeError(`tokenClass must be an integer 0..3, got ${tokenClass}`);
  }
  if (hi >>> 0 !== hi) throw new RangeError(`hi must be an unsigned 32-bit integer, got ${hi}`);
  if (lo >>> 0 !== lo) throw new RangeError(`lo must be an unsigned 32-bit integer, got ${lo}`);
  if (variant !== 'crc' && variant !== 'crc-c') throw new RangeError(`variant must be 'crc' or 'crc-c'`);
  let crc = update(0xffff, tokenClass);
  crc = update(crc, hi >>> 24);
  crc = update(crc, (hi >>> 16) & 0xff);
  crc = update(crc, (hi >>> 8) & 0xff);
  crc = update(crc, hi & 0xff);
  crc = update(crc, lo >>> 24);
  crc = update(crc, (lo >>> 16) & 0xff);
  if (variant === 'crc-c') crc = update(crc, 0x01);
  return ((crc & 0xff) << 8) | (crc >>> 8);
}
