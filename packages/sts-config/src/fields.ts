// The twelve fields of an STS configuration file, in the canonical order, and what each must hold.
// Nectar's configuration format (nectar-compat.md §1); the order is the one its example file uses.

/** File keys in canonical order (the order `formatStsConfig` writes). */
export const FIELD_KEYS = [
  'name',
  'key_expiry_no',
  'encryption_algorithm',
  'token_carrier_type',
  'decoder_key_generation_algorithm',
  'tariff_index',
  'key_revision_no',
  'vending_key',
  'supply_group_code',
  'key_type',
  'base_date',
  'issuer_identification_no',
] as const;

/** One of the twelve file keys (`tariff_index`, `vending_key`, …). */
export type FieldKey = (typeof FIELD_KEYS)[number];

const FIELD_SET: ReadonlySet<string> = new Set(FIELD_KEYS);

/** True when `key` is one of the twelve file keys, spelled exactly. */
export function isFieldKey(key: string): key is FieldKey {
  return FIELD_SET.has(key);
}

/** What a valid value looks like, as the tail of "must be …" and "is missing (…)" messages. */
export const FIELD_EXPECTS: Readonly<Record<FieldKey, string>> = {
  name: 'non-empty text',
  key_expiry_no: 'a whole number from 0 to 255',
  encryption_algorithm: 'sta, dea or misty1',
  token_carrier_type: 'numeric',
  decoder_key_generation_algorithm: '02 or 04, two digits',
  tariff_index: 'exactly 2 digits, e.g. 01',
  key_revision_no: 'a whole number from 1 to 9',
  vending_key: '16 or 40 hex digits',
  supply_group_code: 'exactly 6 digits, e.g. 123456',
  key_type: 'a whole number from 0 to 3',
  base_date: '1993, 2014 or 2035',
  issuer_identification_no: '600727 or 0000',
};

/** Fields that may come as JSON numbers in `configFromJson`; all others must be JSON strings. */
export const NUMERIC_FIELDS: ReadonlySet<FieldKey> = new Set<FieldKey>([
  'key_expiry_no',
  'key_revision_no',
  'key_type',
  'base_date',
]);
