// Currency amount (class 0 sub 4–7, IEC 62055-41:2018 §6.3.6.3, sts-reference §4.2): resolution 10⁻⁵,
// 5-bit exponent split over the S&E nibble (sign, e4, e3, e2) and the field (e1, e0, 14-bit mantissa).
import { TokenError } from './errors.ts';

/** The two parts of an encoded currency amount: the S&E nibble (block bits 59..56) and the 16-bit field. */
export interface CurrencyField {
  signExponent: number;
  field: number;
}

const CURRENCY = /^([+-]?)(\d+)(?:\.(\d+))?$/;
/** Largest accepted magnitude in 10⁻⁵ units (9 999 999 999.99999): keeps every step exact in a Number. */
const MAX_VALUE = 999_999_999_999_999;

/**
 * A currency amount as a decimal string (e.g. "100", "-12.5") → S&E nibble and field, rounded up to
 * the resolution (ceil(|amount| × 100000)) and then up to the next representable value.
 */
export function encodeCurrencyAmount(text: string, name = 'amount'): CurrencyField {
  if (typeof text !== 'string') throw new TokenError('invalid-amount', `${name} must be a decimal string`);
  const m = CURRENCY.exec(text.trim());
  if (m === null)
    throw new TokenError(
      'invalid-amount',
      `${name} must be a decimal currency amount like "100.50", got ${JSON.stringify(text.slice(0, 40))}`,
    );
  const whole = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = m[3] ?? '';
  if (whole.length > 10)
    throw new TokenError(
      'amount-out-of-range',
      `${name} ${text.trim()} is above the maximum 9999999999.99999`,
    );
  let value = Number(whole) * 100_000 + Number(frac.slice(0, 5).padEnd(5, '0'));
  if (/[1-9]/.test(frac.slice(5))) value += 1;
  if (value > MAX_VALUE)
    throw new TokenError(
      'amount-out-of-range',
      `${name} ${text.trim()} is above the maximum 9999999999.99999`,
    );
  const negative = m[1] === '-' && value > 0;
  let e = 0;
  let mantissa = value;
  if (value > 16_383) {
    let offset = 0;
    let power = 1;
    for (e = 1; e < 32; e++) {
      offset += 16_384 * power; // offset_e = Σ_{n=1..e} 2^14·10^(n−1)
      power *= 10;
      const d = value - offset;
      mantissa = d <= 0 ? 0 : ceilDiv(d, power);
      if (mantissa <= 16_383) break;
    }
  }
  const signExponent =
    ((negative ? 1 : 0) << 3) | (((e >>> 4) & 1) << 2) | (((e >>> 3) & 1) << 1) | ((e >>> 2) & 1);
  const field = (((e >>> 1) & 1) << 15) | ((e & 1) << 14) | mantissa;
  return { signExponent, field };
}

// Exact ceil(a / b) for integers a, b < 2^53.
function ceilDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  while (q * b > a) q--;
  while ((q + 1) * b <= a) q++;
  return q * b === a ? q : q + 1;
}

/** Exponent (0..31) and mantissa of a currency amount. */
export function currencyExponent(signExponent: number, field: number): number {
  return (
    ((signExponent >>> 2) & 1) * 16 +
    ((signExponent >>> 1) & 1) * 8 +
    (signExponent & 1) * 4 +
    ((field >>> 14) & 3)
  );
}

/** S&E nibble and field → the amount as a decimal string with five decimals ("100.00000", "-0.00001"). */
export function decodeCurrencyAmount(signExponent: number, field: number): string {
  const e = currencyExponent(signExponent, field);
  const m = field & 0x3fff;
  let text: string;
  if (e <= 8) {
    let offset = 0;
    let power = 1;
    for (let n = 1; n <= e; n++) {
      offset += 16_384 * power;
      power *= 10;
    }
    const v = m * power + offset; // < 2^53 for e ≤ 8
    text = `${Math.floor(v / 100_000)}.${String(v % 100_000).padStart(5, '0')}`;
  } else {
    // Cold path: exponents above 8 exceed 2^53, and only a garbled or exotic token carries them.
    const v = currencyUnits(signExponent, field);
    text = `${v / 100_000n}.${String(v % 100_000n).padStart(5, '0')}`;
  }
  return (signExponent & 8) !== 0 ? `-${text}` : text;
}

/**
 * The magnitude of a currency amount in 10⁻⁵ units, exact: m·10^e + Σ_{n=1..e} 2^14·10^(n−1). A bigint, as
 * a 5-bit exponent reaches about 1.6·10^35; the sign is bit 3 of the S&E nibble. (A meter adds it to a register.)
 */
export function currencyUnits(signExponent: number, field: number): bigint {
  const e = currencyExponent(signExponent, field);
  const power = 10n ** BigInt(e);
  return BigInt(field & 0x3fff) * power + (16_384n * (power - 1n)) / 9n;
}
