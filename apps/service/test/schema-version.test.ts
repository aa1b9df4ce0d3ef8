// A database whose schema version is not this release's (older, newer, none), made by editing real
// databases: an SQLite data folder's meta row and PostgreSQL's schema_migrations; the real CLI refuses it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type PostgresCluster, startPostgres } from 'sts-cli-kit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, rsaFiles, tempDir } from './helpers.ts';

let work: { dir: string; cleanup(): void };
let serviceKey: string;

beforeAll(() => {
  work = tempDir();
  serviceKey = rsaFiles(work.dir, 'service').key;
});
afterAll(() => work?.cleanup());

/** `sts-service init` of a new data folder (with the given store options); fails the test if it fails. */
async function init(name: string, extra: string[] = []): Promise<string> {
  const data = path.join(work.dir, name);
  const r = await cli(['init', '--data', data, '--rsa-key', serviceKey, ...extra]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return data;
}

/** Each command that opens the store, refused: exit 3, nothing on stdout, `line` on stderr; --json: only the error. */
async function expectRefused(commands: string[][], line: string): Promise<void> {
  for (const args of commands) {
    const r = await cli(args);
    expect([args.slice(0, 2).join(' '), r.code, r.stdout, r.stderr]).toEqual([
      args.slice(0, 2).join(' '),
      3,
      '',
      `sts-service: ${line}\n`,
    ]);
  }
  const json = await cli([...commands[0]!, '--json']);
  expect([json.code, JSON.parse(json.stdout), json.stderr]).toEqual([
    3,
    { error: { code: 'schema-mismatch', message: line } },
    '',
  ]);
}

describe('SQLite: the meta row of a data folder made by init', () => {
  let data: string;
  let file: string;
  beforeAll(async () => {
    data = await init('sqlite');
    file = path.join(data, 'service.db');
  });

  /** Sets (or, with null, deletes) the schema_version row, as a person or another release would. */
  function claim(version: string | null): void {
    const db = new Database(file);
    if (version === null) db.prepare("DELETE FROM meta WHERE name = 'schema_version'").run();
    else db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', ?)").run(version);
    db.close();
  }
  const sha256 = () => createHash('sha256').update(readFileSync(file)).digest('hex');
  const commands = () => [
    ['serve', '--data', data, '--port', '0'],
    ['audit', 'verify', '--data', data],
    ['credentials', 'list', '--data', data],
  ];

  test.each([
    {
      what: 'newer (2)',
      version: '2',
      line: (f: string) =>
        `database ${f} has schema version 2, newer than this sts-service's 1; run the sts-service release that wrote it`,
    },
    {
      what: 'older (0)',
      version: '0',
      line: (f: string) =>
        `database ${f} has schema version 0, older than this sts-service's 1; SQLite data folders are not migrated ('sts-service migrate' is for PostgreSQL): run the sts-service release that made it`,
    },
    {
      what: 'none (the row deleted)',
      version: null,
      line: (f: string) =>
        `database ${f} has no sts-service schema version (no meta row 'schema_version' with a number); use a data folder made by 'sts-service init'`,
    },
    {
      what: 'none (not a number)',
      version: 'one',
      line: (f: string) =>
        `database ${f} has no sts-service schema version (no meta row 'schema_version' with a number); use a data folder made by 'sts-service init'`,
    },
  ])(
    'schema version $what: serve, audit verify and credentials list refuse it in one line, exit 3, the file untouched (regression: it was exit 70, "internal error")',
    async ({ version, line }) => {
      claim(version);
      const before = sha256();
      await expectRefused(commands(), line(file));
      expect(sha256()).toBe(before);
    },
  );

  test('the same folder claiming version 1 again is served', async () => {
    claim('1');
    const r = await cli(['audit', 'verify', '--data', data]);
    expect([r.code, r.stdout]).toEqual([0, 'audit log intact: 0 entries, 0 ledger rows\n']);
  });
});

describe('PostgreSQL: schema_migrations of a database made by init --database', () => {
  let cluster: PostgresCluster;
  let db: pg.Client;
  let data: string;
  beforeAll(async () => {
    cluster = await startPostgres();
    data = await init('postgres', ['--database', cluster.url]);
    db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    cluster?.destroy();
  });
  const commands = () => [
    ['serve', '--data', data, '--database', cluster.url, '--port', '0'],
    ['audit', 'verify', '--data', data, '--database', cluster.url],
    ['credentials', 'list', '--data', data, '--database', cluster.url],
  ];

  test('newer (2): every command refuses it in one line, exit 3, and migrate does not touch it', async () => {
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (2, 'from_the_future')");
    const line = `database ${cluster.url} has schema version 2, newer than this sts-service's 1; run the sts-service release that migrated it`;
    await expectRefused(commands(), line);
    const migrate = await cli(['migrate', '--database', cluster.url]);
    expect([migrate.code, migrate.stdout, migrate.stderr]).toEqual([3, '', `sts-service: ${line}\n`]);
    const rows = await db.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.rows).toEqual([{ version: 1 }, { version: 2 }]);
    await db.query('DELETE FROM schema_migrations WHERE version = 2');
  });

  test('older (0, its tables there): refused in one line, exit 3; migrate then names the migration that fails (regression: exit 70, "internal error")', async () => {
    await db.query('UPDATE schema_migrations SET version = 0');
    await expectRefused(
      commands(),
      `database ${cluster.url} has no sts-service schema; run 'sts-service migrate --database URL' first`,
    );
    const migrate = await cli(['migrate', '--database', cluster.url]);
    expect([migrate.code, migrate.stdout, migrate.stderr]).toEqual([
      3,
      '',
      `sts-service: database ${cluster.url}: migration 0001_initial failed (relation "credentials" already exists); nothing was applied\n`,
    ]);
    const rows = await db.query('SELECT version FROM schema_migrations');
    expect(rows.rows).toEqual([{ version: 0 }]);
  });

  test('the same database claiming version 1 again is served', async () => {
    await db.query('UPDATE schema_migrations SET version = 1');
    const r = await cli(['audit', 'verify', '--data', data, '--database', cluster.url]);
    expect([r.code, r.stdout]).toEqual([0, 'audit log intact: 0 entries, 0 ledger rows\n']);
  });
});
