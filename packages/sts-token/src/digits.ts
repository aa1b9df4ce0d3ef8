// Class transposition and the 20-digit decimal form (IEC 62055-41 §6.2, sts-reference §7).
// 66-bit arithmetic on 16-bit limbs held in Numbers: no BigInt, one string per token.
import { TokenError } from './errors.ts';

/** A parsed token: the class and the 64-bit data block with bits 28/27 restored (still encrypted). */
export interface ParsedTokenDigits {
  class: number;
  hi: number;
  lo: number;
}

const TWO16 = 65_536;
const E8 = 100_000_000;
// The character codes of "0000" … "9999": the 20 digits are five table entries, made into one flat string
// at once (joining five strings makes a rope of four more objects, which the reader then flattens).
const QUADS = new Uint8Array(40_000);
for (let i = 0; i < 10_000; i++) {
  QUADS[4 * i] = 48 + Math.floor(i / 1000);
  QUADS[4 * i + 1] = 48 + (Math.floor(i / 100) % 10);
  QUADS[4 * i + 2] = 48 + (Math.floor(i / 10) % 10);
  QUADS[4 * i + 3] = 48 + (i % 10);
}

/**
 * Insert the class into the encrypted block E (bits 28, 27 move to 65, 64) and print the 66-bit value
 * as 20 decimal digits.
 */
export function blockToTokenDigits(tokenClass: number, hi: number, lo: number): string {
  const top = (lo >>> 27) & 3;
  const low = ((lo & 0xe7ffffff) | ((tokenClass & 3) << 27)) >>> 0;
  // T = top·2^64 + hi·2^32 + low, as limbs L4..L0 of 16 bits; divide once by 10^8.
  let acc = top * TWO16 + (hi >>> 16);
  const q3 = Math.floor(acc / E8);
  acc = (acc - q3 * E8) * TWO16 + (hi & 0xffff);
  const q2 = Math.floor(acc / E8);
  acc = (acc - q2 * E8) * TWO16 + (low >>> 16);
  const q1 = Math.floor(acc / E8);
  acc = (acc - q1 * E8) * TWO16 + (low & 0xffff);
  const q0 = Math.floor(acc / E8);
  const g0 = acc - q0 * E8; // T mod 10^8
  const q = ((q3 * TWO16 + q2) * TWO16 + q1) * TWO16 + q0; // T div 10^8 < 7.4·10^11: exact
  const g2 = Math.floor(q / E8); // < 7379
  const g1 = q - g2 * E8;
  const g1h = Math.floor(g1 / 10_000);
  const g0h = Math.floor(g0 / 10_000);
  const a = 4 * g2;
  const b = 4 * g1h;
  const c = 4 * (g1 - g1h * 10_000);
  const d = 4 * g0h;
  const e = 4 * (g0 - g0h * 10_000);
  const t = QUADS;
  return String.fromCharCode(
    t[a]!,
    t[a + 1]!,
    t[a + 2]!,
    t[a + 3]!,
    t[b]!,
    t[b + 1]!,
    t[b + 2]!,
    t[b + 3]!,
    t[c]!,
    t[c + 1]!,
    t[c + 2]!,
    t[c + 3]!,
    t[d]!,
    t[d + 1]!,
    t[d + 2]!,
    t[d + 3]!,
    t[e]!,
    t[e + 1]!,
    t[e + 2]!,
    t[e + 3]!,
  );
}

// Value of `n` decimal digits of s from `start`, or -1 on a non-digit.
function digitsValue(s: string, start: number, n: number): number {
  let v = 0;
  for (let i = start; i < start + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parse exactly 20 decimal digits into out[0] = hi, out[1] = lo of the data block (class bits restored).
 * Returns the class 0..3, -1 when the text is not 20 digits, -2 when the value is ≥ 2^66. No allocation.
 */
export function parseTokenDigitsInto(digits: string, out: Uint32Array): number {
  if (digits.length !== 20) return -1;
  const a = digitsValue(digits, 0, 4);
  const b = digitsValue(digits, 4, 8);
  const c = digitsValue(digits, 12, 8);
  if (a < 0 || b < 0 || c < 0) return -1;
  // T = X·10^8 + c with X = a·10^8 + b < 10^12; X as 16-bit limbs x2 x1 x0.
  const x = a * E8 + b;
  const x2 = Math.floor(x / 4_294_967_296);
  const xl = x - x2 * 4_294_967_296;
  const x1 = Math.floor(xl / TWO16);
  const x0 = xl - x1 * TWO16;
  let acc = x0 * E8 + c;
  const l0 = acc % TWO16;
  acc = Math.floor(acc / TWO16) + x1 * E8;
  const l1 = acc % TWO16;
  acc = Math.floor(acc / TWO16) + x2 * E8;
  const l2 = acc % TWO16;
  acc = Math.floor(acc / TWO16);
  const l3 = acc % TWO16;
  const l4 = Math.floor(acc / TWO16);
  if (l4 > 3) return -2;
  const lo = l1 * TWO16 + l0;
  const cls = Math.floor(lo / 134_217_728) & 3; // bits 28..27
  out[0] = l3 * TWO16 + l2;
  out[1] = ((lo & 0xe7ffffff) | (l4 << 27)) >>> 0;
  return cls;
}

const TWO32 = 4_294_967_296;

/**
 * Token text as a keypad or a form gives it → out[0] = hi, out[1] = lo, like parseTokenDigitsInto, but
 * single spaces or dashes may separate digit groups (not lead or end the text). Returns the class 0..3,
 * -1 when the text is not 20 digits so separated, -2 when the value is ≥ 2^66. No allocation.
 */
export function parseTokenTextInto(text: string, out: Uint32Array): number {
  if (text.length === 20) return parseTokenDigitsInto(text, out);
  // v = v·10 + digit on three uint32 limbs (each product < 2^36, exact in a double).
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let count = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      if (++count > 20) return -1;
      const p0 = l0 * 10 + c;
      const c0 = Math.floor(p0 / TWO32);
      l0 = p0 - c0 * TWO32;
      const p1 = l1 * 10 + c0;
      const c1 = Math.floor(p1 / TWO32);
      l1 = p1 - c1 * TWO32;
      l2 = l2 * 10 + c1;
    } else if ((c !== 32 - 48 && c !== 45 - 48) || count === 0 || i === n - 1) {
      return -1; // only a space or a dash, and only between digits
    }
  }
  if (count !== 20) return -1;
  if (l2 > 3) return -2;
  out[0] = l1;
  out[1] = ((l0 & 0xe7ffffff) | (l2 << 27)) >>> 0;
  return (l0 >>> 27) & 3;
}

const SCRATCH = new Uint32Array(2);

/** Parse 20 digits → `{ class, hi, lo }` (block still encrypted), or null if not a valid token value. */
export function parseTokenDigits(digits: string): ParsedTokenDigits | null {
  const cls = parseTokenDigitsInto(digits, SCRATCH);
  if (cls < 0) return null;
  return { class: cls, hi: SCRATCH[0]!, lo: SCRATCH[1]! };
}

/**
 * Token text as people type it → the 20 digits. Spaces, tabs and dashes are ignored.
 * Throws `invalid-token` (wrong length or a non-digit) or `token-out-of-range` (≥ 2^66).
 */
export function parseTokenString(text: string): string {
  if (typeof text !== 'string') throw new TokenError('invalid-token', 'token must be a string of 20 digits');
  const digits = text.replace(/[\s-]+/g, '');
  const bad = /[^0-9]/.exec(digits);
  if (bad !== null)
    throw new TokenError(
      'invalid-token',
      `token must contain only digits, spaces and dashes, found ${JSON.stringify(bad[0])}`,
    );
  if (digits.length !== 20)
    throw new TokenError('invalid-token', `token must be 20 digits, got ${digits.length}`);
  if (digits > '73786976294838206463')
    throw new TokenError('token-out-of-range', 'token is not below 2^66 (73786976294838206464)');
  return digits;
}

/**
 * Print a token in groups of four (`2905 4347 1393 0985 1356`) or as 20 plain digits (`grouped: false`).
 * Accepts any text parseTokenString accepts.
 */
export function formatToken(digits: string, options: { grouped?: boolean; separator?: string } = {}): string {
  const d = parseTokenString(digits);
  if (options.grouped === false) return d;
  const sep = options.separator ?? ' ';
  return [d.slice(0, 4), d.slice(4, 8), d.slice(8, 12), d.slice(12, 16), d.slice(16, 20)].join(sep);
}
