// parseRequestDate over the Date texts Nectar's Java and Python SDKs and HTTP send (vectors/nectar-signing.json),
// then every way a Date can be malformed or ambiguous.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseRequestDate } from '../src/index.ts';

const {
  dates,
  ambiguousDates,
}: {
  dates: { text: string; epochMs: number; source: string }[];
  ambiguousDates: { text: string; source: string }[];
} = JSON.parse(readFileSync(new URL('../../../vectors/nectar-signing.json', import.meta.url), 'utf8'));

describe('the instant of each Date an SDK sends', () => {
  test.each(dates)('$text', ({ text, epochMs }) => expect(parseRequestDate(text)).toBe(epochMs));
});

describe('a zone name that stands for several offsets is refused, not guessed', () => {
  test.each(ambiguousDates)('$text', ({ text }) => expect(parseRequestDate(text)).toBeUndefined());
});

describe('malformed dates are refused', () => {
  test.each([
    { why: 'the weekday does not match', text: 'Thu, 02 Dec 2026 08:27:01 GMT' },
    { why: 'the Java weekday does not match', text: 'Thu Dec 02 08:27:01 UTC 2026' },
    { why: '31 November does not exist', text: 'Tue, 31 Nov 2026 08:27:01 GMT' },
    { why: '29 February of a common year', text: 'Sun, 29 Feb 2026 08:27:01 GMT' },
    { why: 'hour 24', text: 'Wed, 02 Dec 2026 24:00:00 GMT' },
    { why: 'second 60', text: 'Wed, 02 Dec 2026 08:27:60 GMT' },
    { why: 'a numeric zone in an HTTP date', text: 'Wed, 02 Dec 2026 08:27:01 +0000' },
    { why: 'an HTTP date in another zone', text: 'Wed, 02 Dec 2026 08:27:01 EAT' },
    { why: 'an unknown month', text: 'Wed, 02 Dez 2026 08:27:01 GMT' },
    { why: 'a one-digit day', text: 'Wed, 2 Dec 2026 08:27:01 GMT' },
    { why: 'lower-case names', text: 'wed, 02 dec 2026 08:27:01 GMT' },
    { why: 'a Java date without its zone', text: 'Wed Dec 02 08:27:01 2026' },
    { why: 'a Java zone that is not a zone', text: 'Wed Dec 02 08:27:01 XYZ 2026' },
    { why: 'a Java offset beyond 18 hours', text: 'Wed Dec 02 08:27:01 GMT+19:00 2026' },
    { why: 'ISO 8601', text: '2026-12-02T08:27:01Z' },
    { why: 'epoch seconds', text: '1796200021' },
    { why: 'trailing white space', text: 'Wed, 02 Dec 2026 08:27:01 GMT ' },
    { why: 'nothing', text: '' },
    { why: 'a huge value', text: `Wed, 02 Dec 2026 08:27:01 GMT${' '.repeat(100_000)}` },
  ])('$why', ({ text }) => expect(parseRequestDate(text)).toBeUndefined());
});

test('a Java offset zone counts west of UTC too', () => {
  // Same instant as 'Thu Jul 16 03:05:09 GMT+04:00 2026' of the vectors, written 4 hours west instead.
  expect(parseRequestDate('Wed Jul 15 19:05:09 GMT-04:00 2026')).toBe(
    parseRequestDate('Thu Jul 16 03:05:09 GMT+04:00 2026'),
  );
});
