// TID, the token identifier (IEC 62055-41 §6.3.5, sts-reference §5): 24-bit minutes since the key's
// base date (00:00 UTC, 1 January), seconds truncated, with the 00:01 rule and the KEN check.

import type { BaseDate } from 'sts-crypto';
import { TokenError } from './errors.ts';
import type { Instant } from './types.ts';

/** The last TID: 2^24 − 1 (20:15 on 24 November, 31.9 years after the base date). */
export const MAX_TID = 0xffffff;

const MINUTE = 60_000;
const BASE_MS: Record<BaseDate, number> = {
  1993: Date.UTC(1993, 0, 1),
  2014: Date.UTC(2014, 0, 1),
  2035: Date.UTC(2035, 0, 1),
};

/** Epoch milliseconds of a base date. Throws `invalid-base-date` for anything but 1993, 2014, 2035. */
export function baseDateMs(baseDate: BaseDate): number {
  const ms = BASE_MS[baseDate];
  if (ms === undefined)
    throw new TokenError('invalid-base-date', `baseDate must be 1993, 2014 or 2035, got ${String(baseDate)}`);
  return ms;
}

// YYYY-MM-DDTHH:MM[:SS[.fff]] then Z or ±HH:MM / ±HHMM (the zone is required).
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An instant → epoch milliseconds. Strings must be ISO 8601 WITH a zone: a zoneless time is
 * `zoneless-time` (an issue time in an unknown zone could move a TID by hours), anything else `invalid-time`.
 */
export function parseInstant(instant: Instant, name = 'time'): number {
  if (instant instanceof Date) {
    const ms = instant.getTime();
    if (Number.isNaN(ms)) throw new TokenError('invalid-time', `${name} is an invalid Date`);
    return ms;
  }
  if (typeof instant === 'number') {
    if (!Number.isFinite(instant))
      throw new TokenError('invalid-time', `${name} must be finite epoch milliseconds`);
    return instant;
  }
  if (typeof instant !== 'string')
    throw new TokenError(
      'invalid-time',
      `${name} must be an ISO 8601 instant string like "2024-05-01T10:00:00Z"`,
    );
  const fast = fastInstant(instant);
  return Number.isNaN(fast) ? parseInstantText(instant, name) : fast;
}

/** Value of the two decimal digits of s at i, or -1. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common shapes `YYYY-MM-DDTHH:MM[:SS[.fff…]]` + `Z` | `±HH[[:]MM]` read straight from the
 * character codes (a batch of a million requests parses a million times): the epoch milliseconds, or NaN
 * for anything else (surrounding blanks, a bad field, a year before 1900), which then takes the regular
 * expression path below with its exact error. Accepts exactly what that path accepts, with the same result.
 */
function fastInstant(s: string): number {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return NaN; // T, t or space
  const century = two(s, 0);
  const yy = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  if (century < 19 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return NaN;
  if (minute < 0 || minute > 59) return NaN;
  const year = century * 100 + yy;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]!)) return NaN;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(i) === 58) {
    second = two(s, i + 1);
    if (second < 0 || second > 59) return NaN;
    i += 3;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) {
      // . or , then one or more digits; the first three are the milliseconds
      i++;
      const start = i;
      let scale = 100;
      for (let d = s.charCodeAt(i) - 48; d >= 0 && d <= 9; d = s.charCodeAt(i) - 48) {
        millis += d * scale;
        scale = scale > 1 ? scale / 10 : 0;
        i++;
      }
      if (i === start) return NaN;
    }
  }
  let offset = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    if (i + 1 !== n) return NaN; // Z or z ends the text
  } else if (z === 43 || z === 45) {
    const oh = two(s, i + 1);
    if (oh < 0 || oh > 23) return NaN;
    let om = 0;
    let j = i + 3;
    if (j < n) {
      if (s.charCodeAt(j) === 58) j++;
      om = two(s, j);
      if (om < 0 || om > 59 || j + 2 !== n) return NaN;
    }
    offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return NaN; // no zone: the slow path words the error
  }
  const minutes = (daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offset;
  return minutes * MINUTE + second * 1000 + millis;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (the era arithmetic of H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // 0..399
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1; // 0..365
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // 0..146096
  return era * 146_097 + doe - 719_468;
}

/** The regular-expression path of parseInstant: every shape, and every error worded. */
function parseInstantText(instant: string, name: string): number {
  const m = ISO.exec(instant.trim());
  if (m === null)
    throw new TokenError(
      'invalid-time',
      `${name} must be an ISO 8601 instant like "2024-05-01T10:00:00Z", got ${JSON.stringify(instant.slice(0, 40))}`,
    );
  const zone = m[8];
  if (zone === undefined)
    throw new TokenError(
      'zoneless-time',
      `${name} ${JSON.stringify(instant)} has no zone: add Z or an offset like +03:00`,
    );
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    throw new TokenError('invalid-time', `${name} ${JSON.stringify(instant)} is not a valid date and time`);
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
    if (oh > 23 || om > 59)
      throw new TokenError('invalid-time', `${name} ${JSON.stringify(instant)} has an invalid zone offset`);
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return local - offsetMinutes * MINUTE;
}

/**
 * The TID of an issue time: whole minutes since the base date (seconds truncated). Minute-of-day 1
 * (00:01) becomes 00:02 unless `isStid` (Nectar's reserved TID; CTSA09 needs this rule).
 * Throws `time-before-base-date` or `tid-out-of-range` (never wraps).
 */
export function tidFromInstant(
  instant: Instant,
  baseDate: BaseDate,
  options: { isStid?: boolean } = {},
): number {
  return tidOf(instant, baseDate, options.isStid === true);
}

/** tidFromInstant without an options object (the encoder calls it per token). */
export function tidOf(instant: Instant, baseDate: BaseDate, isStid: boolean): number {
  const ms = parseInstant(instant);
  const base = baseDateMs(baseDate);
  if (ms < base)
    throw new TokenError(
      'time-before-base-date',
      `time ${new Date(ms).toISOString()} is before the base date ${baseDate}-01-01T00:00Z`,
    );
  let tid = Math.floor((ms - base) / MINUTE);
  if (tid % 1440 === 1 && !isStid) tid += 1;
  if (tid > MAX_TID)
    throw new TokenError(
      'tid-out-of-range',
      `time ${new Date(ms).toISOString()} is past the last TID of base date ${baseDate} (${new Date(base + MAX_TID * MINUTE).toISOString()})`,
    );
  return tid;
}

/** The instant a TID stands for (UTC, whole minute). */
export function instantFromTid(tid: number, baseDate: BaseDate): Date {
  return new Date(baseDateMs(baseDate) + tid * MINUTE);
}

// "00" … "99".
const TWO_DIGITS: string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

let cachedDay = Number.NaN;
let cachedDayText = '';

/** `YYYY-MM-DD` of a day number (days since 1970-01-01): H. Hinnant's civil_from_days. */
function dayText(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097; // 0..146096
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // 0..365, from 1 March
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
}

/**
 * `instantFromTid(tid, baseDate).toISOString()` without a Date (a decoder or a meter prints one per
 * token), for the years 1993..2067 that TIDs reach; the date part is remembered for the last day.
 */
export function isoFromTid(tid: number, baseDate: BaseDate): string {
  const minutes = baseDateMs(baseDate) / MINUTE + tid;
  const days = Math.floor(minutes / 1440);
  if (days !== cachedDay) {
    cachedDayText = dayText(days);
    cachedDay = days;
  }
  const minuteOfDay = minutes - days * 1440;
  const hour = Math.floor(minuteOfDay / 60);
  return `${cachedDayText}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minuteOfDay - hour * 60]}:00.000Z`;
}

/** Throws `key-expired` when TID >> 16 exceeds the key expiry number (sts-reference §5). */
export function checkKeyExpiry(tid: number, keyExpiryNo: number): void {
  if (tid >>> 16 > keyExpiryNo)
    throw new TokenError(
      'key-expired',
      `tid ${tid} is past the key's expiry: its top 8 bits ${tid >>> 16} exceed keyExpiryNo ${keyExpiryNo}`,
    );
}

/** Check a TID given directly: an integer 0..2^24−1, else `tid-out-of-range`. */
export function checkTid(tid: unknown, name = 'tid'): number {
  if (typeof tid !== 'number' || !Number.isInteger(tid) || tid < 0 || tid > MAX_TID)
    throw new TokenError('tid-out-of-range', `${name} must be an integer 0..16777215, got ${String(tid)}`);
  return tid;
}
