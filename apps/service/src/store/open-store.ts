// Which store a command works on: the SQLite file of the data folder (the default), or the
// PostgreSQL database of `--database postgres://USER@HOST:PORT/DB` (the data folder then holds only keys).
import type pg from 'pg';
import { CliError, EXIT, usageError } from 'sts-cli-kit';
import { checkDataDir, dataFile } from '../data-dir.ts';
import { SCHEMA_VERSION, schemaError, schemaVersion } from './pg-migrations.ts';
import { createPool, PgStore } from './pg-store.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';
import { isUnavailable } from './store-unavailable.ts';

export interface DatabaseUrl {
  url: string;
  /** For messages: without password and query. */
  shown: string;
}

/** Check a --database value. A bad one is never echoed: it may carry a password. */
export function databaseUrl(text: string): DatabaseUrl {
  const bad = usageError('--database must be a URL like postgres://USER@HOST:PORT/DB');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad;
  }
  if ((u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || u.host === '') throw bad;
  if (u.pathname.length <= 1) throw usageError('--database names no database (postgres://USER@HOST:PORT/DB)');
  const user = u.username === '' ? '' : `${u.username}@`;
  return { url: text, shown: `${u.protocol}//${user}${u.host}${u.pathname}` };
}

/** A pool on the database, checked to answer; one clear line (exit 3) when it does not. */
export async function connectPool(db: DatabaseUrl): Promise<{ pool: pg.Pool; version: number }> {
  const pool = createPool(db.url);
  try {
    return { pool, version: await schemaVersion(pool) };
  } catch (e) {
    await pool.end().catch(() => {});
    const err = e as { code?: unknown; message?: unknown };
    const reason =
      typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code) ? err.code : String(err.message);
    throw new CliError(
      'database-unavailable',
      isUnavailable(e)
        ? `cannot reach the database ${db.shown}: ${reason.split('\n')[0]}`
        : `the database ${db.shown} refused the connection: ${reason.split('\n')[0]}`,
      EXIT.io,
    );
  }
}

/** A PgStore on a database whose schema is exactly this code's version. */
export async function openPgStore(db: DatabaseUrl): Promise<PgStore> {
  const { pool, version } = await connectPool(db);
  if (version !== SCHEMA_VERSION) {
    await pool.end();
    throw schemaError(version, db.shown);
  }
  return new PgStore(pool);
}

/**
 * The store of a command: SQLite in DIR, or PostgreSQL when `database` is given. A server
 * (`serving`) checkpoints SQLite's WAL from a thread of its own.
 */
export async function openStore(dir: string, database?: string, serving = false): Promise<Store> {
  if (database === undefined) {
    checkDataDir(dir);
    return openSqliteStore(dataFile(dir, 'database'), { backgroundCheckpoints: serving });
  }
  const db = databaseUrl(database);
  checkDataDir(dir, { database: false });
  return openPgStore(db);
}
