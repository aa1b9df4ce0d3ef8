// The PostgreSQL schema as versioned migration files (migrations/postgres/NNNN_name.sql), applied in
// order by `sts-service migrate` under an advisory lock, and checked at start: code and schema must agree.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { CliError, EXIT } from 'sts-cli-kit';

const DIR = fileURLToPath(new URL('../../migrations/postgres/', import.meta.url));
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Any fixed number: two `migrate` runs at once take turns on it. */
const MIGRATE_LOCK = 0x575453; // "STS"

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The migration files in version order; versions run 1, 2, 3… without a gap. */
export function migrations(): Migration[] {
  const list = readdirSync(DIR)
    .map((file) => FILE_RE.exec(file))
    .filter((m) => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2]!, file: m[0] }))
    .sort((a, b) => a.version - b.version);
  return list.map((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.file}: expected version ${i + 1}`);
    return { version: m.version, name: m.name, sql: readFileSync(`${DIR}/${m.file}`, 'utf8') };
  });
}

/** The schema version this sts-service is written for: its last migration. */
export const SCHEMA_VERSION = migrations().length;

/** The database's schema version; 0 when it has no sts-service schema yet. */
export async function schemaVersion(db: pg.Pool | pg.PoolClient): Promise<number> {
  const table = await db.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  if (table.rows[0]?.present !== true) return 0;
  const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Apply the missing migrations in one transaction. Refuses a database newer than the code. */
export async function migrate(
  pool: pg.Pool,
  shown: string,
): Promise<{ from: number; to: number; applied: string[] }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const from = await schemaVersion(client);
    if (from > SCHEMA_VERSION) throw schemaError(from, shown);
    const applied: string[] = [];
    for (const m of migrations().slice(from)) {
      const file = `${String(m.version).padStart(4, '0')}_${m.name}`;
      // A migration the database refuses (its tables exist while schema_migrations says otherwise,
      // the connection lost) is the database's state, not a bug: one line, exit 3, all undone.
      await client.query(m.sql).catch((e: unknown) => {
        const reason = String((e as { message?: unknown }).message).split('\n')[0];
        throw new CliError(
          'migration-failed',
          `database ${shown}: migration ${file} failed (${reason}); nothing was applied`,
          EXIT.io,
        );
      });
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(file);
    }
    await client.query('COMMIT');
    return { from, to: SCHEMA_VERSION, applied };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** The one line for a database whose schema is not this code's (exit 3). */
export function schemaError(found: number, shown: string): CliError {
  const message =
    found === 0
      ? `database ${shown} has no sts-service schema; run 'sts-service migrate --database URL' first`
      : found < SCHEMA_VERSION
        ? `database ${shown} has schema version ${found}, older than this sts-service's ${SCHEMA_VERSION}; run 'sts-service migrate --database URL' first`
        : `database ${shown} has schema version ${found}, newer than this sts-service's ${SCHEMA_VERSION}; run the sts-service release that migrated it`;
  return new CliError('schema-mismatch', message, EXIT.io);
}
