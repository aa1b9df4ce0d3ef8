// Encoders for every single-token type: build the 64-bit block (sts-reference §3), CRC (§6),
// encrypt (class 0/2), transpose the class (§7) and print 20 digits.
import type { PreparedDecoderKey } from './key.ts';
import type { EncodedToken, TokenInput } from './types.ts';

/**
 * Encode one token; returns its 20 digits. `key` may be null for class 1 (test-display) tokens.
 * Throws TokenError (amount-out-of-range, time-before-base-date, tid-out-of-range, key-expired, …).
 * @example
 * encodeToken(key, { type: 'electricity', amount: '25.6', time: '1996-03-25T13:55:22Z', random: 11 });
 */
export function encodeToken(_key: PreparedDecoderKey | null, _input: TokenInput): string {
  throw new Error('in progress');
}

/** Like encodeToken, with the type, Nectar name, class, subclass and TID. */
export function encodeTokenDetailed(_key: PreparedDecoderKey | null, _input: TokenInput): EncodedToken {
  throw new Error('in progress');
}

/**
 * Low level: the token of a plaintext data block. `hi` = bits 63..32 (subclass, RND/S&E, TID high),
 * `lo` = bits 31..0 whose low 16 bits (the CRC) are ignored and recomputed (CRC_C for class 0 sub 4–7).
 * Class 1 is not encrypted (key may be null). No validation of the fields, no allocation but the digits.
 */
export function encodeBlockToken(
  _key: PreparedDecoderKey | null,
  _tokenClass: number,
  _hi: number,
  _lo: number,
): string {
  throw new Error('in progress');
}
