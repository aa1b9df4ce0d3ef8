// TransferAmount field (IEC 62055-41 §6.3.6, sts-reference §4.1): 2-bit exponent + 14-bit mantissa,
// always rounded UP in the customer's favour. Also used, unscaled, for MPL/MPPUL watts.
import { TokenError } from './errors.ts';

/** The largest value the field holds: 0xFFFF = 18 201 624 base units (1 820 162.4 kWh, or watts). */
export const MAX_AMOUNT_TENTHS = 18_201_624;

// value = m·10^e + offset[e], offset[e] = 16384·(10^e − 1)/9.
const OFFSET = [0, 16_384, 180_224, 1_818_624];
const POWER = [1, 10, 100, 1000];
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Units as an exact decimal string → tenths, rounded up (ceil(units × 10), no floating point).
 * "25.6" → 256, "1.15" → 12, "0.01" → 1. Throws `invalid-amount` or `amount-out-of-range` naming `name`.
 */
export function parseAmountTenths(text: string, name = 'amount'): number {
  if (typeof text !== 'string') throw new TokenError('invalid-amount', `${name} must be a decimal string`);
  const fast = fastTenths(text);
  return fast >= 0 ? fast : parseTenthsText(text, name);
}

/**
 * The common shape `digits[.digits]`, in range, read from the character codes (a batch parses one
 * amount per line): the tenths, or -1 for anything else (blanks, a sign, too large, not a number),
 * which then takes the regular-expression path below with its exact error.
 */
function fastTenths(t: string): number {
  const n = t.length;
  let i = 0;
  let whole = 0;
  let significant = 0; // digits of the whole part after its leading zeros
  for (; i < n; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    if (d !== 0 || significant > 0) significant++;
    whole = whole * 10 + d;
  }
  if (i === 0 || significant > 7) return -1;
  let tenths = whole * 10;
  if (i < n) {
    if (t.charCodeAt(i) !== 46 || i + 1 === n) return -1; // '.' and at least one digit
    let up = 0; // rounded up: 1 when a digit after the tenths is not zero
    for (let j = i + 1; j < n; j++) {
      const d = t.charCodeAt(j) - 48;
      if (d < 0 || d > 9) return -1;
      if (j === i + 1) tenths += d;
      else if (d !== 0) up = 1;
    }
    tenths += up;
  }
  return tenths > MAX_AMOUNT_TENTHS ? -1 : tenths;
}

/** The regular-expression path of parseAmountTenths: every shape, and every error worded. */
function parseTenthsText(text: string, name: string): number {
  const t = text.trim();
  if (t.startsWith('-') && DECIMAL.test(t.slice(1))) {
    if (/[1-9]/.test(t))
      throw new TokenError('amount-out-of-range', `${name} must not be negative, got ${t}`);
    return 0;
  }
  const m = DECIMAL.exec(t);
  if (m === null)
    throw new TokenError(
      'invalid-amount',
      `${name} must be a decimal number of units like "25.6", got ${quote(t)}`,
    );
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = m[2] ?? '';
  if (whole.length > 7) throw tooLarge(name, t);
  let tenths = Number(whole) * 10 + (frac.length > 0 ? frac.charCodeAt(0) - 48 : 0);
  if (/[1-9]/.test(frac.slice(1))) tenths += 1;
  if (tenths > MAX_AMOUNT_TENTHS) throw tooLarge(name, t);
  return tenths;
}

function tooLarge(name: string, t: string): TokenError {
  return new TokenError('amount-out-of-range', `${name} ${t} is above the maximum 1820162.4`);
}

function quote(t: string): string {
  return JSON.stringify(t.length > 40 ? `${t.slice(0, 40)}…` : t);
}

/**
 * Base units (tenths, or watts) → the 16-bit field, rounding values in the gaps UP to the next
 * representable value: 16383 → 0x3FFF, 16384 → 0x4000, 180223 → 0x8000, 18201624 → 0xFFFF.
 */
export function encodeAmountField(value: number, name = 'amount'): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_AMOUNT_TENTHS)
    throw new TokenError(
      'amount-out-of-range',
      `${name} must be an integer 0..18201624 base units, got ${value}`,
    );
  if (value <= 16_383) return value;
  for (let e = 1; e <= 3; e++) {
    const d = value - OFFSET[e]!;
    const p = POWER[e]!;
    const m = d <= 0 ? 0 : Math.ceil(d / p);
    if (m <= 16_383) return (e << 14) | m;
  }
  return 0xffff; // unreachable: value ≤ MAX is always representable
}

/** The 16-bit field → base units: m·10^e + offset[e]. */
export function decodeAmountField(field: number): number {
  const e = (field >>> 14) & 3;
  return (field & 0x3fff) * POWER[e]! + OFFSET[e]!;
}

/** Tenths → units with one decimal: 256 → "25.6", 1 → "0.1". */
export function formatTenths(tenths: number): string {
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}
