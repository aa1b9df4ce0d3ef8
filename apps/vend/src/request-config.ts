// Turns a configuration read from a file into the `config` object of a batch request (Nectar's keys).
// The single-token commands build exactly the request a batch line would carry, so one code path serves both.
import type { StsConfig } from 'sts-config';
import { bytesToHex } from 'sts-crypto';

/** The snake_case object of a batch request's `config`, as in vectors/sts-public.json. Holds the vending key. */
export type RequestConfig = Record<string, string | number>;

export function requestConfig(config: StsConfig): RequestConfig {
  return {
    name: config.name,
    key_expiry_no: config.keyExpiryNo,
    encryption_algorithm: config.encryptionAlgorithm,
    token_carrier_type: config.tokenCarrierType,
    decoder_key_generation_algorithm: config.decoderKeyGenerationAlgorithm,
    tariff_index: config.tariffIndex,
    key_revision_no: config.keyRevisionNo,
    vending_key: bytesToHex(config.vendingKey),
    supply_group_code: config.supplyGroupCode,
    key_type: config.keyType,
    base_date: config.baseDate,
    issuer_identification_no: config.issuerIdentificationNo,
  };
}
