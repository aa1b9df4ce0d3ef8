// The two forms of a token audit entry's digest: rows in columns (written by a batch in the key worker)
// and TokenRecords (read back by `audit verify`) must give the same digest for the same rows.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { columnsDigest, TOKEN_COLUMNS, tokenAt, tokensDigest } from '../src/audit.ts';
import type { TokenRecord } from '../src/store/store.ts';

const text = fc.string({ maxLength: 30 });
const shared = fc.record({ tenant: text, userRef: text, requestId: text, createdAt: text });
const row = fc.tuple(
  text,
  text,
  text,
  fc.stringMatching(/^\d{20}$/),
  text,
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 0, max: 15 }),
  fc.option(fc.integer({ min: 0, max: 16_777_215 })),
  fc.option(text),
);

describe('audit digests', () => {
  test('a written-out row gives the line tokensDigest documents (every stored field, | between, a newline)', () => {
    const t: TokenRecord = {
      ref: 'tok_1',
      tenant: 'a',
      meter: '47500150231',
      configRef: 'cfg_1',
      tokenNo: '12345678901234567890',
      tokenType: 'Electricity_00',
      class: 0,
      subclass: 0,
      tid: null,
      value: '10',
      userRef: 'key_1',
      requestId: 'r1',
      createdAt: '2026-12-02T00:00:00.000Z',
    };
    const line =
      'tok_1|a|47500150231|cfg_1|12345678901234567890|Electricity_00|0|0||10|key_1|r1|2026-12-02T00:00:00.000Z\n';
    expect(tokensDigest([t])).toBe(createHash('sha256').update(line).digest('hex'));
  });

  test('columnsDigest of rows in columns equals tokensDigest of the same rows as records (any count, past 256)', () => {
    fc.assert(
      fc.property(shared, fc.array(row, { maxLength: 600 }), (s, rows) => {
        const values = rows.flat();
        expect(values.length).toBe(rows.length * TOKEN_COLUMNS);
        const records = rows.map((_, i) => tokenAt(values, i, s));
        expect(columnsDigest(values, s)).toBe(tokensDigest(records));
      }),
      { numRuns: 60 },
    );
  });
});
