// startPostgres: a private cluster on a free loopback port answers queries, survives stop/start on
// the same port, and leaves nothing behind when destroyed (the service's PostgreSQL tests rely on it).

import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { startPostgres } from '../src/testing.ts';

function query(port: number, sql: string): string {
  return execFileSync(
    'psql',
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'sts_test', '-Atc', sql],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

test('a private cluster starts, stops, starts again on its port, and is removed', async () => {
  const pg = await startPostgres();
  try {
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/sts_test`);
    query(pg.port, 'create table t (x int); insert into t values (42)');
    pg.stop();
    expect(() => query(pg.port, 'select 1')).toThrow();
    pg.start();
    expect(query(pg.port, 'select x from t')).toBe('42');
  } finally {
    pg.destroy();
  }
  expect(() => query(pg.port, 'select 1')).toThrow();
}, 60_000);
