// Byte helpers shared by every package: hex ⇄ bytes, wiping secret buffers, boundary checks.
// Not a clause of IEC 62055-41; keys and blocks are written as big-endian hex (sts-reference §1).

const HEX_DIGITS = '0123456789ABCDEF';

/** Upper-case hex of every byte value, so bytesToHex is one lookup per byte. */
const BYTE_TO_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, b) => HEX_DIGITS[b >>> 4]! + HEX_DIGITS[b & 15]!,
);

/** Value of a hex digit by char code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 70) return code - 55; // A-F
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/**
 * Check that `value` is a Uint8Array (of `length` bytes when given), naming the argument in the error.
 * Used at the boundary of every public function of this package.
 * @throws TypeError `key must be a Uint8Array` / RangeError `key must be 8 bytes, got 7`
 * @example
 * checkBytes(key, 'key', 8);
 */
export function checkBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/**
 * Parse hex digits (either case, no separators, no `0x`) into bytes.
 * Keys and blocks are hex in natural big-endian order: the first two digits are byte 0.
 * The error names `name` and the position of the fault but never echoes the text, since the text
 * may be a key.
 * @param hex an even number of hex digits
 * @param name what the text is, for the error message (default `hex`)
 * @throws TypeError when hex is not a string; RangeError for an odd length or a non-hex digit
 * @example
 * hexToBytes('0ABC12DEF3456789', 'decoder key'); // Uint8Array [0x0a, 0xbc, 0x12, …]
 */
export function hexToBytes(hex: string, name = 'hex'): Uint8Array {
  if (typeof hex !== 'string') throw new TypeError(`${name} must be a string of hex digits`);
  if (hex.length % 2 !== 0) {
    throw new RangeError(`${name} must have an even number of hex digits, got ${hex.length}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const h = hexValue(hex.charCodeAt(2 * i));
    const l = hexValue(hex.charCodeAt(2 * i + 1));
    if (h < 0 || l < 0) {
      out.fill(0); // the part parsed so far may be a secret
      throw new RangeError(
        `${name} has a character that is not a hex digit at position ${h < 0 ? 2 * i : 2 * i + 1}`,
      );
    }
    out[i] = (h << 4) | l;
  }
  return out;
}

/**
 * Upper-case hex of the bytes, byte 0 first.
 * @throws TypeError when bytes is not a Uint8Array
 * @example
 * bytesToHex(new Uint8Array([0x0a, 0xbc])); // '0ABC'
 */
export function bytesToHex(bytes: Uint8Array): string {
  checkBytes(bytes, 'bytes');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_HEX[bytes[i]!]!;
  return s;
}

/**
 * Overwrite every buffer with zeros: call it on keys and key schedules once they are no longer needed.
 * Best effort: JavaScript cannot wipe copies the engine may have made.
 * @throws TypeError when an argument is not a Uint8Array (checked before anything is wiped)
 * @example
 * const key = hexToBytes('0ABC12DEF3456789', 'decoder key');
 * try { use(key); } finally { wipe(key); }
 */
export function wipe(...buffers: Uint8Array[]): void {
  // The name is built only for the error: wiping sits on the per-key hot path.
  for (let i = 0; i < buffers.length; i++) {
    if (!(buffers[i] instanceof Uint8Array)) checkBytes(buffers[i], `buffer ${i}`);
  }
  for (const b of buffers) b.fill(0);
}
