// formatStsConfig: the canonical text of a configuration, which parseStsConfig reads back unchanged.
// Field order and spelling of Nectar's example file (nectar-compat §1), starting with `---`.

import { bytesToHex } from 'sts-crypto';
import { FIELD_KEYS } from './fields.ts';
import type { StsConfig } from './types.ts';

/** A name that parseStsConfig reads back as itself without quotes. */
const PLAIN_NAME = /^[A-Za-z0-9_(][A-Za-z0-9_().,/+ -]*$/;

function quoteName(name: string): string {
  if (PLAIN_NAME.test(name) && !/[ \t]$/.test(name)) return name;
  let out = '"';
  for (const c of name) {
    if (c === '"' || c === '\\') out += `\\${c}`;
    else out += c;
  }
  return `${out}"`;
}

/**
 * The configuration as file text: `---`, then one `key: value` per line in the canonical order,
 * digit codes with their leading zeros, the vending key in lower-case hex, a final newline.
 * The output holds the vending key: write it only where the key may be (0600, never a log).
 * @example
 * formatStsConfig(config).split('\n')[5]; // 'decoder_key_generation_algorithm: 02'
 */
export function formatStsConfig(config: StsConfig): string {
  if (config === null || typeof config !== 'object')
    throw new TypeError('config must be an StsConfig object');
  const key = config.vendingKey;
  if (!(key instanceof Uint8Array)) throw new TypeError('config.vendingKey must be a Uint8Array');
  if (key.length !== 8 && key.length !== 20) {
    throw new RangeError(`config.vendingKey must be 8 or 20 bytes, got ${key.length}`);
  }
  const values: Record<(typeof FIELD_KEYS)[number], string> = {
    name: quoteName(config.name),
    key_expiry_no: String(config.keyExpiryNo),
    encryption_algorithm: config.encryptionAlgorithm,
    token_carrier_type: config.tokenCarrierType,
    decoder_key_generation_algorithm: config.decoderKeyGenerationAlgorithm,
    tariff_index: config.tariffIndex,
    key_revision_no: String(config.keyRevisionNo),
    vending_key: bytesToHex(key).toLowerCase(),
    supply_group_code: config.supplyGroupCode,
    key_type: String(config.keyType),
    base_date: String(config.baseDate),
    issuer_identification_no: config.issuerIdentificationNo,
  };
  let text = '---\n';
  for (const field of FIELD_KEYS) text += `${field}: ${values[field]}\n`;
  return text;
}
