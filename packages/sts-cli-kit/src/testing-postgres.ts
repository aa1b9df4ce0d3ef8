// A private PostgreSQL cluster for tests: initdb in a temporary folder, started on a free loopback
// port as the `postgres` user (PostgreSQL refuses to run as root), stopped and removed at the end.

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/DB` of the test database. */
  readonly url: string;
  readonly port: number;
  /** Stop the server (`pg_ctl stop -m fast`), keeping its files: `start()` brings it back. */
  stop(): void;
  /** Start it again after `stop()`, on the same port. */
  start(): void;
  /** Stop the server for good and remove its folder. */
  destroy(): void;
}

/** A free TCP port on loopback (the OS picks it; it is released before PostgreSQL binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Run a PostgreSQL program as the postgres user when we are root, else as ourselves. */
function asPostgres(program: string, args: string[]): string {
  const root = process.getuid?.() === 0;
  const [cmd, argv] = root
    ? ['runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]]
    : [join(BIN, program), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Start a throw-away cluster with a database `name` (trust authentication on loopback only) and
 * return its URL. Requires Debian's postgresql 15 (scripts/ensure-test-tools.sh installs it).
 */
export async function startPostgres(name = 'sts_test'): Promise<PostgresCluster> {
  if (!existsSync(join(BIN, 'initdb')))
    throw new Error(`${BIN}/initdb is missing: apt-get install postgresql`);
  const dir = mkdtempSync(join(tmpdir(), 'sts-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => {
    asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
  };
  const stop = () => {
    asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
  };
  start();
  asPostgres('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${name}`,
    port,
    stop,
    start,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
