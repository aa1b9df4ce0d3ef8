// The SQLite implementation of the Store (better-sqlite3, WAL): the embedded default of sts-service.
// Each method is one transaction; TIDs, nonces and idempotency keys are unique by constraint.
import { closeSync, openSync, readSync } from 'node:fs';
import Database, { type Statement } from 'better-sqlite3';
import { auditHash, GENESIS_HASH, TOKEN_COLUMNS, TOKENS_ISSUED, tokenAt, tokensDigest } from '../audit.ts';
import { credentialRecord, publicKeyRecord } from './key-rows.ts';
import { Checkpointer } from './sqlite-checkpointer.ts';
import { sqliteSchemaError, sqliteSchemaVersion } from './sqlite-schema.ts';
import type {
  AuditEntry,
  AuditInput,
  ConfigurationRecord,
  CredentialRecord,
  IdempotentAnswer,
  PublicKeyRecord,
  RecordTokenColumnsInput,
  RecordTokensInput,
  RecordTokensResult,
  Store,
  TokenRecord,
} from './store.ts';
import { type TokenRow, tokenRecord } from './token-row.ts';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE credentials (
  key TEXT PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL, permissions TEXT NOT NULL,
  sealed_secret BLOB NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE nonces (
  credential TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (credential, nonce)) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces (expires_at);
CREATE TABLE public_keys (
  tenant TEXT NOT NULL, ref TEXT NOT NULL, name TEXT NOT NULL, pem TEXT NOT NULL,
  fingerprint TEXT NOT NULL, activated INTEGER NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, ref));
CREATE TABLE configurations (
  tenant TEXT NOT NULL, ref TEXT NOT NULL, profile TEXT NOT NULL, summary TEXT NOT NULL,
  sealed BLOB NOT NULL, signer_ref TEXT NOT NULL, activated INTEGER NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (tenant, ref));
CREATE TABLE meters (
  tenant TEXT NOT NULL, meter TEXT NOT NULL, config_ref TEXT NOT NULL, updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant, meter)) WITHOUT ROWID;
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, tenant TEXT NOT NULL, meter TEXT NOT NULL,
  config_ref TEXT NOT NULL, token_no TEXT NOT NULL, token_type TEXT NOT NULL, class INTEGER NOT NULL,
  subclass INTEGER NOT NULL, tid INTEGER, value TEXT, user_ref TEXT NOT NULL, request_id TEXT NOT NULL,
  created_at TEXT NOT NULL, audit_seq INTEGER NOT NULL);
-- The rule of the ledger: a meter never gets two tokens with one TID (NULL TIDs are distinct).
CREATE UNIQUE INDEX tokens_tid ON tokens (tenant, meter, tid);
-- No index on audit_seq: it rises with id (see tokensOfAudit). Databases made before 2026-12-02 have
-- one (tokens_audit): nothing reads it any more, but their inserts still write it.
CREATE TABLE idempotency (
  tenant TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, status INTEGER NOT NULL,
  body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (tenant, key)) WITHOUT ROWID;
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, tenant TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
`;

class TidTaken extends Error {}

function isUniqueViolation(e: unknown): boolean {
  return (
    (e as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    (e as { code?: unknown })?.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** Create the database file (mode 0600, exclusive) and its schema. */
export function createSqliteDatabase(file: string): void {
  closeSync(openSync(file, 'wx', 0o600));
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  } finally {
    db.close();
  }
}

/**
 * Open an existing database. WAL with synchronous=NORMAL: a commit survives the process being killed
 * (kill -9); a power cut may lose the last commits (synchronous=FULL with `durable: true`).
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(file, options);
}

export interface SqliteStoreOptions {
  durable?: boolean;
  readonly?: boolean;
  /** Checkpoint the WAL from a thread of its own (a server) instead of inside commits (a command). */
  backgroundCheckpoints?: boolean;
  /** With background checkpoints: WAL frames past which walDrained() waits for the checkpoints. */
  walBacklogFrames?: number;
}

/** 32,768 frames of 4 KiB pages, 128 MiB: twice the size at which the checkpoint thread restarts the WAL. */
const WAL_BACKLOG_FRAMES = 32_768;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();
  /** The writes of one turn in one transaction, each in its own savepoint; both wrappers made once. */
  readonly #group: Database.Transaction<
    (ops: QueuedWrite[], outcomes: { ok: boolean; value: unknown }[]) => void
  >;
  readonly #savepoint: Database.Transaction<(run: () => unknown) => unknown>;
  #lastSeq = 0;
  #lastHash = GENESIS_HASH;
  #lastExpiry = 0;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  readonly #s;
  /**
   * Credentials and configurations as last read, valid while no other connection has committed
   * (PRAGMA data_version, looked at once per turn of the event loop; a CLI revocation is seen by the
   * next request) and cleared by this store's own writes to them. A lookup outside a transaction
   * costs several system calls of locking; these two are on every token request.
   */
  readonly #credentialCache = new Map<string, CredentialRecord>();
  readonly #configurationCache = new Map<string, ConfigurationRecord>();
  #dataVersion = -1;
  #versionSeen = false;

  #checkpointer: Checkpointer | undefined;
  #checkpointerAlive = false;
  /** The wal-index (the -shm file), read for how far the checkpoints are behind; with background checkpoints. */
  #shm: number | undefined;
  readonly #shmHeader = Buffer.alloc(100);
  readonly #backlogLimit: number;

  constructor(file: string, options: SqliteStoreOptions) {
    this.#db = new Database(file, { fileMustExist: true, readonly: options.readonly === true });
    const db = this.#db;
    // Before any pragma, thread or write: a database of another version is left as it is.
    const version = sqliteSchemaVersion(db);
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw sqliteSchemaError(file, version, SCHEMA_VERSION);
    }
    this.#savepoint = db.transaction((run: () => unknown) => run());
    this.#group = db.transaction((ops: QueuedWrite[], outcomes: { ok: boolean; value: unknown }[]) => {
      // The head is read under the write lock: another process (a CLI command) may have appended.
      const last = this.#s.lastAudit.get() as { seq: number; hash: string } | undefined;
      this.#lastSeq = last?.seq ?? 0;
      this.#lastHash = last?.hash ?? GENESIS_HASH;
      for (const op of ops) {
        const seq = this.#lastSeq;
        const hash = this.#lastHash;
        try {
          outcomes.push({ ok: true, value: this.#savepoint(op.run) });
        } catch (e) {
          this.#lastSeq = seq;
          this.#lastHash = hash;
          outcomes.push({ ok: false, value: e });
        }
      }
    });
    if (options.readonly !== true) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.durable === true ? 'FULL' : 'NORMAL'}`);
    }
    db.pragma('busy_timeout = 5000');
    if (options.backgroundCheckpoints === true && options.readonly !== true) {
      db.pragma('wal_autocheckpoint = 0');
      // The WAL file is cut back to this size when a writer restarts it after a full checkpoint.
      db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
      this.#checkpointer = new Checkpointer(file, () => {
        this.#checkpointerAlive = false;
        if (db.open) db.pragma('wal_autocheckpoint = 1000');
      });
      this.#checkpointerAlive = true;
      db.pragma('schema_version'); // a read: the -shm file exists from here on
      this.#shm = openSync(`${file}-shm`, 'r');
    }
    this.#backlogLimit = options.walBacklogFrames ?? WAL_BACKLOG_FRAMES;
    // 8 MiB of page cache. With 64 MiB each commit spent longer in SQLite's pcache1TruncateUnsafe
    // (called from pager_end_transaction; 4-5% of a 1 M-line batch's serving thread, 0.15% at 8 MiB),
    // and inserts were no faster, in meter order or at random.
    db.pragma('cache_size = -8192');
    this.#s = {
      insertCredential: db.prepare(
        'INSERT INTO credentials (key, tenant, name, permissions, sealed_secret, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)',
      ),
      credential: db.prepare('SELECT * FROM credentials WHERE key = ?'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      credentials: db.prepare('SELECT * FROM credentials ORDER BY created_at, key'),
      revoke: db.prepare('UPDATE credentials SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL'),
      insertNonce: db.prepare(
        'INSERT OR IGNORE INTO nonces (credential, nonce, expires_at) VALUES (?, ?, ?)',
      ),
      expireNonces: db.prepare('DELETE FROM nonces WHERE expires_at < ?'),
      insertPublicKey: db.prepare(
        'INSERT INTO public_keys (tenant, ref, name, pem, fingerprint, activated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      publicKeys: db.prepare('SELECT * FROM public_keys WHERE tenant = ? ORDER BY created_at, ref'),
      publicKeysActivated: db.prepare(
        'SELECT * FROM public_keys WHERE tenant = ? AND activated = ? ORDER BY created_at, ref',
      ),
      publicKey: db.prepare('SELECT * FROM public_keys WHERE tenant = ? AND ref = ?'),
      activatePublicKey: db.prepare('UPDATE public_keys SET activated = ? WHERE tenant = ? AND ref = ?'),
      insertConfiguration: db.prepare(
        'INSERT INTO configurations (tenant, ref, profile, summary, sealed, signer_ref, activated, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      configuration: db.prepare('SELECT * FROM configurations WHERE tenant = ? AND ref = ?'),
      configurationRefs: db
        .prepare('SELECT ref FROM configurations WHERE tenant = ? ORDER BY created_at, ref LIMIT ?')
        .pluck(),
      activateConfiguration: db.prepare(
        'UPDATE configurations SET activated = ? WHERE tenant = ? AND ref = ?',
      ),
      meterConfig: db.prepare('SELECT config_ref FROM meters WHERE tenant = ? AND meter = ?'),
      anyMeter: db.prepare('SELECT 1 FROM meters WHERE tenant = ? LIMIT 1').pluck(),
      setMeterConfig: db.prepare(
        'INSERT INTO meters (tenant, meter, config_ref, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, meter) DO UPDATE SET config_ref = excluded.config_ref, updated_at = excluded.updated_at',
      ),
      issuedTids: db
        .prepare('SELECT tid FROM tokens WHERE tenant = ? AND meter = ? AND tid >= ? ORDER BY tid LIMIT ?')
        .pluck(),
      token: db.prepare('SELECT * FROM tokens WHERE tenant = ? AND ref = ?'),
      meterTokens: db.prepare('SELECT * FROM tokens WHERE tenant = ? AND meter = ? ORDER BY id DESC LIMIT ?'),
      countTokens: db.prepare('SELECT count(*) FROM tokens').pluck(),
      countTenantTokens: db.prepare('SELECT count(*) FROM tokens WHERE tenant = ?').pluck(),
      idempotency: db.prepare(
        'SELECT request_hash, status, body FROM idempotency WHERE tenant = ? AND key = ?',
      ),
      insertIdempotency: db.prepare(
        'INSERT INTO idempotency (tenant, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertAudit: db.prepare(
        'INSERT INTO audit (seq, at, tenant, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      lastAudit: db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
      audit: db.prepare('SELECT * FROM audit ORDER BY seq'),
      tokenFrom: db.prepare('SELECT id, audit_seq FROM tokens WHERE id >= ? ORDER BY id LIMIT 1').raw(),
      tokenIds: db.prepare('SELECT min(id), max(id) FROM tokens').raw(),
      tokensFrom: db.prepare('SELECT * FROM tokens WHERE id >= ? ORDER BY id'),
      unaudited: db
        .prepare('SELECT count(*) FROM tokens WHERE audit_seq NOT IN (SELECT seq FROM audit)')
        .pluck(),
    };
  }

  /** Drop the caches when another connection has committed since the last look (at most once per turn). */
  #fresh(): void {
    if (this.#versionSeen) return;
    this.#versionSeen = true;
    setImmediate(() => {
      this.#versionSeen = false;
    });
    const v = this.#s.dataVersion.get() as number;
    if (v !== this.#dataVersion) {
      this.#dataVersion = v;
      this.#forget();
    }
  }

  #forget(): void {
    this.#credentialCache.clear();
    this.#configurationCache.clear();
  }

  /**
   * Whether the WAL holds more than walBacklogFrames frames and not all are copied back yet: mxFrame
   * is byte 16 of the wal-index header, nBackfill byte 96. Read without a lock: a value torn by a
   * concurrent update only moves one wait by one poll. Once all is copied the next commit starts
   * the WAL over.
   */
  #walBehind(): boolean {
    readSync(this.#shm!, this.#shmHeader, 0, 100, 0);
    const frames = this.#shmHeader.readUInt32LE(16);
    return frames > this.#backlogLimit && frames > this.#shmHeader.readUInt32LE(96);
  }

  /**
   * Waits while the WAL is past its bound and the checkpoint thread has not caught up. Without this
   * a batch with meters in random order (a WAL page per row) outran a passive checkpoint of
   * scattered pages, which copies only what was there when it began, and the WAL reached 205-499 MB.
   */
  async walDrained(): Promise<void> {
    const started = Date.now();
    while (
      this.#shm !== undefined &&
      this.#checkpointerAlive &&
      this.#walBehind() &&
      Date.now() - started < 30_000
    )
      await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#checkpointerAlive = false;
    if (this.#shm !== undefined) closeSync(this.#shm);
    this.#shm = undefined;
    if (this.#db.open) this.#db.close();
  }

  /** Append to the chain inside the caller's transaction; the cached head moves only after commit. */
  #appendAudit(a: AuditInput, pending: { seq: number; hash: string }): void {
    const seq = this.#lastSeq + 1;
    const detail = JSON.stringify(a.detail);
    const hash = auditHash(this.#lastHash, seq, { ...a, detail });
    this.#s.insertAudit.run(seq, a.at, a.tenant, a.actor, a.action, a.subject, detail, this.#lastHash, hash);
    pending.seq = seq;
    pending.hash = hash;
  }

  /** Run `body` (inside a write) with an audit entry; the chain head moves when it returns. */
  #withAudit<T>(body: (pending: { seq: number; hash: string }) => T): T {
    const pending = { seq: 0, hash: '' };
    const result = body(pending);
    if (pending.seq !== 0) {
      this.#lastSeq = pending.seq;
      this.#lastHash = pending.hash;
    }
    return result;
  }

  /**
   * Group commit: the writes asked for in one turn of the event loop run in one IMMEDIATE transaction,
   * each in its own savepoint (one that throws is rolled back alone), and every promise settles only
   * after the commit. A commit per request cost more than all the rest of a token request.
   */
  #write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const ops = this.#queue;
    this.#queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.#group.immediate(ops, outcomes);
    } catch (e) {
      for (const op of ops) op.reject(e);
      return;
    }
    ops.forEach((op, i) => {
      const o = outcomes[i]!;
      if (o.ok) op.resolve(o.value);
      else op.reject(o.value);
    });
  }

  async insertCredential(c: CredentialRecord, audit: AuditInput): Promise<void> {
    await this.#write(() =>
      this.#withAudit((p) => {
        this.#forget();
        this.#s.insertCredential.run(
          c.key,
          c.tenant,
          c.name,
          c.permissions.join(','),
          c.sealedSecret,
          c.createdAt,
        );
        this.#appendAudit(audit, p);
      }),
    );
  }

  async credential(key: string): Promise<CredentialRecord | undefined> {
    this.#fresh();
    const cached = this.#credentialCache.get(key);
    if (cached !== undefined) return cached;
    const r = this.#s.credential.get(key) as Record<string, unknown> | undefined;
    if (r === undefined) return undefined; // unknown keys are not cached: anyone can send them
    return remember(this.#credentialCache, key, credentialRecord(r));
  }

  async credentials(): Promise<CredentialRecord[]> {
    return (this.#s.credentials.all() as Record<string, unknown>[]).map(credentialRecord);
  }

  async revokeCredential(key: string, audit: AuditInput): Promise<boolean> {
    return this.#write(() =>
      this.#withAudit((p) => {
        this.#forget();
        if (this.#s.revoke.run(audit.at, key).changes === 0) return false;
        this.#appendAudit(audit, p);
        return true;
      }),
    );
  }

  async useNonce(credential: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    // Expired nonces are dropped at most once a second: a DELETE per request cost as much as the insert.
    return this.#write(() => {
      if (now - this.#lastExpiry >= 1000) {
        this.#s.expireNonces.run(now);
        this.#lastExpiry = now;
      }
      return this.#s.insertNonce.run(credential, nonce, expiresAt).changes === 1;
    });
  }

  async insertPublicKey(r: PublicKeyRecord, audit: AuditInput): Promise<void> {
    await this.#write(() =>
      this.#withAudit((p) => {
        this.#s.insertPublicKey.run(
          r.tenant,
          r.ref,
          r.name,
          r.pem,
          r.fingerprint,
          r.activated ? 1 : 0,
          r.createdAt,
        );
        this.#appendAudit(audit, p);
      }),
    );
  }

  async publicKeys(tenant: string, activated?: boolean): Promise<PublicKeyRecord[]> {
    const rows =
      activated === undefined
        ? this.#s.publicKeys.all(tenant)
        : this.#s.publicKeysActivated.all(tenant, activated ? 1 : 0);
    return (rows as Record<string, unknown>[]).map(publicKeyRecord);
  }

  async publicKey(tenant: string, ref: string): Promise<PublicKeyRecord | undefined> {
    const r = this.#s.publicKey.get(tenant, ref) as Record<string, unknown> | undefined;
    return r === undefined ? undefined : publicKeyRecord(r);
  }

  async setPublicKeyActivated(tenant: string, ref: string, on: boolean, audit: AuditInput): Promise<boolean> {
    return this.#write(() =>
      this.#withAudit((p) => {
        if (this.#s.activatePublicKey.run(on ? 1 : 0, tenant, ref).changes === 0) return false;
        this.#appendAudit(audit, p);
        return true;
      }),
    );
  }

  async insertConfiguration(r: ConfigurationRecord, audit: AuditInput): Promise<void> {
    await this.#write(() =>
      this.#withAudit((p) => {
        this.#forget();
        this.#s.insertConfiguration.run(
          r.tenant,
          r.ref,
          r.profile,
          JSON.stringify(r.summary),
          r.sealed,
          r.signerRef,
          r.activated ? 1 : 0,
          r.createdAt,
        );
        this.#appendAudit(audit, p);
      }),
    );
  }

  async configuration(tenant: string, ref: string): Promise<ConfigurationRecord | undefined> {
    this.#fresh();
    const id = `${tenant}\0${ref}`;
    const cached = this.#configurationCache.get(id);
    if (cached !== undefined) return cached;
    const r = this.#s.configuration.get(tenant, ref) as Record<string, unknown> | undefined;
    if (r === undefined) return undefined;
    return remember(this.#configurationCache, id, {
      tenant: r.tenant as string,
      ref: r.ref as string,
      profile: r.profile as string,
      summary: JSON.parse(r.summary as string),
      sealed: new Uint8Array(r.sealed as Buffer),
      signerRef: r.signer_ref as string,
      activated: r.activated === 1,
      createdAt: r.created_at as string,
    });
  }

  async configurations(tenant: string, limit: number): Promise<ConfigurationRecord[]> {
    const refs = this.#s.configurationRefs.all(tenant, limit) as string[];
    const records = await Promise.all(refs.map((ref) => this.configuration(tenant, ref)));
    return records.filter((r) => r !== undefined);
  }

  async setConfigurationActivated(
    tenant: string,
    ref: string,
    on: boolean,
    audit: AuditInput,
  ): Promise<boolean> {
    return this.#write(() =>
      this.#withAudit((p) => {
        this.#forget();
        if (this.#s.activateConfiguration.run(on ? 1 : 0, tenant, ref).changes === 0) return false;
        this.#appendAudit(audit, p);
        return true;
      }),
    );
  }

  async meterConfig(tenant: string, meter: string): Promise<string | undefined> {
    return (this.#s.meterConfig.get(tenant, meter) as { config_ref: string } | undefined)?.config_ref;
  }

  /**
   * A prepared statement made once per `key` (the IN lists and multi-row inserts vary in size): a short
   * key, as the texts run to thousands of characters and were rebuilt and hashed on every call.
   */
  #cached(key: string, sql: () => string): Statement {
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      if (this.#statements.size >= 64) this.#statements.clear();
      statement = this.#db.prepare(sql());
      this.#statements.set(key, statement);
    }
    return statement;
  }

  /** The INSERT of `rows` ledger rows, the fields they share given once by name (`shared`) or in each row. */
  #insertTokens(rows: number, shared: boolean): Statement {
    return this.#cached(
      `insert:${rows}:${shared}`,
      () =>
        `${INSERT_TOKEN}${Array.from({ length: rows }, () => (shared ? SHARED_TOKEN_VALUES : TOKEN_VALUES)).join(', ')}`,
    );
  }

  async meterConfigs(tenant: string, meters: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    // Most tenants have never changed a meter's key: one probe instead of a thousand.
    if (this.#s.anyMeter.get(tenant) === undefined) return out;
    for (const part of slices(meters)) {
      const rows = this.#cached(
        `meters:${part.length}`,
        () => `SELECT meter, config_ref FROM meters WHERE tenant = ? AND meter IN (${marks(part.length)})`,
      ).all(tenant, ...part) as { meter: string; config_ref: string }[];
      for (const r of rows) out.set(r.meter, r.config_ref);
    }
    return out;
  }

  async issuedTidsOfMeters(
    tenant: string,
    meters: readonly string[],
    from: number,
  ): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (const part of slices(meters)) {
      const rows = this.#cached(
        `tids:${part.length}`,
        () =>
          `SELECT meter, tid FROM tokens WHERE tenant = ? AND meter IN (${marks(part.length)}) AND tid >= ? ORDER BY meter, tid`,
      )
        .raw()
        .all(tenant, ...part, from) as [string, number][];
      for (const [m, tid] of rows) {
        const list = out.get(m);
        if (list === undefined) out.set(m, [tid]);
        else list.push(tid);
      }
    }
    return out;
  }

  async issuedTids(tenant: string, meter: string, from: number, limit: number): Promise<number[]> {
    return this.#s.issuedTids.all(tenant, meter, from, limit) as number[];
  }

  async recordTokens(input: RecordTokensInput): Promise<RecordTokensResult> {
    try {
      return await this.#write(() =>
        this.#withAudit((p) => {
          if (input.meterOn !== undefined) {
            const current = (
              this.#s.meterConfig.get(input.tenant, input.meterOn.meter) as { config_ref: string } | undefined
            )?.config_ref;
            if (current !== undefined && current !== input.meterOn.configRef)
              return { ok: false, reason: 'meter-moved', current } as const;
          }
          if (input.idempotency !== undefined) {
            const a = input.idempotency.answer;
            try {
              this.#s.insertIdempotency.run(
                input.tenant,
                input.idempotency.key,
                a.requestHash,
                a.status,
                a.body,
                input.audit.at,
              );
            } catch (e) {
              if (isUniqueViolation(e)) return { ok: false, reason: 'idempotency-key-used' } as const;
              throw e;
            }
          }
          const seq = this.#lastSeq + 1;
          const inserted = this.#insertRows(
            input.tokens.length,
            (from, to) => tokenParams(input.tokens.slice(from, to), seq),
            input.mode,
          );
          const kept = input.tokens.filter((_, i) => inserted[i]);
          if (kept.length > 0) {
            if (input.meterConfig !== undefined)
              this.#s.setMeterConfig.run(
                input.tenant,
                input.meterConfig.meter,
                input.meterConfig.configRef,
                input.audit.at,
              );
            this.#appendAudit(
              {
                ...input.audit,
                detail: { ...input.audit.detail, count: kept.length, digest: tokensDigest(kept) },
              },
              p,
            );
          }
          return { ok: true, inserted } as const;
        }),
      );
    } catch (e) {
      if (e instanceof TidTaken) return { ok: false, reason: 'tid-taken' };
      throw e;
    }
  }

  /**
   * Insert `count` ledger rows, INSERT_ROWS per statement (`params` gives a statement's parameters);
   * a statement that breaks the TID rule is redone row by row (SQLite rolls back the failed statement
   * alone) so that each row gets its own answer, or, in mode 'all', the whole write is given up.
   */
  #insertRows(
    count: number,
    params: (from: number, to: number) => unknown[],
    mode: 'all' | 'each',
    shared?: Record<string, unknown>,
  ): boolean[] {
    const inserted: boolean[] = [];
    const run = (statement: Statement, p: unknown[]) =>
      shared === undefined ? statement.run(p) : statement.run(p, shared);
    for (let i = 0; i < count; i += INSERT_ROWS) {
      const end = Math.min(count, i + INSERT_ROWS);
      try {
        run(this.#insertTokens(end - i, shared !== undefined), params(i, end));
        for (let k = i; k < end; k++) inserted.push(true);
        continue;
      } catch (e) {
        if (!isTidTaken(e)) throw e;
        if (mode === 'all') throw new TidTaken();
      }
      for (let k = i; k < end; k++) {
        try {
          run(this.#insertTokens(1, shared !== undefined), params(k, k + 1));
          inserted.push(true);
        } catch (e) {
          // Only the (tenant, meter, tid) index means "TID taken"; any other violation is a fault.
          if (!isTidTaken(e)) throw e;
          inserted.push(false);
        }
      }
    }
    return inserted;
  }

  async recordTokenColumns(input: RecordTokenColumnsInput): Promise<boolean[]> {
    const { values, shared } = input;
    return this.#write(() =>
      this.#withAudit((p) => {
        const seq = this.#lastSeq + 1;
        const inserted = this.#insertRows(
          values.length / TOKEN_COLUMNS,
          (from, to) => values.slice(from * TOKEN_COLUMNS, to * TOKEN_COLUMNS),
          'each',
          {
            tenant: shared.tenant,
            user_ref: shared.userRef,
            request_id: shared.requestId,
            created_at: shared.createdAt,
            audit_seq: seq,
          },
        );
        const kept = inserted.filter(Boolean).length;
        if (kept > 0) {
          const digest =
            kept === inserted.length
              ? input.digest
              : tokensDigest(inserted.flatMap((ok, i) => (ok ? [tokenAt(values, i, shared)] : [])));
          this.#appendAudit({ ...input.audit, detail: { ...input.audit.detail, count: kept, digest } }, p);
        }
        return inserted;
      }),
    );
  }

  async token(tenant: string, ref: string): Promise<TokenRecord | undefined> {
    const r = this.#s.token.get(tenant, ref) as TokenRow | undefined;
    return r === undefined ? undefined : tokenRecord(r);
  }

  async meterTokens(tenant: string, meter: string, limit: number): Promise<TokenRecord[]> {
    return (this.#s.meterTokens.all(tenant, meter, limit) as TokenRow[]).map(tokenRecord);
  }

  async countTokens(tenant?: string): Promise<number> {
    return (
      tenant === undefined ? this.#s.countTokens.get() : this.#s.countTenantTokens.get(tenant)
    ) as number;
  }

  async idempotentAnswer(tenant: string, key: string): Promise<IdempotentAnswer | undefined> {
    const r = this.#s.idempotency.get(tenant, key) as
      | { request_hash: string; status: number; body: string }
      | undefined;
    return r === undefined ? undefined : { requestHash: r.request_hash, status: r.status, body: r.body };
  }

  async *auditEntries(): AsyncIterable<AuditEntry> {
    for (const r of this.#s.audit.iterate() as Iterable<Record<string, unknown>>) {
      yield {
        seq: r.seq as number,
        at: r.at as string,
        tenant: r.tenant as string,
        actor: r.actor as string,
        action: r.action as string,
        subject: r.subject as string,
        detail: r.detail as string,
        prevHash: r.prev_hash as string,
        hash: r.hash as string,
      };
    }
  }

  /**
   * Ledger rows are written with the audit entry that covers them, in one transaction under SQLite's
   * one write lock: audit_seq rises with id. The entry's first row is found by bisecting ids (a few
   * dozen seeks instead of an index every insert pays for), and its rows follow it. A row moved out
   * of that order (an edited file) is not found here, and verify reports its entry.
   */
  async tokensOfAudit(seq: number): Promise<TokenRecord[]> {
    const [min, max] = this.#s.tokenIds.get() as [number | null, number | null];
    if (min === null || max === null) return [];
    // The least id from which the next row's audit_seq is >= seq (max + 1: none).
    let lo = min;
    let hi = max + 1;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const next = this.#s.tokenFrom.get(mid) as [number, number] | undefined;
      if (next !== undefined && next[1] >= seq) hi = mid;
      else lo = mid + 1;
    }
    const rows: TokenRecord[] = [];
    for (const r of this.#s.tokensFrom.iterate(lo) as Iterable<TokenRow & { audit_seq: number }>) {
      if (r.audit_seq !== seq) break;
      rows.push(tokenRecord(r));
    }
    return rows;
  }

  async unauditedTokens(): Promise<number> {
    return this.#s.unaudited.get() as number;
  }
}

export { TOKENS_ISSUED };

interface QueuedWrite {
  run: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const INSERT_TOKEN =
  'INSERT INTO tokens (ref, tenant, meter, config_ref, token_no, token_type, class, subclass, tid, value, user_ref, request_id, created_at, audit_seq) VALUES ';
const TOKEN_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/**
 * A row of a batch chunk: its own TOKEN_COLUMNS values in order, and the five fields every row of the
 * chunk shares by name, bound once per statement instead of once per row (a third of the binding).
 */
const SHARED_TOKEN_VALUES =
  '(?, @tenant, ?, ?, ?, ?, ?, ?, ?, ?, @user_ref, @request_id, @created_at, @audit_seq)';
/** Rows per multi-row INSERT: 14 parameters each, 1400 in all (SQLite allows 32 766). */
const INSERT_ROWS = 100;

/** The parameters of INSERT_TOKEN for `tokens`, row after row. */
function tokenParams(tokens: readonly TokenRecord[], seq: number): unknown[] {
  const out: unknown[] = [];
  for (const t of tokens)
    out.push(
      t.ref,
      t.tenant,
      t.meter,
      t.configRef,
      t.tokenNo,
      t.tokenType,
      t.class,
      t.subclass,
      t.tid,
      t.value,
      t.userRef,
      t.requestId,
      t.createdAt,
      seq,
    );
  return out;
}

/** Whether a failed insert broke the (tenant, meter, tid) rule: "TID taken", not a fault. */
function isTidTaken(e: unknown): boolean {
  return isUniqueViolation(e) && String((e as Error).message).includes('tokens.tid');
}

/**
 * IN lists of at most 1000 values, each padded (with its first value again) to 1, 16, 128 or 1000:
 * a handful of statement texts, prepared once, whatever the sizes a batch's chunks bring.
 */
function* slices<T>(list: readonly T[]): Generator<T[]> {
  for (let i = 0; i < list.length; i += 1000) {
    const part = list.slice(i, i + 1000);
    const size = [1, 16, 128, 1000].find((n) => n >= part.length)!;
    while (part.length < size) part.push(part[0]!);
    yield part;
  }
}

/** Keep `value` in a cache of at most 10 000 entries (emptied when full: these caches hold a handful). */
function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= 10_000) cache.clear();
  cache.set(key, value);
  return value;
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
