// Luhn check digit (ISO/IEC 7812-1 Annex B), meter PAN, PANBlock and CONTROLBlock (IEC 62055-41,
// sts-reference §9): the PANs of vectors/dkga.json, property tests, and the exact boundary messages.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { luhnCheckDigit } from '../src/luhn.ts';
import { controlBlock, meterPan, panBlock } from '../src/pan.ts';

interface Vectors {
  luhn: { digits: string; check: number; source: string }[];
  pan: { issuerIdentificationNo: string; drn: string; pan: string; source: string }[];
  panBlock: { pan: string; keyType: number; block: string; source: string }[];
  controlBlock: {
    keyType: number;
    supplyGroupCode: string;
    tariffIndex: string;
    keyRevisionNo: number;
    block: string;
    source: string;
  }[];
}
const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/dkga.json', import.meta.url), 'utf8'),
);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('luhnCheckDigit (ISO/IEC 7812-1 Annex B)', () => {
  test.each(vectors.luhn)('$digits → $check ($source)', ({ digits, check }) => {
    expect(luhnCheckDigit(digits)).toBe(check);
  });

  test('appending the check digit makes the whole number pass the Luhn check (sum ≡ 0 mod 10)', () => {
    // Independent formulation: the full number's Luhn sum (rightmost digit undoubled) is 0 mod 10.
    const luhnSumOk = (s: string) => {
      let sum = 0;
      for (let i = 0; i < s.length; i++) {
        let d = Number(s[s.length - 1 - i]);
        if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      return sum % 10 === 0;
    };
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,30}$/), (digits) =>
        luhnSumOk(digits + String(luhnCheckDigit(digits))),
      ),
    );
  });

  test('it catches every single-digit error', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{2,20}$/),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (digits, at, delta) => {
          const i = at % digits.length;
          const changed = digits.slice(0, i) + String((Number(digits[i]) + delta) % 10) + digits.slice(i + 1);
          return luhnCheckDigit(changed) !== luhnCheckDigit(digits);
        },
      ),
    );
  });

  test.each([
    { input: '', error: RangeError, message: 'digits must not be empty' },
    { input: '12a4', error: RangeError, message: 'digits must contain only decimal digits 0-9' },
    { input: '12 4', error: RangeError, message: 'digits must contain only decimal digits 0-9' },
    { input: 1234, error: TypeError, message: 'digits must be a string of decimal digits' },
  ])('rejects $input', ({ input, error, message }) => {
    expect(() => luhnCheckDigit(input as string)).toThrow(error);
    expect(() => luhnCheckDigit(input as string)).toThrow(message);
  });
});

describe('meterPan (IEC 62055-41 MeterPAN)', () => {
  test.each(vectors.pan)(
    '$issuerIdentificationNo + $drn → $pan ($source)',
    ({ issuerIdentificationNo, drn, pan }) => {
      expect(meterPan(issuerIdentificationNo, drn)).toBe(pan);
    },
  );

  test.each([
    {
      iin: '600727',
      drn: '4750015023',
      message: 'drn must be 11 decimal digits for IIN 600727, got "4750015023"',
    },
    {
      iin: '600727',
      drn: '0100000000008',
      message: 'drn must be 11 decimal digits for IIN 600727, got "0100000000008"',
    },
    {
      iin: '0000',
      drn: '47500150231',
      message: 'drn must be 13 decimal digits for IIN 0000, got "47500150231"',
    },
    {
      iin: '0000',
      drn: '010000000000x',
      message: 'drn must be 13 decimal digits for IIN 0000, got "010000000000x"',
    },
    {
      iin: '600728',
      drn: '47500150231',
      message: `issuerIdentificationNo must be '600727' or '0000', got "600728"`,
    },
    {
      iin: '000',
      drn: '47500150231',
      message: `issuerIdentificationNo must be '600727' or '0000', got "000"`,
    },
  ])('rejects IIN $iin with DRN $drn', ({ iin, drn, message }) => {
    expect(() => meterPan(iin, drn)).toThrow(RangeError);
    expect(() => meterPan(iin, drn)).toThrow(message);
  });

  test('wrong kinds are TypeErrors naming the argument', () => {
    expect(() => meterPan(600727 as unknown as string, '47500150231')).toThrow(
      new TypeError(`issuerIdentificationNo must be the string '600727' or '0000'`),
    );
    expect(() => meterPan('600727', 47500150231 as unknown as string)).toThrow(
      new TypeError('drn must be a string of 11 decimal digits'),
    );
  });
});

describe('panBlock (IEC 62055-41 PANBlock)', () => {
  test.each(vectors.panBlock)('$pan KT $keyType → $block ($source)', ({ pan, keyType, block }) => {
    expect(hex(panBlock(pan, keyType))).toBe(block);
  });

  test('for KT 0-2 it is the PAN without its first and last digit; KT 3 keeps only the IIN digits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('600727', '0000'),
        fc.stringMatching(/^[0-9]{13}$/),
        fc.integer({ min: 0, max: 3 }),
        (iin, drn13, keyType) => {
          const drn = drn13.slice(0, iin === '600727' ? 11 : 13);
          const pan = meterPan(iin, drn);
          const expected = keyType === 3 ? iin.slice(1).padEnd(16, '0') : pan.slice(1, 17);
          return hex(panBlock(pan, keyType)) === expected;
        },
      ),
    );
  });

  test.each([
    {
      pan: '600727000000000008',
      keyType: 2,
      error: RangeError,
      message: 'pan check digit must be 9 (Luhn), got 8',
    },
    {
      pan: '60072700000000000',
      keyType: 2,
      error: RangeError,
      message: 'pan must be 18 decimal digits, got "60072700000000000"',
    },
    {
      pan: '500727000000000009',
      keyType: 2,
      error: RangeError,
      message: 'pan must start with IIN 600727 or 0000, got "500727000000000009"',
    },
    {
      pan: '600727000000000009',
      keyType: 4,
      error: RangeError,
      message: 'keyType must be an integer 0-3, got 4',
    },
    {
      pan: '600727000000000009',
      keyType: 1.5,
      error: RangeError,
      message: 'keyType must be an integer 0-3, got 1.5',
    },
    { pan: '600727000000000009', keyType: '2', error: TypeError, message: 'keyType must be an integer 0-3' },
    {
      pan: 600727000000000009n,
      keyType: 2,
      error: TypeError,
      message: 'pan must be a string of 18 decimal digits',
    },
  ])('rejects pan $pan, keyType $keyType', ({ pan, keyType, error, message }) => {
    const call = () => panBlock(pan as string, keyType as number);
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });
});

describe('controlBlock (IEC 62055-41 CONTROLBlock)', () => {
  test.each(vectors.controlBlock)(
    'KT $keyType SGC $supplyGroupCode TI $tariffIndex KRN $keyRevisionNo → $block',
    (v) => {
      expect(hex(controlBlock(v))).toBe(v.block);
    },
  );

  test('is KT ‖ SGC ‖ TI ‖ KRN ‖ FFFFFF for any fields', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.stringMatching(/^[0-9]{6}$/),
        fc.stringMatching(/^[0-9]{2}$/),
        fc.integer({ min: 1, max: 9 }),
        (keyType, supplyGroupCode, tariffIndex, keyRevisionNo) =>
          hex(controlBlock({ keyType, supplyGroupCode, tariffIndex, keyRevisionNo })) ===
          `${keyType}${supplyGroupCode}${tariffIndex}${keyRevisionNo}FFFFFF`,
      ),
    );
  });

  const good = { keyType: 2, supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNo: 1 };
  test.each([
    { change: { keyType: -1 }, error: RangeError, message: 'keyType must be an integer 0-3, got -1' },
    {
      change: { supplyGroupCode: '12345' },
      error: RangeError,
      message: 'supplyGroupCode must be 6 decimal digits, got "12345"',
    },
    {
      change: { supplyGroupCode: '12345A' },
      error: RangeError,
      message: 'supplyGroupCode must be 6 decimal digits, got "12345A"',
    },
    {
      change: { supplyGroupCode: 123456 },
      error: TypeError,
      message: 'supplyGroupCode must be a string of 6 decimal digits',
    },
    {
      change: { tariffIndex: '1' },
      error: RangeError,
      message: 'tariffIndex must be 2 decimal digits, got "1"',
    },
    {
      change: { keyRevisionNo: 0 },
      error: RangeError,
      message: 'keyRevisionNo must be an integer 1-9, got 0',
    },
    {
      change: { keyRevisionNo: 10 },
      error: RangeError,
      message: 'keyRevisionNo must be an integer 1-9, got 10',
    },
  ])('rejects $change', ({ change, error, message }) => {
    const call = () => controlBlock({ ...good, ...change } as typeof good);
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });
});
