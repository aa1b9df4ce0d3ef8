// TransferAmount field (§4.1) and currency field (§4.2): boundary tables written out by hand from the spec.
import { describe, expect, test } from 'vitest';
import {
  currencyUnits,
  decodeAmountField,
  decodeCurrencyAmount,
  encodeAmountField,
  encodeCurrencyAmount,
  parseAmountTenths,
  TokenError,
} from '../src/index.ts';

// value = m·10^e + offset_e; offsets 0, 16384, 180224, 1818624; steps 1, 10, 100, 1000.
describe('encodeAmountField rounds up into the next representable value', () => {
  test.each([
    { tenths: 0, field: 0x0000 },
    { tenths: 1, field: 0x0001 },
    { tenths: 256, field: 0x0100 },
    { tenths: 16383, field: 0x3fff },
    { tenths: 16384, field: 0x4000 },
    { tenths: 16385, field: 0x4001 }, // → 16394
    { tenths: 16394, field: 0x4001 },
    { tenths: 20000, field: 0x416a }, // → 20004 (spec example)
    { tenths: 180214, field: 0x7fff },
    { tenths: 180215, field: 0x8000 }, // gap → 180224
    { tenths: 180223, field: 0x8000 }, // CTSA10
    { tenths: 180224, field: 0x8000 },
    { tenths: 180225, field: 0x8001 }, // → 180324
    { tenths: 1818524, field: 0xbfff },
    { tenths: 1818525, field: 0xc000 }, // gap → 1818624
    { tenths: 1818623, field: 0xc000 },
    { tenths: 1818624, field: 0xc000 },
    { tenths: 1818625, field: 0xc001 }, // → 1819624
    { tenths: 18200624, field: 0xfffe },
    { tenths: 18200625, field: 0xffff },
    { tenths: 18201624, field: 0xffff },
  ])('$tenths tenths → $field', ({ tenths, field }) => {
    expect(encodeAmountField(tenths)).toBe(field);
  });
  test.each([-1, 18201625, 1.5, Number.NaN])('%s is out of range', (v) => {
    expect(() => encodeAmountField(v)).toThrow(TokenError);
    expect(() => encodeAmountField(v)).toThrow(`amount must be an integer 0..18201624 base units, got ${v}`);
  });
});

describe('decodeAmountField', () => {
  test.each([
    { field: 0x0000, value: 0 },
    { field: 0x3fff, value: 16383 },
    { field: 0x4000, value: 16384 },
    { field: 0x4001, value: 16394 },
    { field: 0x7fff, value: 180214 },
    { field: 0x8000, value: 180224 },
    { field: 0x8001, value: 180324 },
    { field: 0xbfff, value: 1818524 },
    { field: 0xc000, value: 1818624 },
    { field: 0xc001, value: 1819624 },
    { field: 0xffff, value: 18201624 },
  ])('$field → $value', ({ field, value }) => {
    expect(decodeAmountField(field)).toBe(value);
  });
});

describe('parseAmountTenths: exact decimals, ceil(units × 10)', () => {
  test.each([
    ['0', 0],
    ['0.1', 1],
    ['25.6', 256],
    ['1.15', 12], // Nectar truncates to 11; the standard rounds in the customer's favour
    ['0.01', 1],
    ['0.10000000000000000001', 2],
    ['007.50', 75],
    ['18022.3', 180223],
    ['1820162.4', 18201624],
    ['1820162.40000', 18201624],
  ])('%s → %i', (text, tenths) => {
    expect(parseAmountTenths(text)).toBe(tenths);
  });
  test.each([
    ['1820162.41', 'amount-out-of-range', 'amount 1820162.41 is above the maximum 1820162.4'],
    ['1820163', 'amount-out-of-range', 'amount 1820163 is above the maximum 1820162.4'],
    ['99999999999', 'amount-out-of-range', 'amount 99999999999 is above the maximum 1820162.4'],
    ['-1', 'amount-out-of-range', 'amount must not be negative, got -1'],
    ['1e3', 'invalid-amount', 'amount must be a decimal number of units like "25.6", got "1e3"'],
    ['', 'invalid-amount', 'amount must be a decimal number of units like "25.6", got ""'],
    ['.5', 'invalid-amount', 'amount must be a decimal number of units like "25.6", got ".5"'],
  ])('%s → %s', (text, code, message) => {
    try {
      parseAmountTenths(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenError);
      expect((e as TokenError).code).toBe(code);
      expect((e as TokenError).message).toBe(message);
    }
  });
});

describe('currency amounts (§4.2): resolution 10⁻⁵, 5-bit exponent over S&E and the field', () => {
  test.each([
    { signExponent: 0, field: 0x0000, units: 0n },
    { signExponent: 0, field: 0x3fff, units: 16_383n },
    { signExponent: 8, field: 0x0001, units: 1n }, // the sign is not part of the magnitude
    { signExponent: 0, field: 0xdff6, units: 10_000_624n }, // 100.00624 (e=3, m=8182)
    { signExponent: 0b0111, field: 0xc000, units: 18_204_444_444_444_444_444_444_444_444_442_624n }, // e = 31
  ])('currencyUnits(S&E $signExponent, field $field) = $units (what a meter adds to a register)', (row) => {
    expect(currencyUnits(row.signExponent, row.field)).toBe(row.units);
  });
  test.each([
    { amount: '0', signExponent: 0, field: 0x0000, decoded: '0.00000' },
    { amount: '0.000001', signExponent: 0, field: 0x0001, decoded: '0.00001' }, // rounds up to the resolution
    { amount: '0.16383', signExponent: 0, field: 0x3fff, decoded: '0.16383' },
    { amount: '0.16384', signExponent: 0, field: 0x4000, decoded: '0.16384' },
    { amount: '100', signExponent: 0, field: 0xdff6, decoded: '100.00624' }, // e=3 m=ceil(8181.376)=8182 (reference field)
    { amount: '-100', signExponent: 8, field: 0xdff6, decoded: '-100.00624' },
    // e = 4: offset 16384·1111 = 18202624 → S&E e2 bit set, field e1 e0 = 0
    { amount: '182.02624', signExponent: 1, field: 0x0000, decoded: '182.02624' },
    // e = 8: offset 16384·11111111 = 182044442624; m = 1 → + 10^8 = 182144442624 → S&E e3 bit
    { amount: '1821444.42624', signExponent: 2, field: 0x0001, decoded: '1821444.42624' },
  ])('$amount → S&E $signExponent field $field', ({ amount, signExponent, field, decoded }) => {
    expect(encodeCurrencyAmount(amount)).toEqual({ signExponent, field });
    expect(decodeCurrencyAmount(signExponent, field)).toBe(decoded);
  });
  test('e = 31 decodes exactly (cold path)', () => {
    // S&E 0111 → e4 e3 e2 = 1, field 11 → e1 e0 = 1: e = 31, m = 0: offset 16384·(10^31−1)/9 = 1820444…442624
    expect(decodeCurrencyAmount(0b0111, 0xc000)).toBe('182044444444444444444444444444.42624');
  });
  test('out of range and malformed', () => {
    expect(() => encodeCurrencyAmount('10000000000')).toThrow(
      'amount 10000000000 is above the maximum 9999999999.99999',
    );
    expect(() => encodeCurrencyAmount('12,50')).toThrow(
      'amount must be a decimal currency amount like "100.50", got "12,50"',
    );
  });
});
