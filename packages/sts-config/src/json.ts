// configFromJson: the same rules for a configuration given as an object (a batch request's `config`).
// Field names as in the file (nectar-compat §1); digit codes must be JSON strings so no zero is lost.

import { diagnostic, type StsConfigDiagnostic, showKey } from './diagnostics.ts';
import { FIELD_EXPECTS, FIELD_KEYS, type FieldKey, isFieldKey, NUMERIC_FIELDS } from './fields.ts';
import { applyRules, type RawValue } from './rules.ts';
import { suggestKey } from './suggest.ts';
import type { StsConfigResult } from './types.ts';

/** Fields whose JSON number form would silently lose leading zeros ("02" → 2, "0000" → 0). */
const ZERO_PADDED: ReadonlySet<FieldKey> = new Set<FieldKey>([
  'decoder_key_generation_algorithm',
  'tariff_index',
  'supply_group_code',
  'issuer_identification_no',
]);

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Check a configuration object whose keys are the file's (`tariff_index`, `vending_key`, …), as in
 * the `config` objects of vectors/sts-public.json. Numbers may be JSON numbers or strings; the
 * zero-padded codes (DKGA, tariff index, SGC, IIN) must be strings. Errors carry a path, no line.
 * @example
 * configFromJson({ name: 't', key_expiry_no: 255, encryption_algorithm: 'sta', token_carrier_type: 'numeric',
 *   decoder_key_generation_algorithm: '02', tariff_index: '01', key_revision_no: 1,
 *   vending_key: 'abababababababab', supply_group_code: '123456', key_type: 2, base_date: 1993,
 *   issuer_identification_no: '600727' }).ok; // true
 */
export function configFromJson(input: unknown): StsConfigResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      errors: [
        diagnostic(
          'not-an-object',
          '',
          `the configuration must be a JSON object with the keys ${FIELD_KEYS.join(', ')}; got ${kindOf(input)}`,
          undefined,
        ),
      ],
      warnings: [],
    };
  }
  const errors: StsConfigDiagnostic[] = [];
  const values = new Map<FieldKey, RawValue>();
  const skipMissing = new Set<FieldKey>();
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!isFieldKey(key)) {
      const shown = showKey(key);
      const near = suggestKey(key, FIELD_KEYS);
      if (near !== undefined && !Object.hasOwn(record, near)) skipMissing.add(near as FieldKey);
      errors.push(
        diagnostic(
          'unknown-key',
          shown ?? '',
          near !== undefined
            ? `${shown ?? 'this key'}: unknown key; did you mean ${near}?`
            : `${shown ?? 'this key'}: unknown key; the keys are ${FIELD_KEYS.join(', ')}`,
          undefined,
        ),
      );
      continue;
    }
    const value = record[key];
    if (typeof value === 'string') {
      values.set(key, { text: value, at: undefined });
      continue;
    }
    skipMissing.add(key);
    if (typeof value === 'number' && NUMERIC_FIELDS.has(key)) {
      values.set(key, { text: Number.isFinite(value) ? String(value) : 'not finite', at: undefined });
      skipMissing.delete(key);
    } else if (typeof value === 'number' && ZERO_PADDED.has(key)) {
      errors.push(
        diagnostic(
          'must-be-string',
          key,
          `${key}: must be a string (${FIELD_EXPECTS[key]}), not the number ${String(value).slice(0, 12)}; quote it, a number loses the leading zeros`,
          undefined,
        ),
      );
    } else {
      const wanted = NUMERIC_FIELDS.has(key) ? 'a number or a string' : 'a string';
      errors.push(
        diagnostic(
          'wrong-type',
          key,
          `${key}: must be ${wanted} (${FIELD_EXPECTS[key]}); got ${kindOf(value)}`,
          undefined,
        ),
      );
    }
  }
  return applyRules(values, skipMissing, undefined, errors);
}
