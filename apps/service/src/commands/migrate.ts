// sts-service migrate: bring a PostgreSQL database to this code's schema version (the migration files
// not yet applied, in order, in one transaction); and `init --database`, which makes the keys and migrates.
import { rmSync } from 'node:fs';
import { CliError, EXIT } from 'sts-cli-kit';
import { initDataDir } from '../data-dir.ts';
import { connectPool, databaseUrl } from '../store/open-store.ts';
import { migrate } from '../store/pg-migrations.ts';
import { parseOptions, required } from './args.ts';
import type { Out } from './commands.ts';

export async function migrateCommand(argv: string[], out: Out): Promise<number> {
  const v = parseOptions(argv, { database: { type: 'string' } }, 'sts-service migrate --help');
  const db = databaseUrl(required(v, 'database'));
  const { pool } = await connectPool(db);
  try {
    const r = await migrate(pool, db.shown);
    out.write(
      out.json
        ? `${JSON.stringify({ database: db.shown, from: r.from, to: r.to, applied: r.applied })}\n`
        : r.applied.length === 0
          ? `database ${db.shown} is at schema version ${r.to}: nothing to apply\n`
          : `database ${db.shown} migrated from schema version ${r.from} to ${r.to} (${r.applied.join(', ')})\n`,
    );
    return EXIT.ok;
  } finally {
    await pool.end();
  }
}

/**
 * `init --data DIR --database URL`: the key files in DIR (no service.db) and the database migrated.
 * The database is reached first and must have no schema yet, so that nothing is written when it
 * cannot be used; DIR is removed again when the migration fails.
 */
export async function initWithDatabase(
  dir: string,
  pem: Buffer | undefined,
  database: string,
): Promise<{ servicePub: string; fingerprint: string; database: string; schemaVersion: number }> {
  const db = databaseUrl(database);
  const { pool, version } = await connectPool(db);
  try {
    // Its configurations and secrets are sealed under the master key of the folder made with it:
    // a second init would make keys that open none of them.
    if (version !== 0)
      throw new CliError(
        'exists',
        `database ${db.shown} already has the sts-service schema; give this instance a copy of the data folder made with it instead of running init again`,
        EXIT.io,
      );
    const r = await initDataDir(dir, pem, { database: false });
    try {
      const m = await migrate(pool, db.shown);
      return { ...r, database: db.shown, schemaVersion: m.to };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  } finally {
    await pool.end();
  }
}
