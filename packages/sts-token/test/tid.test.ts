// TID (§5): minutes since the base date in UTC, the 00:01 rule, zones, the range and the KEN check.
import { describe, expect, test } from 'vitest';
import { instantFromTid, isoFromTid, TokenError, tidFromInstant } from '../src/index.ts';
import { checkKeyExpiry } from '../src/tid.ts';

function error(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof TokenError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
}

describe('tidFromInstant', () => {
  test.each([
    // 1179 days · 1440 + 835 (reference worked example)
    { time: '1996-03-25T13:55:22Z', baseDate: 1993, tid: 1698595 },
    { time: '1996-03-25T16:55:59+03:00', baseDate: 1993, tid: 1698595 },
    { time: '1996-03-25T08:55:00-0500', baseDate: 1993, tid: 1698595 },
    { time: '2016-12-11T15:49:00Z', baseDate: 1993, tid: 0xc02a55 },
    { time: '1993-01-01T00:00:00Z', baseDate: 1993, tid: 0 },
    { time: '2014-01-01T00:00:00.000Z', baseDate: 2014, tid: 0 },
    { time: '2024-11-24T20:15:59Z', baseDate: 1993, tid: 16777215 },
    { time: '2045-11-24T20:15:00Z', baseDate: 2014, tid: 16777215 },
    { time: '2066-11-24T20:15:00Z', baseDate: 2035, tid: 16777215 },
  ] as const)('$time (base $baseDate) → $tid', ({ time, baseDate, tid }) => {
    expect(tidFromInstant(time, baseDate)).toBe(tid);
  });

  // 2004-03-01 00:00 = 5871715 − 835 = 5870880; +28 days → 2004-03-29 00:00 = 5911200.
  test.each([
    { time: '2004-03-29T00:00:00Z', isStid: false, tid: 5911200 },
    { time: '2004-03-29T00:01:00Z', isStid: false, tid: 5911202 }, // 00:01 → 00:02
    { time: '2004-03-29T00:01:59Z', isStid: false, tid: 5911202 },
    { time: '2004-03-29T00:01:00Z', isStid: true, tid: 5911201 }, // reserved TID allowed
    { time: '2004-03-29T00:02:00Z', isStid: false, tid: 5911202 },
    { time: '2004-03-29T01:01:00Z', isStid: false, tid: 5911261 }, // only minute-of-day 1
  ])('00:01 rule: $time isStid=$isStid → $tid', ({ time, isStid, tid }) => {
    expect(tidFromInstant(time, 1993, { isStid })).toBe(tid);
  });

  test('the 00:01 rule uses the UTC day, not the offset given', () => {
    expect(tidFromInstant('2004-03-29T03:01:00+03:00', 1993)).toBe(5911202);
    expect(tidFromInstant('2004-03-29T00:01:00+03:00', 1993)).toBe(5911200 - 179);
  });

  test.each([
    {
      time: '1992-12-31T23:59:59Z',
      code: 'time-before-base-date',
      message: 'time 1992-12-31T23:59:59.000Z is before the base date 1993-01-01T00:00Z',
    },
    {
      time: '2024-11-24T20:16:00Z',
      code: 'tid-out-of-range',
      message:
        'time 2024-11-24T20:16:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15:00.000Z)',
    },
    {
      time: '2004-03-01T13:55:00',
      code: 'zoneless-time',
      message: 'time "2004-03-01T13:55:00" has no zone: add Z or an offset like +03:00',
    },
    {
      time: '2004-02-30T13:55:00Z',
      code: 'invalid-time',
      message: 'time "2004-02-30T13:55:00Z" is not a valid date and time',
    },
    {
      time: 'yesterday',
      code: 'invalid-time',
      message: 'time must be an ISO 8601 instant like "2024-05-01T10:00:00Z", got "yesterday"',
    },
  ])('$code: $time', ({ time, code, message }) => {
    expect(error(() => tidFromInstant(time, 1993))).toEqual({ code, message });
  });

  test('Date and epoch ms are accepted', () => {
    expect(tidFromInstant(new Date(Date.UTC(1996, 2, 25, 13, 55, 22)), 1993)).toBe(1698595);
    expect(tidFromInstant(Date.UTC(1996, 2, 25, 13, 55), 1993)).toBe(1698595);
  });
});

test('instantFromTid', () => {
  expect(instantFromTid(1698595, 1993).toISOString()).toBe('1996-03-25T13:55:00.000Z');
  expect(instantFromTid(0, 2035).toISOString()).toBe('2035-01-01T00:00:00.000Z');
});

test('KEN: TID >> 16 must not exceed keyExpiryNo', () => {
  // 5871715 >> 16 = 89 (89·65536 = 5832704)
  expect(() => checkKeyExpiry(5871715, 89)).not.toThrow();
  expect(error(() => checkKeyExpiry(5871715, 88))).toEqual({
    code: 'key-expired',
    message: "tid 5871715 is past the key's expiry: its top 8 bits 89 exceed keyExpiryNo 88",
  });
  expect(() => checkKeyExpiry(16777215, 255)).not.toThrow();
});

test('isoFromTid equals Date#toISOString for TIDs across the whole range and every base date', () => {
  const base = { 1993: Date.UTC(1993, 0, 1), 2014: Date.UTC(2014, 0, 1), 2035: Date.UTC(2035, 0, 1) };
  for (const bd of [1993, 2014, 2035] as const) {
    for (let tid = 0; tid <= 0xffffff; tid += 9973) {
      expect(isoFromTid(tid, bd)).toBe(new Date(base[bd] + tid * 60_000).toISOString());
    }
    expect(isoFromTid(0xffffff, bd)).toBe(new Date(base[bd] + 0xffffff * 60_000).toISOString());
  }
});
