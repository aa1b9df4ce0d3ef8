// Near-miss key suggestions: Levenshtein distance ≤ 2 after folding case, camelCase and separators.
// Expected distances are counted by hand.

import { describe, expect, test } from 'vitest';
import { FIELD_KEYS } from '../src/fields.ts';
import { editDistance, suggestKey } from '../src/suggest.ts';

describe('editDistance', () => {
  test.each([
    { a: 'kitten', b: 'sitting', d: 3 },
    { a: 'tarrif_index', b: 'tariff_index', d: 2 },
    { a: 'abc', b: 'abc', d: 0 },
    { a: '', b: 'ab', d: 2 },
    { a: 'ab', b: 'ba', d: 2 },
  ])('$a → $b is $d', ({ a, b, d }) => {
    expect(editDistance(a, b, 5)).toBe(d);
  });

  test('stops early above the limit', () => {
    expect(editDistance('name', 'supply_group_code', 2)).toBe(3);
  });
});

describe('suggestKey', () => {
  test.each([
    { typed: 'tarrif_index', near: 'tariff_index' },
    { typed: 'tariffIndex', near: 'tariff_index' },
    { typed: 'Tariff-Index', near: 'tariff_index' },
    { typed: 'tariff index', near: 'tariff_index' },
    { typed: 'vending_keys', near: 'vending_key' },
    { typed: 'vendingKey', near: 'vending_key' },
    { typed: 'key_expiry_number', near: undefined },
    { typed: 'base_dat', near: 'base_date' },
    { typed: 'keytype', near: 'key_type' },
    { typed: 'nam', near: 'name' },
    { typed: 'issuer_identification_number', near: undefined },
    { typed: 'colour', near: undefined },
  ])('$typed → $near', ({ typed, near }) => {
    expect(suggestKey(typed, FIELD_KEYS)).toBe(near);
  });
});
