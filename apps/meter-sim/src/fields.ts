// Field decodings the meter needs: the 16-bit amount (credit, MPL, MPPUL), the currency amount, TID time.
// IEC 62055-41 §6.3.5 / 6.3.21 (sts-reference §4, §5). Integer arithmetic only.

import { MAX_TID } from './meter-options.ts';

const AMOUNT_OFFSET = [0, 16384, 180224, 1818624];
const POW10 = [1, 10, 100, 1000];

/** Value of a 16-bit amount field: m·10^e + Σ 2^14·10^(n−1), e = bits 15..14, m = bits 13..0. */
export function decodeAmountField(field: number): number {
  const e = field >>> 14;
  return (field & 0x3fff) * POW10[e]! + AMOUNT_OFFSET[e]!;
}

/**
 * Value of a currency amount (class 0 sub 4–7) in 10⁻⁵ units: S&E nibble (sign, e4, e3, e2) and the
 * 16-bit field (e1, e0, m14). A bigint: with a 5-bit exponent the value can reach ~1.6·10^35.
 */
export function decodeCurrencyValue(
  signExponent: number,
  field: number,
): { negative: boolean; value: bigint } {
  const e = ((field >>> 14) & 1) | (((field >>> 15) & 1) << 1) | ((signExponent & 7) << 2);
  const p = 10n ** BigInt(e);
  const value = BigInt(field & 0x3fff) * p + (16384n * (p - 1n)) / 9n;
  return { negative: (signExponent & 8) !== 0, value };
}

/** Tenths as a decimal with one decimal place: 256 → "25.6". */
export function formatTenths(tenths: number): string {
  const neg = tenths < 0;
  const a = Math.abs(tenths);
  return `${neg ? '-' : ''}${Math.floor(a / 10)}.${a % 10}`;
}

/** 10⁻⁵ units as a decimal with five places: 10000000n → "100.00000". */
export function formatCurrency(units: bigint | number, negative = false): string {
  const u = typeof units === 'bigint' ? units : BigInt(units);
  const a = u < 0n ? -u : u;
  const sign = negative !== u < 0n && a !== 0n ? '-' : '';
  const s = a.toString().padStart(6, '0');
  return `${sign}${s.slice(0, -5)}.${s.slice(-5)}`;
}

/** A register value (base units) as a decimal in units: tenths for registers 0–3, 10⁻⁵ for 4–7. */
export function formatRegister(index: number, value: number): string {
  return index < 4 ? formatTenths(value) : formatCurrency(value);
}

const BASE_DATE_MS: Record<number, number> = {
  1993: Date.UTC(1993, 0, 1),
  2014: Date.UTC(2014, 0, 1),
  2035: Date.UTC(2035, 0, 1),
};

/** Milliseconds of 00:00 UTC on 1 January of the base date. */
function baseDateMs(baseDate: number): number {
  const ms = BASE_DATE_MS[baseDate];
  if (ms === undefined) throw new RangeError(`baseDate must be 1993, 2014 or 2035, got ${baseDate}`);
  return ms;
}

/** TID (minutes since the base date, seconds truncated) of an instant; may be negative or ≥ 2^24. */
export function tidOf(time: Date, baseDate: number): number {
  return Math.floor((time.getTime() - baseDateMs(baseDate)) / 60_000);
}

const BASE_DATES = [1993, 2014, 2035] as const;

/**
 * Why an instant has no TID under a base date (before it, or past its last TID, 2^24 − 1 minutes on:
 * 2024-11-24T20:15Z for base date 1993), as one line; null when it has one.
 */
export function tidRangeProblem(time: Date, baseDate: number): string | null {
  const tid = tidOf(time, baseDate);
  if (tid < 0) return `now ${time.toISOString()} is before the key's base date ${baseDate}`;
  if (tid > MAX_TID) {
    const last = tidInstant(MAX_TID, baseDate).slice(0, 16);
    return `now ${time.toISOString()} is past the last TID of base date ${baseDate} (${last}Z)`;
  }
  return null;
}

/** The base dates under which an instant has a TID (none before 1993 or after 2066-11-24T20:15Z). */
export function baseDatesCovering(time: Date): number[] {
  return BASE_DATES.filter((b) => tidRangeProblem(time, b) === null);
}

let cachedDay = Number.NaN;
let cachedDayText = '';

/** `YYYY-MM-DD` of a day number (days since 1970-01-01), Hinnant's civil-from-days. */
function dayText(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/**
 * The instant of a TID as ISO 8601 UTC (`2004-03-01T13:55:00.000Z`), as `Date#toISOString` gives it but
 * without a Date: it runs once per accepted token, and the date part is cached per day.
 */
export function tidInstant(tid: number, baseDate: number): string {
  const minutes = baseDateMs(baseDate) / 60_000 + tid;
  const day = Math.floor(minutes / 1440);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = dayText(day);
  }
  const mod = minutes - day * 1440;
  const h = Math.floor(mod / 60);
  const mi = mod - h * 60;
  return `${cachedDayText}T${h < 10 ? '0' : ''}${h}:${mi < 10 ? '0' : ''}${mi}:00.000Z`;
}
