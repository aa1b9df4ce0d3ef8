// A prepared decoder key: the cipher's key schedule plus the attributes a token needs (base date, KEN, KT).
// Built from raw key bytes (prepareKey) or derived from an STS configuration and a DRN (keyFromConfig, §10).
import { checkDrn } from 'sts-config';
import {
  type BaseDate,
  type DecoderKeyDeriver,
  type Dkga,
  deriveDecoderKey,
  type EncryptionAlgorithm,
  hexToBytes,
  type PreparedBlockCipher,
  prepareDecoderKeyDerivation,
  prepareDesKey,
  prepareMisty1Key,
  prepareStaKey,
  wipe,
} from 'sts-crypto';
import { internalError, TokenError } from './errors.ts';

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
  /** 8 bytes (STA, DEA) or 16 bytes (MISTY1), or the same as hex. Not retained: the caller may wipe its own. */
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

const KEY_LENGTH: Record<EncryptionAlgorithm, number> = { sta: 8, dea: 8, misty1: 16 };

class PreparedKey implements PreparedDecoderKey {
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly baseDate: BaseDate;
  readonly keyExpiryNo: number;
  readonly keyType: number | null;
  #cipher: PreparedBlockCipher | null;

  constructor(cipher: PreparedBlockCipher, o: DecoderKeyOptions) {
    this.#cipher = cipher;
    this.encryptionAlgorithm = o.encryptionAlgorithm;
    this.baseDate = o.baseDate;
    this.keyExpiryNo = o.keyExpiryNo ?? 255;
    this.keyType = o.keyType ?? null;
  }
  encrypt64(hi: number, lo: number, out: Uint32Array): void {
    const c = this.#cipher;
    if (c === null) throw destroyed();
    c.encrypt64(hi, lo, out);
  }
  decrypt64(hi: number, lo: number, out: Uint32Array): void {
    const c = this.#cipher;
    if (c === null) throw destroyed();
    c.decrypt64(hi, lo, out);
  }
  destroy(): void {
    this.#cipher?.destroy();
    this.#cipher = null;
  }
  toString(): string {
    return `[PreparedDecoderKey ${this.encryptionAlgorithm}]`;
  }
  toJSON(): string {
    return this.toString();
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function destroyed(): Error {
  return new TypeError('the prepared decoder key was destroyed');
}

/**
 * Prepare a decoder key.
 * @example
 * const key = prepareKey({ decoderKey: 'E653341F9D5BF36F', encryptionAlgorithm: 'sta', baseDate: 1993 });
 */
export function prepareKey(options: DecoderKeyOptions): PreparedDecoderKey {
  const { encryptionAlgorithm: ea, baseDate, keyExpiryNo, keyType } = options;
  if (ea !== 'sta' && ea !== 'dea' && ea !== 'misty1')
    throw new TokenError(
      'invalid-algorithm',
      `encryptionAlgorithm must be sta, dea or misty1, got ${String(ea)}`,
    );
  if (baseDate !== 1993 && baseDate !== 2014 && baseDate !== 2035)
    throw new TokenError('invalid-base-date', `baseDate must be 1993, 2014 or 2035, got ${String(baseDate)}`);
  if (keyExpiryNo !== undefined && (!Number.isInteger(keyExpiryNo) || keyExpiryNo < 0 || keyExpiryNo > 255))
    throw new TokenError(
      'invalid-key-expiry-no',
      `keyExpiryNo must be an integer 0..255, got ${String(keyExpiryNo)}`,
    );
  if (keyType !== undefined && (!Number.isInteger(keyType) || keyType < 0 || keyType > 3))
    throw new TokenError('invalid-field', `keyType must be an integer 0..3, got ${String(keyType)}`);
  const want = KEY_LENGTH[ea];
  const raw = options.decoderKey;
  if (raw instanceof Uint8Array) {
    if (raw.length !== want)
      throw new TokenError('invalid-key', `decoderKey must be ${want} bytes for ${ea}, got ${raw.length}`);
    // The cipher's schedule is computed from the bytes and keeps no reference to them: no copy to wipe.
    return new PreparedKey(prepareCipher(ea, raw), options);
  }
  if (typeof raw !== 'string')
    throw new TokenError('invalid-key', 'decoderKey must be a Uint8Array or a hex string');
  if (!/^[0-9a-fA-F]*$/.test(raw) || raw.length !== want * 2)
    throw new TokenError(
      'invalid-key',
      `decoderKey must be ${want * 2} hex digits for ${ea} (the key is not shown)`,
    );
  const bytes = hexToBytes(raw, 'decoderKey');
  try {
    return new PreparedKey(prepareCipher(ea, bytes), options);
  } finally {
    wipe(bytes);
  }
}

function prepareCipher(ea: EncryptionAlgorithm, bytes: Uint8Array): PreparedBlockCipher {
  return ea === 'sta'
    ? prepareStaKey(bytes)
    : ea === 'misty1'
      ? prepareMisty1Key(bytes)
      : prepareDesKey(bytes);
}

/** Throws `invalid-drn` when the DRN does not fit the configuration (length, digits, check digit). */
export function checkConfigDrn(config: StsConfigLike, drn: unknown): string {
  if (typeof drn !== 'string') throw new TokenError('invalid-drn', 'drn must be a string of decimal digits');
  const r = checkDrn(drn, config as Parameters<typeof checkDrn>[1]);
  if (!r.ok)
    throw new TokenError('invalid-drn', r.message.startsWith('DRN') ? r.message : `drn: ${r.message}`);
  return drn;
}

/** The derivation parameters of a configuration, without the DRN. */
export function derivationParams(config: StsConfigLike) {
  return {
    dkga: config.decoderKeyGenerationAlgorithm as Dkga,
    vendingKey: config.vendingKey,
    issuerIdentificationNo: config.issuerIdentificationNo,
    keyType: config.keyType,
    supplyGroupCode: config.supplyGroupCode,
    tariffIndex: config.tariffIndex,
    keyRevisionNo: config.keyRevisionNo,
    baseDate: config.baseDate as BaseDate,
    encryptionAlgorithm: config.encryptionAlgorithm,
  };
}

/** Wrap an sts-crypto derivation failure (e.g. DKGA01 not supported) as `invalid-config`. */
export function asConfigError(e: unknown): TokenError {
  if (e instanceof TokenError) return e;
  // sts-crypto reports a rule the configuration breaks as a RangeError naming the field, and DKGA01/03
  // as "not supported"; anything else (a TypeError from a bad property read, …) is a bug, not bad input.
  if (e instanceof RangeError || (e instanceof Error && e.message.includes('not supported')))
    return new TokenError('invalid-config', `config: ${e.message}`);
  return internalError(e);
}

/** The raw decoder key bytes of meter `drn` (for a key change's new key). The caller wipes them. */
export function deriveKeyFromConfig(config: StsConfigLike, drn: string): Uint8Array {
  checkConfigDrn(config, drn);
  try {
    return deriveDecoderKey({ ...derivationParams(config), drn });
  } catch (e) {
    throw asConfigError(e);
  }
}

/**
 * The decoder-key derivation of a configuration with everything but the DRN prepared once (sts-crypto's
 * DecoderKeyDeriver: DES schedule or HMAC states), for many meters of one configuration. The caller checks
 * each DRN. Throws `invalid-config`.
 * @example
 * const deriver = prepareConfigDerivation(config);
 * const bytes = deriver.derive('47500150231'); // then prepareConfigKey(config, bytes) or prepareKey(…)
 */
export function prepareConfigDerivation(config: StsConfigLike): DecoderKeyDeriver {
  try {
    return prepareDecoderKeyDerivation(derivationParams(config));
  } catch (e) {
    throw asConfigError(e);
  }
}

/** Prepare raw key bytes with a configuration's attributes, then wipe the bytes. */
export function prepareConfigKey(config: StsConfigLike, keyBytes: Uint8Array): PreparedDecoderKey {
  try {
    return prepareKey({
      decoderKey: keyBytes,
      encryptionAlgorithm: config.encryptionAlgorithm,
      baseDate: config.baseDate as BaseDate,
      keyExpiryNo: config.keyExpiryNo,
      keyType: config.keyType,
    });
  } finally {
    wipe(keyBytes);
  }
}

/**
 * Derive the decoder key of meter `drn` from an STS configuration (DKGA02/04 through sts-crypto) and prepare it.
 * Throws TokenError `invalid-drn` (length or check digit) or `invalid-config`.
 * @example
 * const key = keyFromConfig(config, '47500150231');
 */
export function keyFromConfig(config: StsConfigLike, drn: string): PreparedDecoderKey {
  return prepareConfigKey(config, deriveKeyFromConfig(config, drn));
}
