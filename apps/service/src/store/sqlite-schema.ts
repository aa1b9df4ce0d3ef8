// The schema version check of an SQLite data folder: the `meta` row `sts-service init` writes, read
// before anything else runs on the file; another version is one line with exit 3, as on PostgreSQL.
import type Database from 'better-sqlite3';
import { CliError, EXIT } from 'sts-cli-kit';

/**
 * The `schema_version` of the database's `meta` table, or undefined when it has none (no table, no
 * row, not a whole number): a file that `sts-service init` did not make, or one edited since.
 */
export function sqliteSchemaVersion(db: Database.Database): number | undefined {
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'")
    .pluck()
    .get();
  if (hasMeta === undefined) return undefined;
  const value = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get();
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * The one line for an SQLite database whose schema is not `expected` (exit 3). There is no SQLite
 * migration (`sts-service migrate` is PostgreSQL's): a data folder is used by the release that made it.
 */
export function sqliteSchemaError(file: string, found: number | undefined, expected: number): CliError {
  const message =
    found === undefined
      ? `database ${file} has no sts-service schema version (no meta row 'schema_version' with a number); use a data folder made by 'sts-service init'`
      : found < expected
        ? `database ${file} has schema version ${found}, older than this sts-service's ${expected}; SQLite data folders are not migrated ('sts-service migrate' is for PostgreSQL): run the sts-service release that made it`
        : `database ${file} has schema version ${found}, newer than this sts-service's ${expected}; run the sts-service release that wrote it`;
  return new CliError('schema-mismatch', message, EXIT.io);
}
