// A prepared decoder key: the cipher's key schedule plus the attributes a token needs (base date, KEN, KT).
// Built from raw key bytes (prepareKey) or derived from an STS configuration and a DRN (keyFromConfig, §10).
import type { BaseDate, EncryptionAlgorithm } from './types.ts';

/** The fields of sts-config's `StsConfig` that sts-token reads (camelCase, vendingKey a Uint8Array). */
export interface StsConfigLike {
  readonly keyExpiryNo: number;
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly decoderKeyGenerationAlgorithm: string;
  readonly tariffIndex: string;
  readonly keyRevisionNo: number;
  readonly vendingKey: Uint8Array;
  readonly supplyGroupCode: string;
  readonly keyType: number;
  readonly baseDate: number;
  readonly issuerIdentificationNo: string;
}

/** Options of prepareKey. */
export interface DecoderKeyOptions {
  /** 8 bytes (STA, DEA) or 16 bytes (MISTY1), or the same as hex. Copied; the caller may wipe its own. */
  decoderKey: Uint8Array | string;
  encryptionAlgorithm: EncryptionAlgorithm;
  baseDate: BaseDate;
  /** KEN 0..255; default 255 (never expires). Tokens whose TID >> 16 exceeds it are refused (`key-expired`). */
  keyExpiryNo?: number;
  /** KT 0..3, informational (the meter simulator reads it). Default null. */
  keyType?: number;
}

/**
 * A decoder key ready for millions of tokens: no allocation per block.
 * Never shows its key in toString/toJSON/inspect. Call destroy() to wipe it.
 */
export interface PreparedDecoderKey {
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly baseDate: BaseDate;
  readonly keyExpiryNo: number;
  readonly keyType: number | null;
  /** Encrypt the 64-bit data block (hi, lo) into out[0], out[1]. */
  encrypt64(hi: number, lo: number, out: Uint32Array): void;
  /** Decrypt the 64-bit data block (hi, lo) into out[0], out[1]. */
  decrypt64(hi: number, lo: number, out: Uint32Array): void;
  /** Wipe the key schedule; any later use throws. */
  destroy(): void;
}

/**
 * Prepare a decoder key.
 * @example
 * const key = prepareKey({ decoderKey: 'E653341F9D5BF36F', encryptionAlgorithm: 'sta', baseDate: 1993 });
 */
export function prepareKey(_options: DecoderKeyOptions): PreparedDecoderKey {
  throw new Error('in progress');
}

/**
 * Derive the decoder key of meter `drn` from an STS configuration (DKGA02/04 through sts-crypto) and prepare it.
 * Throws TokenError `invalid-drn` (length or check digit) or `invalid-config`.
 */
export function keyFromConfig(_config: StsConfigLike, _drn: string): PreparedDecoderKey {
  throw new Error('in progress');
}

/** The raw decoder key bytes of meter `drn` (for a key change's new key). The caller wipes them. */
export function deriveKeyFromConfig(_config: StsConfigLike, _drn: string): Uint8Array {
  throw new Error('in progress');
}
