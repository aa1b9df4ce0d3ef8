// configFromJson: the file's rules for `config` objects of batch requests (vectors/sts-public.json).
// Numbers may be JSON numbers; codes whose leading zeros matter must be strings.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FIELD_KEYS } from '../src/fields.ts';
import { configFromJson } from '../src/json.ts';

interface Vector {
  name: string;
  request: { config?: Record<string, unknown> };
  source: string;
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
) as Vector[];
const withConfig = vectors.filter((v) => v.request.config !== undefined);

const VALID = {
  name: 't',
  key_expiry_no: 255,
  encryption_algorithm: 'sta',
  token_carrier_type: 'numeric',
  decoder_key_generation_algorithm: '02',
  tariff_index: '01',
  key_revision_no: 1,
  vending_key: 'abababababababab',
  supply_group_code: '123456',
  key_type: 2,
  base_date: 1993,
  issuer_identification_no: '600727',
};

function errorsOf(input: unknown) {
  const result = configFromJson(input);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('configFromJson', () => {
  test('the vector file has configurations to read', () => {
    expect(withConfig.length).toBeGreaterThan(3);
  });

  test.each(withConfig.map((v) => ({ name: v.name, config: v.request.config })))(
    'vector config: $name',
    ({ config }) => {
      const result = configFromJson(config);
      if (!result.ok) expect(result.errors).toEqual([]);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.config.decoderKeyGenerationAlgorithm).toBe(config?.decoder_key_generation_algorithm);
      expect(result.config.vendingKey.length).toBe(String(config?.vending_key).length / 2);
    },
  );

  test('maps every field', () => {
    const result = configFromJson(VALID);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect({ ...result.config, vendingKey: Array.from(result.config.vendingKey) }).toEqual({
      name: 't',
      keyExpiryNo: 255,
      encryptionAlgorithm: 'sta',
      tokenCarrierType: 'numeric',
      decoderKeyGenerationAlgorithm: '02',
      tariffIndex: '01',
      keyRevisionNo: 1,
      vendingKey: [0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab],
      supplyGroupCode: '123456',
      keyType: 2,
      baseDate: 1993,
      issuerIdentificationNo: '600727',
    });
  });

  test('numbers may come as strings', () => {
    const result = configFromJson({
      ...VALID,
      key_expiry_no: '255',
      key_revision_no: '1',
      key_type: '2',
      base_date: '1993',
    });
    expect(result.ok).toBe(true);
  });

  test.each([
    {
      name: 'DKGA as a JSON number',
      input: { ...VALID, decoder_key_generation_algorithm: 2 },
      code: 'must-be-string',
      path: 'decoder_key_generation_algorithm',
      message:
        'decoder_key_generation_algorithm: must be a string (02 or 04, two digits), not the number 2; quote it, a number loses the leading zeros',
    },
    {
      name: 'tariff index as a JSON number',
      input: { ...VALID, tariff_index: 1 },
      code: 'must-be-string',
      path: 'tariff_index',
      message:
        'tariff_index: must be a string (exactly 2 digits, e.g. 01), not the number 1; quote it, a number loses the leading zeros',
    },
    {
      name: 'IIN as a JSON number',
      input: { ...VALID, issuer_identification_no: 0 },
      code: 'must-be-string',
      path: 'issuer_identification_no',
      message:
        'issuer_identification_no: must be a string (600727 or 0000), not the number 0; quote it, a number loses the leading zeros',
    },
    {
      name: 'SGC as a JSON number',
      input: { ...VALID, supply_group_code: 123456 },
      code: 'must-be-string',
      path: 'supply_group_code',
      message:
        'supply_group_code: must be a string (exactly 6 digits, e.g. 123456), not the number 123456; quote it, a number loses the leading zeros',
    },
    {
      name: 'vending key as a number',
      input: { ...VALID, vending_key: 1234567890123456 },
      code: 'wrong-type',
      path: 'vending_key',
      message: 'vending_key: must be a string (16 or 40 hex digits); got a number',
    },
    {
      name: 'key type null',
      input: { ...VALID, key_type: null },
      code: 'wrong-type',
      path: 'key_type',
      message: 'key_type: must be a number or a string (a whole number from 0 to 3); got null',
    },
    {
      name: 'base date as a boolean',
      input: { ...VALID, base_date: true },
      code: 'wrong-type',
      path: 'base_date',
      message: 'base_date: must be a number or a string (1993, 2014 or 2035); got a boolean',
    },
    {
      name: 'name as an object',
      input: { ...VALID, name: {} },
      code: 'wrong-type',
      path: 'name',
      message: 'name: must be a string (non-empty text); got an object',
    },
    {
      name: 'key expiry number with a fraction',
      input: { ...VALID, key_expiry_no: 2.5 },
      code: 'invalid-value',
      path: 'key_expiry_no',
      message: 'key_expiry_no: must be a whole number from 0 to 255; got "2.5"',
    },
    {
      name: 'key expiry number out of range',
      input: { ...VALID, key_expiry_no: 300 },
      code: 'out-of-range',
      path: 'key_expiry_no',
      message: 'key_expiry_no: must be from 0 to 255; got "300"',
    },
    {
      name: 'misspelt key',
      input: {
        ...Object.fromEntries(Object.entries(VALID).filter(([k]) => k !== 'tariff_index')),
        tarrif_index: '01',
      },
      code: 'unknown-key',
      path: 'tarrif_index',
      message: 'tarrif_index: unknown key; did you mean tariff_index?',
    },
    {
      name: 'DKGA04 with a 64-bit key',
      input: { ...VALID, decoder_key_generation_algorithm: '04' },
      code: 'key-length-mismatch',
      path: 'vending_key',
      message:
        'vending_key: DKGA04 needs a 160-bit vending key (40 hex digits); got a 64-bit key (16 hex digits), which fits DKGA02',
    },
  ])('$name', ({ input, code, path, message }) => {
    const errors = errorsOf(input);
    expect(errors).toEqual([{ code, path, message }]);
  });

  test('a missing field has a path and no line', () => {
    const { tariff_index: _, ...rest } = VALID;
    expect(errorsOf(rest)).toEqual([
      {
        code: 'missing-field',
        path: 'tariff_index',
        message: 'tariff_index: is missing (must be exactly 2 digits, e.g. 01)',
      },
    ]);
  });

  test.each([
    { input: null, kind: 'null' },
    { input: [], kind: 'an array' },
    { input: 'name: t', kind: 'a string' },
    { input: 5, kind: 'a number' },
  ])('not an object: $kind', ({ input, kind }) => {
    expect(errorsOf(input)).toEqual([
      {
        code: 'not-an-object',
        path: '',
        message: `the configuration must be a JSON object with the keys ${FIELD_KEYS.join(', ')}; got ${kind}`,
      },
    ]);
  });

  test('every field but name wrong at once: one error each', () => {
    const errors = errorsOf(Object.fromEntries(FIELD_KEYS.map((k) => [k, 'x'])));
    expect(errors.map((e) => e.path)).toEqual(FIELD_KEYS.slice(1));
  });

  test('a JSON text with __proto__ reports it as unknown', () => {
    const errors = errorsOf(JSON.parse(`{"__proto__": 1, ${JSON.stringify(VALID).slice(1)}`));
    expect(errors.map((e) => e.code)).toEqual(['unknown-key']);
  });

  test('regression: a name with a right-to-left override (U+202E) is refused in JSON too', () => {
    expect(errorsOf({ ...VALID, name: 'invoice\u202Efdp.exe' })).toEqual([
      {
        code: 'invalid-value',
        path: 'name',
        message: 'name: must be text without bidirectional controls (they reorder what is shown); got U+202E',
      },
    ]);
  });

  test('dea warns', () => {
    const result = configFromJson({ ...VALID, encryption_algorithm: 'dea' });
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.code, w.path, w.line])).toEqual([
      ['deprecated', 'encryption_algorithm', undefined],
    ]);
  });
});
