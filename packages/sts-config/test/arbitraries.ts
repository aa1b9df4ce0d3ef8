// fast-check generators of valid StsConfig values, for the round-trip and no-leak properties.
// The value spaces are those of nectar-compat §1 (after our stricter cross-field rules).

import fc from 'fast-check';
import { SecretBytes } from '../src/secret.ts';
import type { StsConfig } from '../src/types.ts';

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

/** Names: any text without control characters or bidi controls (quotes, colons, #, unicode, blanks at the ends). */
export const nameArb = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 24 }),
    fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
    fc.constantFrom(
      'example_config',
      '---',
      '...',
      '- x',
      '#x',
      'a: b',
      "'q'",
      '"q"',
      ' x ',
      'a\\b',
      '[1]',
      '&a',
      '|',
    ),
  )
  .filter(
    (s) =>
      s.length > 0 &&
      ![...s].some((c) => c.charCodeAt(0) < 0x20 || (c >= '\u007f' && c <= '\u009f')) &&
      !/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(s),
  );

export const configArb: fc.Arbitrary<StsConfig> = fc
  .record({
    name: nameArb,
    keyExpiryNo: fc.integer({ min: 0, max: 255 }),
    algorithm: fc.constantFrom('sta-02', 'sta-04', 'dea-02', 'dea-04', 'misty1-04'),
    tariffIndex: digits(2),
    keyRevisionNo: fc.integer({ min: 1, max: 9 }),
    key: fc.uint8Array({ minLength: 20, maxLength: 20 }),
    supplyGroupCode: digits(6),
    keyType: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
    baseDate: fc.constantFrom(1993 as const, 2014 as const, 2035 as const),
    issuerIdentificationNo: fc.constantFrom('600727' as const, '0000' as const),
  })
  .map((r) => {
    const [ea, dkga] = r.algorithm.split('-') as ['sta' | 'dea' | 'misty1', '02' | '04'];
    return {
      name: r.name,
      keyExpiryNo: r.keyExpiryNo,
      encryptionAlgorithm: ea,
      tokenCarrierType: 'numeric',
      decoderKeyGenerationAlgorithm: dkga,
      tariffIndex: r.tariffIndex,
      keyRevisionNo: r.keyRevisionNo,
      vendingKey: SecretBytes.copyOf(dkga === '02' ? r.key.subarray(0, 8) : r.key),
      supplyGroupCode: r.supplyGroupCode,
      keyType: r.keyType,
      baseDate: r.baseDate,
      issuerIdentificationNo: r.issuerIdentificationNo,
    } satisfies StsConfig;
  });

/** A config as plain data (vending key as a byte array) for deep comparison. */
export function plain(config: StsConfig): Record<string, unknown> {
  return { ...config, vendingKey: Array.from(config.vendingKey) };
}

/** The config as a batch request's `config` object (file field names, as in vectors/sts-public.json). */
export function toJsonObject(c: StsConfig): Record<string, unknown> {
  return {
    name: c.name,
    key_expiry_no: c.keyExpiryNo,
    encryption_algorithm: c.encryptionAlgorithm,
    token_carrier_type: c.tokenCarrierType,
    decoder_key_generation_algorithm: c.decoderKeyGenerationAlgorithm,
    tariff_index: c.tariffIndex,
    key_revision_no: c.keyRevisionNo,
    vending_key: Array.from(c.vendingKey, (b) => b.toString(16).padStart(2, '0')).join(''),
    supply_group_code: c.supplyGroupCode,
    key_type: c.keyType,
    base_date: c.baseDate,
    issuer_identification_no: c.issuerIdentificationNo,
  };
}
