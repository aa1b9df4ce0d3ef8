// The storage interface of sts-service: every query the service makes, behind one small surface.
// SQLite (sqlite-store.ts) is the first implementation; PostgreSQL is meant to be the second (issue 12).

import type { SharedTokenFields, TokenColumns } from '../audit.ts';

/** An API credential. The secret is sealed under the master key; only the key boundary opens it. */
export interface CredentialRecord {
  key: string;
  tenant: string;
  name: string;
  permissions: readonly string[];
  sealedSecret: Uint8Array;
  createdAt: string;
  revokedAt: string | null;
}

/** A tenant's signer public key: bundles must carry a digest that one of the activated keys verifies. */
export interface PublicKeyRecord {
  tenant: string;
  ref: string;
  name: string;
  pem: string;
  fingerprint: string;
  activated: boolean;
  createdAt: string;
}

/** What may be shown of a configuration: every field but the vending key, which is shown by its KCV. */
export interface ConfigSummary {
  name: string;
  key_expiry_no: number;
  encryption_algorithm: string;
  token_carrier_type: string;
  decoder_key_generation_algorithm: string;
  tariff_index: string;
  key_revision_no: number;
  supply_group_code: string;
  key_type: number;
  base_date: number;
  issuer_identification_no: string;
  vending_key_kcv: string;
  vending_key_kcv_method: string;
  vending_key_bits: number;
}

export interface ConfigurationRecord {
  tenant: string;
  ref: string;
  profile: string;
  summary: ConfigSummary;
  /** The configuration file, AES-256-GCM under the master key, tenant and ref as associated data. */
  sealed: Uint8Array;
  signerRef: string;
  activated: boolean;
  createdAt: string;
}

/** One issued token, as the ledger keeps it. `tid` is null for class 1 and key-change tokens. */
export interface TokenRecord {
  ref: string;
  tenant: string;
  meter: string;
  configRef: string;
  tokenNo: string;
  tokenType: string;
  class: number;
  subclass: number;
  tid: number | null;
  value: string | null;
  userRef: string;
  requestId: string;
  createdAt: string;
}

/** A change to be appended to the audit chain (the store adds seq, prev_hash and hash). */
export interface AuditInput {
  at: string;
  tenant: string;
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: string;
  tenant: string;
  actor: string;
  action: string;
  subject: string;
  /** JSON text, exactly as hashed. */
  detail: string;
  prevHash: string;
  hash: string;
}

/** A stored answer of an Idempotency-Key request. */
export interface IdempotentAnswer {
  requestHash: string;
  status: number;
  body: string;
}

export interface RecordTokensInput {
  tenant: string;
  tokens: readonly TokenRecord[];
  /**
   * 'all': one transaction, any TID already issued aborts it (a single request).
   * 'each': rows whose TID is taken are left out, the others committed (a batch chunk).
   */
  mode: 'all' | 'each';
  /** The meter's configuration after these tokens (a key change), recorded in the same transaction. */
  meterConfig?: { meter: string; configRef: string };
  /**
   * The configuration the tokens were made with: refused ('meter-moved') when a key change has moved
   * the meter to another one (the meter would reject them as CRC errors).
   */
  meterOn?: { meter: string; configRef: string };
  idempotency?: { key: string; answer: IdempotentAnswer };
  audit: Omit<AuditInput, 'detail'> & { detail: Record<string, unknown> };
}

/** A batch chunk's ledger rows in columns (see audit.ts), for stores that take them without a record per row. */
export interface RecordTokenColumnsInput {
  shared: SharedTokenFields;
  /** TOKEN_COLUMNS values per row. */
  values: TokenColumns;
  /** columnsDigest of all the rows (made beside them); the store digests again only if it leaves some out. */
  digest: string;
  audit: AuditInput;
}

/** The outcome of recordTokens: `inserted[i]` false when token i's TID was already issued to its meter. */
export type RecordTokensResult =
  | { ok: true; inserted: boolean[] }
  | { ok: false; reason: 'tid-taken' | 'idempotency-key-used' }
  | { ok: false; reason: 'meter-moved'; current: string };

/**
 * Everything the service stores. Asynchronous so that a networked database fits behind it; an
 * implementation keeps each method atomic (one transaction) and the uniqueness rules as real
 * constraints: one TID per (tenant, meter), one nonce per credential, one answer per idempotency key.
 */
export interface Store {
  readonly kind: string;
  close(): Promise<void>;

  insertCredential(c: CredentialRecord, audit: AuditInput): Promise<void>;
  credential(key: string): Promise<CredentialRecord | undefined>;
  credentials(): Promise<CredentialRecord[]>;
  /** False when there is no such unrevoked credential. */
  revokeCredential(key: string, audit: AuditInput): Promise<boolean>;
  /** Records a nonce until `expiresAt` (ms); false when the credential already used it. Drops expired ones. */
  useNonce(credential: string, nonce: string, expiresAt: number, now: number): Promise<boolean>;

  insertPublicKey(r: PublicKeyRecord, audit: AuditInput): Promise<void>;
  publicKeys(tenant: string, activated?: boolean): Promise<PublicKeyRecord[]>;
  publicKey(tenant: string, ref: string): Promise<PublicKeyRecord | undefined>;
  setPublicKeyActivated(tenant: string, ref: string, on: boolean, audit: AuditInput): Promise<boolean>;

  insertConfiguration(r: ConfigurationRecord, audit: AuditInput): Promise<void>;
  configuration(tenant: string, ref: string): Promise<ConfigurationRecord | undefined>;
  /** The tenant's configurations, oldest first, at most `limit`. */
  configurations(tenant: string, limit: number): Promise<ConfigurationRecord[]>;
  setConfigurationActivated(tenant: string, ref: string, on: boolean, audit: AuditInput): Promise<boolean>;

  /** The configuration a meter was last moved to by a key change, if any. */
  meterConfig(tenant: string, meter: string): Promise<string | undefined>;
  /** The configurations a key change moved these meters to (only the meters that have one). */
  meterConfigs(tenant: string, meters: readonly string[]): Promise<Map<string, string>>;
  /** Every TID from `from` upwards issued to each of these meters, ascending (meters with none left out). */
  issuedTidsOfMeters(tenant: string, meters: readonly string[], from: number): Promise<Map<string, number[]>>;
  /** TIDs issued to a meter from `from` upwards, ascending, at most `limit`. */
  issuedTids(tenant: string, meter: string, from: number, limit: number): Promise<number[]>;
  /**
   * A store shared by several processes hands out TIDs itself: the meter's next TID at or after
   * `from`, never the same twice (PostgreSQL: a counter row per meter). Absent: allocation searches
   * the ledger and this process's TIDs in flight.
   */
  reserveTid?(tenant: string, meter: string, from: number): Promise<number>;
  recordTokens(input: RecordTokensInput): Promise<RecordTokensResult>;
  /**
   * recordTokens in mode 'each' for rows in columns: `inserted[i]` false when row i's TID was already
   * issued to its meter. Optional: a batch without it records TokenRecords.
   */
  recordTokenColumns?(input: RecordTokenColumnsInput): Promise<boolean[]>;
  /**
   * Resolves when the store's write-ahead log is within its bound (SQLite with a checkpoint thread):
   * a long write, a batch, waits for it between chunks instead of outrunning the checkpoints.
   */
  walDrained?(): Promise<void>;
  token(tenant: string, ref: string): Promise<TokenRecord | undefined>;
  /** A meter's last tokens in the ledger, newest first, at most `limit`. */
  meterTokens(tenant: string, meter: string, limit: number): Promise<TokenRecord[]>;
  countTokens(tenant?: string): Promise<number>;
  idempotentAnswer(tenant: string, key: string): Promise<IdempotentAnswer | undefined>;

  /** The audit chain in order, streamed. */
  auditEntries(): AsyncIterable<AuditEntry>;
  /** The ledger rows an audit entry covers, in insertion order. */
  tokensOfAudit(seq: number): Promise<TokenRecord[]>;
  /** Ledger rows that no audit entry covers (an inserted row). */
  unauditedTokens(): Promise<number>;
}
