// The Date header of a signed request, in the three forms Nectar clients send, as an instant.
// RFC 9110 §5.6.7 (HTTP date), nectar-compat.md §4 (the Python SDK's zoneless date, Java's Date.toString()).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Zone abbreviations `java.util.Date.toString()` writes that name one offset only (minutes east of
 * UTC). IST (India, Ireland, Israel), BST (British Summer, Bangladesh), CST (US Central, China) and
 * other ambiguous names are left out on purpose: a date in them is refused, not guessed.
 */
const JAVA_ZONES: Readonly<Record<string, number>> = {
  UTC: 0,
  GMT: 0,
  WET: 0,
  WEST: 60,
  WAT: 60,
  CET: 60,
  CEST: 120,
  CAT: 120,
  SAST: 120,
  EET: 120,
  EEST: 180,
  EAT: 180,
  EST: -300,
  EDT: -240,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

// Wed, 02 Dec 2026 08:27:01 GMT (IMF-fixdate) or Wed, 02 Dec 2026 08:27:01 (Python SDK, no zone)
const HTTP_DATE = /^([A-Z][a-z]{2}), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?: GMT)?$/;
// Wed Dec 02 08:27:01 UTC 2026, Thu Jul 16 03:05:09 GMT+04:00 2026 (Java Date.toString())
const JAVA_DATE =
  /^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) ([A-Z]{3,4}|GMT[+-]\d{2}:\d{2}) (\d{4})$/;

/**
 * The instant (milliseconds since the epoch) a request's `Date` header names, or undefined when it
 * is none of: an HTTP date (`Wed, 02 Dec 2026 08:27:01 GMT`); the same without its zone, as
 * Nectar's Python SDK sends it (taken as UTC); Java's `Date.toString()` (`Wed Dec 02 08:27:01 UTC
 * 2026`) with an unambiguous zone name or `GMT+hh:mm`. The weekday must match the date, and every
 * field must be in range: a date that is not a real calendar instant is refused, never rolled over.
 * @example parseRequestDate('Wed Dec 02 08:27:01 UTC 2026') // 1796200021000
 */
export function parseRequestDate(text: string): number | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const http = HTTP_DATE.exec(text);
  if (http) {
    const [, weekday, day, month, year, hour, minute, second] = http as unknown as string[];
    return instant(weekday!, year!, month!, day!, hour!, minute!, second!, 0);
  }
  const java = JAVA_DATE.exec(text);
  if (java) {
    const [, weekday, month, day, hour, minute, second, zone, year] = java as unknown as string[];
    const offset = zoneOffset(zone!);
    if (offset === undefined) return undefined;
    return instant(weekday!, year!, month!, day!, hour!, minute!, second!, offset);
  }
  return undefined;
}

function zoneOffset(zone: string): number | undefined {
  const fixed = /^GMT([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (fixed === null) return JAVA_ZONES[zone];
  const hours = Number(fixed[2]);
  const minutes = Number(fixed[3]);
  if (hours > 18 || minutes > 59) return undefined;
  return (fixed[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function instant(
  weekday: string,
  yearText: string,
  monthName: string,
  dayText: string,
  hourText: string,
  minuteText: string,
  secondText: string,
  offsetMinutes: number,
): number | undefined {
  const month = MONTHS.indexOf(monthName);
  const [year, day, hour, minute, second] = [yearText, dayText, hourText, minuteText, secondText].map(
    Number,
  ) as [number, number, number, number, number];
  if (month === -1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(local);
  // Date.UTC rolls 31 Nov over into 1 Dec: a date that does not round-trip does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== day) {
    return undefined;
  }
  if (WEEKDAYS[check.getUTCDay()] !== weekday) return undefined;
  return local - offsetMinutes * 60_000;
}
