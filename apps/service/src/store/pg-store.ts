// The PostgreSQL implementation of the Store (node-postgres, a bounded pool): several sts-service
// instances on one database. Each method is one statement or one transaction; the rules are constraints.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { tokensDigest } from '../audit.ts';
import { credentialRecord, publicKeyRecord } from './key-rows.ts';
import type {
  AuditEntry,
  AuditInput,
  ConfigurationRecord,
  CredentialRecord,
  IdempotentAnswer,
  PublicKeyRecord,
  RecordTokensInput,
  RecordTokensResult,
  Store,
  TokenRecord,
} from './store.ts';
import { isUnavailable, StoreUnavailable } from './store-unavailable.ts';
import { type TokenRow, tokenRecord } from './token-row.ts';

/** Connections per instance: statements beyond it queue (bounded by QUEUE_TIMEOUT_MS) for a free one. */
export const POOL_SIZE = 10;
/** Longest wait to open a connection: a database that is away answers 503 within this. */
const CONNECT_TIMEOUT_MS = 3000;
/** Longest wait for a free connection of the pool under load before answering 503. */
const QUEUE_TIMEOUT_MS = 30_000;
/** Longest a statement may run (a lost server, a lock held too long) before answering 503. */
const STATEMENT_TIMEOUT_MS = 10_000;
/** How often an instance purges expired nonces. */
const NONCE_PURGE_MS = 30_000;
const AUDIT_PAGE = 500;

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 2000,
    keepAlive: true,
    // A command that ends (or fails) with the pool still open exits instead of waiting for idle timeouts.
    allowExitOnIdle: true,
    application_name: 'sts-service',
  });
  // An idle connection whose server went away reports here; the pool drops it and the next
  // request opens a new one (or gets 503 while the database is down). Never a crash.
  pool.on('error', () => {});
  return pool;
}

/**
 * The pool's seats: at most POOL_SIZE statements hold a connection, the others wait in order. Waiting
 * here (bounded by QUEUE_TIMEOUT_MS) keeps pg-pool's own timeout for opening a connection alone, so a
 * busy instance is not taken for a lost database, and a lost database is not waited on for long.
 */
class Seats {
  #free = POOL_SIZE;
  readonly #waiting: (() => void)[] = [];

  async take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(granted), 1);
        reject(new StoreUnavailable());
      }, QUEUE_TIMEOUT_MS);
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#waiting.push(granted);
    });
  }

  give(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free++;
    else next();
  }
}

/**
 * Appending to the audit chain, as the tail of one statement: the change CTEs (referenced by
 * GUARD, so they run first) then the head row updated under its row lock, then the entry inserted.
 * $1 entry, $2 at, $3 tenant, $4 actor, $5 action, $6 subject, $7 detail. The hash is audit.ts's
 * auditHash (SHA-256 of prev, seq, at, tenant, actor, action, subject, detail, one per line).
 */
function appendAudit(changes: string, guard: string): string {
  return `WITH ${changes},
head AS (
  UPDATE audit_head SET seq = seq + 1, prev_hash = hash,
    hash = encode(sha256(convert_to(hash || E'\\n' || (seq + 1)::text || E'\\n' || $2::text || E'\\n' ||
      $3::text || E'\\n' || $4::text || E'\\n' || $5::text || E'\\n' || $6::text || E'\\n' || $7::text, 'UTF8')), 'hex')
  WHERE id = 1 AND ${guard}
  RETURNING seq, prev_hash, hash)
INSERT INTO audit (seq, entry, at, tenant, actor, action, subject, detail, prev_hash, hash)
SELECT seq, $1::uuid, $2, $3, $4, $5, $6, $7, prev_hash, hash FROM head`;
}

const auditParams = (a: AuditInput, entry: string = randomUUID()): unknown[] => [
  entry,
  a.at,
  a.tenant,
  a.actor,
  a.action,
  a.subject,
  JSON.stringify(a.detail),
];

/** Ledger rows as 12 parallel arrays from $A on, unnested in order (`pos`); entry $1, tenant $T. */
function insertTokens(t: number, a: number): string {
  const arrays = ['text', 'text', 'text', 'text', 'text', 'int', 'int', 'int', 'text', 'text', 'text', 'text']
    .map((type, i) => `$${a + i}::${type}[]`)
    .join(', ');
  return `INSERT INTO tokens (entry, pos, ref, tenant, meter, config_ref, token_no, token_type, class,
    subclass, tid, value, user_ref, request_id, created_at)
  SELECT $1::uuid, u.pos, u.ref, $${t}, u.meter, u.config_ref, u.token_no, u.token_type, u.class,
    u.subclass, u.tid, u.value, u.user_ref, u.request_id, u.created_at
  FROM unnest(${arrays}) WITH ORDINALITY AS u(ref, meter, config_ref, token_no, token_type, class,
    subclass, tid, value, user_ref, request_id, created_at, pos)`;
}

/** The idempotency key ($K..$K+3; key NULL: none) and the meter moved by a key change ($K+4, $K+5). */
function answerAndMeter(k: number): string {
  return `idem AS (
  INSERT INTO idempotency (tenant, key, request_hash, status, body, created_at)
  SELECT $8, $${k}::text, $${k + 1}, $${k + 2}, $${k + 3}, $2 WHERE $${k}::text IS NOT NULL RETURNING 1),
mc AS (
  INSERT INTO meters (tenant, meter, config_ref, updated_at)
  SELECT $8, $${k + 4}::text, $${k + 5}, $2 WHERE $${k + 4}::text IS NOT NULL
  ON CONFLICT (tenant, meter) DO UPDATE SET config_ref = EXCLUDED.config_ref, updated_at = EXCLUDED.updated_at
  RETURNING 1)`;
}
const ANSWER_AND_METER_RAN = '(SELECT count(*) FROM idem) >= 0 AND (SELECT count(*) FROM mc) >= 0';

/**
 * A single request in one statement: idempotency key, ledger rows, meter move, audit entry.
 * $1-$7 audit, $8 tenant, $9-$20 rows, $21-$26 answer and meter.
 */
const RECORD_ALL = appendAudit(
  `${answerAndMeter(21)}, ins AS (${insertTokens(8, 9)} RETURNING 1)`,
  `${ANSWER_AND_METER_RAN} AND (SELECT count(*) FROM ins) > 0`,
);
/** A batch chunk, first statement: the rows whose TID is free, the others left out. $1 entry, $2 tenant. */
const INSERT_EACH = `${insertTokens(2, 3)} ON CONFLICT DO NOTHING RETURNING pos`;
/** A batch chunk, second statement (same transaction): answer, meter move, audit. $1-$7, $8, $9-$14. */
const RECORD_EACH = appendAudit(answerAndMeter(9), ANSWER_AND_METER_RAN);

function rowParams(tokens: readonly TokenRecord[]): unknown[] {
  const col = <T>(f: (t: TokenRecord) => T): T[] => tokens.map(f);
  return [
    col((t) => t.ref),
    col((t) => t.meter),
    col((t) => t.configRef),
    col((t) => t.tokenNo),
    col((t) => t.tokenType),
    col((t) => t.class),
    col((t) => t.subclass),
    col((t) => t.tid),
    col((t) => t.value),
    col((t) => t.userRef),
    col((t) => t.requestId),
    col((t) => t.createdAt),
  ];
}

function answerAndMeterParams(input: RecordTokensInput): unknown[] {
  const idem = input.idempotency;
  return [
    idem?.key ?? null,
    idem?.answer.requestHash ?? null,
    idem?.answer.status ?? null,
    idem?.answer.body ?? null,
    input.meterConfig?.meter ?? null,
    input.meterConfig?.configRef ?? null,
  ];
}

/** The audit parameters of a token entry: its detail carries the count and digest of the kept rows. */
function tokenAudit(input: RecordTokensInput, kept: readonly TokenRecord[], entry: string): unknown[] {
  return auditParams(
    { ...input.audit, detail: { ...input.audit.detail, count: kept.length, digest: tokensDigest(kept) } },
    entry,
  );
}

/** Which uniqueness rule a failed statement broke, if any. */
function violated(e: unknown): string | undefined {
  const err = e as { code?: unknown; constraint?: unknown };
  return err?.code === '23505' && typeof err.constraint === 'string' ? err.constraint : undefined;
}

const IDEMPOTENCY_RULE = 'idempotency_pkey';
const TID_RULE = 'tokens_tid';

export class PgStore implements Store {
  readonly kind = 'postgres';
  readonly #pool: pg.Pool;
  readonly #seats = new Seats();
  #lastPurge = 0;

  /** Over a pool whose schema version was checked (openPgStore). */
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** One statement; a lost database becomes StoreUnavailable (503), any other error is thrown as is. */
  async #q<R extends pg.QueryResultRow = Record<string, unknown>>(
    name: string | undefined,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    await this.#seats.take();
    try {
      return await this.#pool.query<R>(name === undefined ? { text, values } : { name, text, values });
    } catch (e) {
      throw isUnavailable(e) ? new StoreUnavailable() : e;
    } finally {
      this.#seats.give();
    }
  }

  /** `body` in one transaction on one connection; rolled back on any error. */
  async #transaction<T>(body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    await this.#seats.take();
    try {
      client = await this.#pool.connect();
    } catch (e) {
      this.#seats.give();
      throw isUnavailable(e) ? new StoreUnavailable() : e;
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const r = await body(client);
      await client.query('COMMIT');
      return r;
    } catch (e) {
      await client.query('ROLLBACK').catch((lost: Error) => {
        broken = lost;
      });
      throw isUnavailable(e) ? new StoreUnavailable() : e;
    } finally {
      client.release(broken);
      this.#seats.give();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** A change and its audit entry in one statement; false when the change touched no row. */
  async #changeWithAudit(
    name: string,
    change: string,
    values: unknown[],
    audit: AuditInput,
  ): Promise<boolean> {
    const r = await this.#q(name, appendAudit(`c AS (${change} RETURNING 1)`, 'EXISTS (SELECT 1 FROM c)'), [
      ...auditParams(audit),
      ...values,
    ]);
    return r.rowCount === 1;
  }

  async insertCredential(c: CredentialRecord, audit: AuditInput): Promise<void> {
    await this.#changeWithAudit(
      'insert-credential',
      'INSERT INTO credentials (key, tenant, name, permissions, sealed_secret, created_at) VALUES ($8, $9, $10, $11, $12, $13)',
      [c.key, c.tenant, c.name, c.permissions.join(','), Buffer.from(c.sealedSecret), c.createdAt],
      audit,
    );
  }

  async credential(key: string): Promise<CredentialRecord | undefined> {
    const r = await this.#q('credential', 'SELECT * FROM credentials WHERE key = $1', [key]);
    return r.rows[0] === undefined ? undefined : credentialRecord(r.rows[0]);
  }

  async credentials(): Promise<CredentialRecord[]> {
    const r = await this.#q(undefined, 'SELECT * FROM credentials ORDER BY created_at, key');
    return r.rows.map(credentialRecord);
  }

  async revokeCredential(key: string, audit: AuditInput): Promise<boolean> {
    return this.#changeWithAudit(
      'revoke-credential',
      'UPDATE credentials SET revoked_at = $2 WHERE key = $8 AND revoked_at IS NULL',
      [key],
      audit,
    );
  }

  async useNonce(credential: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    if (now - this.#lastPurge > NONCE_PURGE_MS) {
      this.#lastPurge = now;
      await this.#q('purge-nonces', 'DELETE FROM nonces WHERE expires_at < $1', [now]);
    }
    // A row still in force wins: the second request with the nonce inserts nothing and gets no row.
    // An expired row (not yet purged) is taken over.
    const r = await this.#q(
      'use-nonce',
      `INSERT INTO nonces (credential, nonce, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (credential, nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE nonces.expires_at < $4 RETURNING 1`,
      [credential, nonce, expiresAt, now],
    );
    return r.rowCount === 1;
  }

  async insertPublicKey(p: PublicKeyRecord, audit: AuditInput): Promise<void> {
    await this.#changeWithAudit(
      'insert-public-key',
      'INSERT INTO public_keys (tenant, ref, name, pem, fingerprint, activated, created_at) VALUES ($8, $9, $10, $11, $12, $13, $14)',
      [p.tenant, p.ref, p.name, p.pem, p.fingerprint, p.activated, p.createdAt],
      audit,
    );
  }

  async publicKeys(tenant: string, activated?: boolean): Promise<PublicKeyRecord[]> {
    const r =
      activated === undefined
        ? await this.#q(
            'public-keys',
            'SELECT * FROM public_keys WHERE tenant = $1 ORDER BY created_at, ref',
            [tenant],
          )
        : await this.#q(
            'public-keys-activated',
            'SELECT * FROM public_keys WHERE tenant = $1 AND activated = $2 ORDER BY created_at, ref',
            [tenant, activated],
          );
    return r.rows.map(publicKeyRecord);
  }

  async publicKey(tenant: string, ref: string): Promise<PublicKeyRecord | undefined> {
    const r = await this.#q('public-key', 'SELECT * FROM public_keys WHERE tenant = $1 AND ref = $2', [
      tenant,
      ref,
    ]);
    return r.rows[0] === undefined ? undefined : publicKeyRecord(r.rows[0]);
  }

  async setPublicKeyActivated(tenant: string, ref: string, on: boolean, audit: AuditInput): Promise<boolean> {
    return this.#changeWithAudit(
      'activate-public-key',
      'UPDATE public_keys SET activated = $10 WHERE tenant = $8 AND ref = $9',
      [tenant, ref, on],
      audit,
    );
  }

  async insertConfiguration(c: ConfigurationRecord, audit: AuditInput): Promise<void> {
    await this.#changeWithAudit(
      'insert-configuration',
      'INSERT INTO configurations (tenant, ref, profile, summary, sealed, signer_ref, activated, created_at) VALUES ($8, $9, $10, $11, $12, $13, $14, $15)',
      [
        c.tenant,
        c.ref,
        c.profile,
        JSON.stringify(c.summary),
        Buffer.from(c.sealed),
        c.signerRef,
        c.activated,
        c.createdAt,
      ],
      audit,
    );
  }

  async configurations(tenant: string, limit: number): Promise<ConfigurationRecord[]> {
    const r = await this.#q<{ ref: string }>(
      'configuration-refs',
      'SELECT ref FROM configurations WHERE tenant = $1 ORDER BY created_at, ref LIMIT $2',
      [tenant, limit],
    );
    const records = await Promise.all(r.rows.map((row) => this.configuration(tenant, row.ref)));
    return records.filter((c) => c !== undefined);
  }

  async configuration(tenant: string, ref: string): Promise<ConfigurationRecord | undefined> {
    const r = await this.#q('configuration', 'SELECT * FROM configurations WHERE tenant = $1 AND ref = $2', [
      tenant,
      ref,
    ]);
    const row = r.rows[0];
    if (row === undefined) return undefined;
    return {
      tenant: row.tenant as string,
      ref: row.ref as string,
      profile: row.profile as string,
      summary: JSON.parse(row.summary as string),
      sealed: new Uint8Array(row.sealed as Buffer),
      signerRef: row.signer_ref as string,
      activated: row.activated as boolean,
      createdAt: row.created_at as string,
    };
  }

  async setConfigurationActivated(
    tenant: string,
    ref: string,
    on: boolean,
    audit: AuditInput,
  ): Promise<boolean> {
    return this.#changeWithAudit(
      'activate-configuration',
      'UPDATE configurations SET activated = $10 WHERE tenant = $8 AND ref = $9',
      [tenant, ref, on],
      audit,
    );
  }

  async meterConfig(tenant: string, meter: string): Promise<string | undefined> {
    const r = await this.#q<{ config_ref: string }>(
      'meter-config',
      'SELECT config_ref FROM meters WHERE tenant = $1 AND meter = $2',
      [tenant, meter],
    );
    return r.rows[0]?.config_ref;
  }

  async meterConfigs(tenant: string, meters: readonly string[]): Promise<Map<string, string>> {
    const r = await this.#q<{ meter: string; config_ref: string }>(
      'meter-configs',
      'SELECT meter, config_ref FROM meters WHERE tenant = $1 AND meter = ANY($2::text[])',
      [tenant, meters],
    );
    return new Map(r.rows.map((row) => [row.meter, row.config_ref]));
  }

  async issuedTidsOfMeters(
    tenant: string,
    meters: readonly string[],
    from: number,
  ): Promise<Map<string, number[]>> {
    const r = await this.#q<{ meter: string; tid: number }>(
      'issued-tids-of-meters',
      'SELECT meter, tid FROM tokens WHERE tenant = $1 AND meter = ANY($2::text[]) AND tid >= $3 ORDER BY meter, tid',
      [tenant, meters, from],
    );
    const out = new Map<string, number[]>();
    for (const row of r.rows) {
      const list = out.get(row.meter);
      if (list === undefined) out.set(row.meter, [row.tid]);
      else list.push(row.tid);
    }
    return out;
  }

  async issuedTids(tenant: string, meter: string, from: number, limit: number): Promise<number[]> {
    const r = await this.#q<{ tid: number }>(
      'issued-tids',
      'SELECT tid FROM tokens WHERE tenant = $1 AND meter = $2 AND tid >= $3 ORDER BY tid LIMIT $4',
      [tenant, meter, from, limit],
    );
    return r.rows.map((row) => row.tid);
  }

  /**
   * The meter's next TID for this instance alone: max(last handed out + 1, from), under the meter's
   * row lock for one statement. Instances never get the same one; a TID given with token_id in
   * between is caught by the unique constraint and the caller asks again.
   */
  async reserveTid(tenant: string, meter: string, from: number): Promise<number> {
    const r = await this.#q<{ last_tid: number }>(
      'reserve-tid',
      `INSERT INTO meter_tids AS m (tenant, meter, last_tid) VALUES ($1, $2, $3)
       ON CONFLICT (tenant, meter) DO UPDATE SET last_tid = GREATEST(m.last_tid + 1, EXCLUDED.last_tid)
       RETURNING last_tid`,
      [tenant, meter, from],
    );
    return r.rows[0]!.last_tid;
  }

  async recordTokens(input: RecordTokensInput): Promise<RecordTokensResult> {
    if (input.meterOn !== undefined) {
      // A read before the insert, as the service did before vending: a key change racing this
      // request from another instance can still slip between them (the SQLite store checks inside).
      const current = await this.meterConfig(input.tenant, input.meterOn.meter);
      if (current !== undefined && current !== input.meterOn.configRef)
        return { ok: false, reason: 'meter-moved', current };
    }
    try {
      const entry = randomUUID();
      if (input.mode === 'all') {
        await this.#q('record-all', RECORD_ALL, [
          ...tokenAudit(input, input.tokens, entry),
          input.tenant,
          ...rowParams(input.tokens),
          ...answerAndMeterParams(input),
        ]);
        return { ok: true, inserted: input.tokens.map(() => true) };
      }
      return await this.#transaction(async (c) => {
        const r = await c.query<{ pos: string }>({
          name: 'insert-each',
          text: INSERT_EACH,
          values: [entry, input.tenant, ...rowParams(input.tokens)],
        });
        const positions = new Set(r.rows.map((row) => Number(row.pos)));
        const inserted = input.tokens.map((_, i) => positions.has(i + 1));
        const kept = input.tokens.filter((_, i) => inserted[i]);
        if (kept.length > 0)
          await c.query({
            name: 'record-each',
            text: RECORD_EACH,
            values: [...tokenAudit(input, kept, entry), input.tenant, ...answerAndMeterParams(input)],
          });
        return { ok: true, inserted };
      });
    } catch (e) {
      const rule = violated(e);
      if (rule === IDEMPOTENCY_RULE) return { ok: false, reason: 'idempotency-key-used' };
      if (rule === TID_RULE) return { ok: false, reason: 'tid-taken' };
      throw e;
    }
  }

  async meterTokens(tenant: string, meter: string, limit: number): Promise<TokenRecord[]> {
    const r = await this.#q<TokenRow>(
      'meter-tokens',
      'SELECT * FROM tokens WHERE tenant = $1 AND meter = $2 ORDER BY id DESC LIMIT $3',
      [tenant, meter, limit],
    );
    return r.rows.map(tokenRecord);
  }

  async token(tenant: string, ref: string): Promise<TokenRecord | undefined> {
    const r = await this.#q<TokenRow>('token', 'SELECT * FROM tokens WHERE tenant = $1 AND ref = $2', [
      tenant,
      ref,
    ]);
    return r.rows[0] === undefined ? undefined : tokenRecord(r.rows[0]);
  }

  async countTokens(tenant?: string): Promise<number> {
    const r =
      tenant === undefined
        ? await this.#q<{ n: number }>(undefined, 'SELECT count(*)::int AS n FROM tokens')
        : await this.#q<{ n: number }>(undefined, 'SELECT count(*)::int AS n FROM tokens WHERE tenant = $1', [
            tenant,
          ]);
    return r.rows[0]!.n;
  }

  async idempotentAnswer(tenant: string, key: string): Promise<IdempotentAnswer | undefined> {
    const r = await this.#q<{ request_hash: string; status: number; body: string }>(
      'idempotency',
      'SELECT request_hash, status, body FROM idempotency WHERE tenant = $1 AND key = $2',
      [tenant, key],
    );
    const row = r.rows[0];
    return row === undefined
      ? undefined
      : { requestHash: row.request_hash, status: row.status, body: row.body };
  }

  /** The chain page by page (keyset on seq): memory stays flat however long it is. */
  async *auditEntries(): AsyncIterable<AuditEntry> {
    for (let after = 0; ; ) {
      const r = await this.#q(
        'audit-page',
        'SELECT seq, at, tenant, actor, action, subject, detail, prev_hash, hash FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2',
        [after, AUDIT_PAGE],
      );
      for (const row of r.rows) {
        after = Number(row.seq);
        yield {
          seq: after,
          at: row.at as string,
          tenant: row.tenant as string,
          actor: row.actor as string,
          action: row.action as string,
          subject: row.subject as string,
          detail: row.detail as string,
          prevHash: row.prev_hash as string,
          hash: row.hash as string,
        };
      }
      if (r.rows.length < AUDIT_PAGE) return;
    }
  }

  async tokensOfAudit(seq: number): Promise<TokenRecord[]> {
    const r = await this.#q<TokenRow>(
      'tokens-of-audit',
      'SELECT t.* FROM audit a JOIN tokens t ON t.entry = a.entry WHERE a.seq = $1 ORDER BY t.pos',
      [seq],
    );
    return r.rows.map(tokenRecord);
  }

  async unauditedTokens(): Promise<number> {
    const r = await this.#q<{ n: number }>(
      undefined,
      'SELECT count(*)::int AS n FROM tokens t WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.entry = t.entry)',
    );
    return r.rows[0]!.n;
  }
}
