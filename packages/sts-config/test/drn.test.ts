// checkDrn: DRN length by IIN (11 for 600727, 13 for 0000), digits only, and its Luhn check digit.
// Vectors: vectors/drn-check-digits.json (sources there); messages per the package README.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkDrn } from '../src/index.ts';

interface DrnVector {
  issuerIdentificationNo: '600727' | '0000';
  drn: string;
  valid: boolean;
  pan?: string;
  checkDigit?: number;
  expected?: number;
  source: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/drn-check-digits.json', import.meta.url), 'utf8'),
) as DrnVector[];

describe('checkDrn against the vectors', () => {
  test.each(vectors.filter((v) => v.valid))('IIN $issuerIdentificationNo DRN $drn is valid', (v) => {
    expect(checkDrn(v.drn, { issuerIdentificationNo: v.issuerIdentificationNo })).toEqual({
      ok: true,
      pan: v.pan,
    });
  });

  test.each(vectors.filter((v) => !v.valid))(
    'IIN $issuerIdentificationNo DRN $drn names its wrong digit',
    (v) => {
      expect(checkDrn(v.drn, { issuerIdentificationNo: v.issuerIdentificationNo })).toEqual({
        ok: false,
        code: 'drn-check-digit',
        message: `DRN ${v.drn}: check digit ${v.checkDigit} is wrong, expected ${v.expected}`,
      });
    },
  );
});

describe('checkDrn rejects', () => {
  test.each([
    {
      name: 'the issue example',
      drn: '47500150232',
      iin: '600727',
      code: 'drn-check-digit',
      message: 'DRN 47500150232: check digit 2 is wrong, expected 1',
    },
    {
      name: 'an 11-digit DRN with IIN 0000',
      drn: '47500150231',
      iin: '0000',
      code: 'drn-length',
      message: 'DRN 47500150231: must be 13 digits for IIN 0000 (11 for IIN 600727); got 11',
    },
    {
      name: 'a 13-digit DRN with IIN 600727',
      drn: '0100000000008',
      iin: '600727',
      code: 'drn-length',
      message: 'DRN 0100000000008: must be 11 digits for IIN 600727 (13 for IIN 0000); got 13',
    },
    {
      name: 'a DRN one digit short',
      drn: '4750015023',
      iin: '600727',
      code: 'drn-length',
      message: 'DRN 4750015023: must be 11 digits for IIN 600727 (13 for IIN 0000); got 10',
    },
    {
      name: 'an empty DRN',
      drn: '',
      iin: '600727',
      code: 'drn-not-digits',
      message: 'DRN "": must be 11 decimal digits (IIN 600727); it has other characters',
    },
    {
      name: 'a DRN with a letter',
      drn: '4750015023x',
      iin: '600727',
      code: 'drn-not-digits',
      message: 'DRN "4750015023x": must be 11 decimal digits (IIN 600727); it has other characters',
    },
    {
      name: 'a DRN with blanks',
      drn: '4750 0150 231',
      iin: '600727',
      code: 'drn-not-digits',
      message: 'DRN "4750 0150 231": must be 11 decimal digits (IIN 600727); it has other characters',
    },
    {
      name: 'a DRN with a sign',
      drn: '-0100000000008',
      iin: '0000',
      code: 'drn-not-digits',
      message: 'DRN "-0100000000008": must be 13 decimal digits (IIN 0000); it has other characters',
    },
    {
      name: 'an unknown IIN',
      drn: '47500150231',
      iin: '600728',
      code: 'iin-invalid',
      message: 'issuer identification number must be 600727 or 0000; got "600728"',
    },
  ])('$name', ({ drn, iin, code, message }) => {
    expect(checkDrn(drn, { issuerIdentificationNo: iin as '600727' })).toEqual({ ok: false, code, message });
  });

  test('every wrong last digit of a valid DRN is named, with the right one', () => {
    for (let d = 0; d <= 9; d++) {
      if (d === 1) continue;
      expect(checkDrn(`4750015023${d}`, { issuerIdentificationNo: '600727' })).toEqual({
        ok: false,
        code: 'drn-check-digit',
        message: `DRN 4750015023${d}: check digit ${d} is wrong, expected 1`,
      });
    }
  });

  test('a DRN that is not a string is a TypeError', () => {
    expect(() => checkDrn(47500150231 as never, { issuerIdentificationNo: '600727' })).toThrow(
      new TypeError('drn must be a string of decimal digits'),
    );
  });
});
