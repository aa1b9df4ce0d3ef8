// The decoder: 20 digits → class, block, decryption, CRC check, typed fields (sts-reference §7, §12).
// decodeToken never throws; the low-level functions let the meter simulator decode without allocation.
import type { PreparedDecoderKey } from './key.ts';
import type { BaseDate, DecodedTokenOk, DecodeResult } from './types.ts';

/**
 * Decode a token (20 digits; spaces and dashes allowed). `key` may be null/undefined for class 1.
 * Never throws: bad input gives `{ ok: false, code, message }`. A wrong key shows as `crcOk: false`.
 * @example
 * decodeToken('23716100501183194197', key) // { ok: true, type: 'electricity', amount: '0.1', tid: 5871715, … }
 */
export function decodeToken(_digits: string, _key?: PreparedDecoderKey | null): DecodeResult {
  throw new Error('in progress');
}

/** Low level: decrypt the block of a parsed token into out (class 1 is copied as is). */
export function decryptTokenBlock(
  _key: PreparedDecoderKey | null,
  _tokenClass: number,
  _hi: number,
  _lo: number,
  _out: Uint32Array,
): void {
  throw new Error('in progress');
}

/** Low level: does the CRC (CRC_C for class 0 sub 4–7) of the plaintext block (hi, lo) match? */
export function checkTokenCrc(_tokenClass: number, _hi: number, _lo: number): boolean {
  throw new Error('in progress');
}

/** Low level: the typed fields of a plaintext block; TIDs are read against `baseDate` (default 1993). */
export function decodeBlock(
  _tokenClass: number,
  _hi: number,
  _lo: number,
  _baseDate?: BaseDate,
): DecodedTokenOk {
  throw new Error('in progress');
}
