// The normalised, typed STS configuration and the result shape of every reader in this package.
// Field meanings: IEC 62055-41 key attributes (sts-reference §11.1) and Nectar's file (nectar-compat §1).

import type { BaseDate, EncryptionAlgorithm } from 'sts-crypto';
import type { StsConfigDiagnostic, StsConfigTextDiagnostic } from './diagnostics.ts';
import type { SecretBytes } from './secret.ts';

/** The key attributes defined once, in sts-crypto, and re-exported here for the config's users. */
export type { BaseDate, EncryptionAlgorithm };

/** The decoder key generation algorithms this toolkit implements (01 and 03 are refused). */
export type SupportedDkga = '02' | '04';
/** KT: 0 DITK (initialisation), 1 DDTK (default), 2 DUTK (unique), 3 DCTK (common). */
export type KeyType = 0 | 1 | 2 | 3;
/** IIN: 600727 (11-digit DRNs) or 0000 (13-digit DRNs). */
export type IssuerIdentificationNo = '600727' | '0000';

/** A valid configuration. Digit strings keep their leading zeros; `misty` is normalised to `misty1`. */
export interface StsConfig {
  readonly name: string;
  /** KEN 0–255; 255 never expires. */
  readonly keyExpiryNo: number;
  readonly encryptionAlgorithm: EncryptionAlgorithm;
  readonly tokenCarrierType: 'numeric';
  readonly decoderKeyGenerationAlgorithm: SupportedDkga;
  /** TI, two digits. */
  readonly tariffIndex: string;
  /** KRN 1–9. */
  readonly keyRevisionNo: number;
  /** 8 bytes for DKGA02, 20 bytes for DKGA04; big-endian; prints as `[secret, N bytes]`. */
  readonly vendingKey: SecretBytes;
  /** SGC, six digits. */
  readonly supplyGroupCode: string;
  readonly keyType: KeyType;
  readonly baseDate: BaseDate;
  readonly issuerIdentificationNo: IssuerIdentificationNo;
}

/** What every reader returns: the configuration and its warnings, or every error and warning. */
export type StsConfigResult<D extends StsConfigDiagnostic = StsConfigDiagnostic> =
  | { readonly ok: true; readonly config: StsConfig; readonly warnings: readonly D[] }
  | { readonly ok: false; readonly errors: readonly D[]; readonly warnings: readonly D[] };

/** What `parseStsConfig` returns: every error and warning has a line and a column. */
export type StsConfigTextResult = StsConfigResult<StsConfigTextDiagnostic>;
