// Benchmark of sts-service on PostgreSQL: authenticated POST /v1/tokens per second with 1, 2 and 4
// instances on one local PostgreSQL beside one instance on SQLite in the same run, and database round trips per token.
// Run with `npm run bench` in apps/service (after bench/run.ts). BENCH_SECONDS (default 8), BENCH_CONCURRENCY (32).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres } from 'sts-cli-kit/testing';
import { type Cred, cpuSeconds, machine, meter, serve, signed, site, writeResults } from './bench-site.ts';

const RESULTS = fileURLToPath(new URL('../../../bench/results/service-postgres.json', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

/** CONCURRENCY keep-alive connections spread over `urls`, each sending its next request when answered. */
async function load(urls: string[], cred: Cred, cfg: string, firstMeter: number, seconds = SECONDS) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const worker = async (w: number): Promise<void> => {
    const u = new URL(urls[w % urls.length]!);
    while (performance.now() < end) {
      const body = JSON.stringify({
        class: '0',
        subclass: '0',
        type: 'native',
        amount: 10,
        decoder_reference_number: meter(firstMeter + n++),
        config_ref: cfg,
      });
      const headers = await signed('POST', '/v1/tokens', body, cred);
      const t0 = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: u.hostname, port: u.port, path: '/v1/tokens', method: 'POST', agent, headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const took = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  return {
    requests: latencies.length,
    errors,
    perSecond: Math.round(latencies.length / took),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sts-service-bench-pg-'));
  const cluster = await startPostgres('sts_bench');
  const admin = new pg.Pool({ connectionString: cluster.url, max: 1 });
  const procs: ChildProcess[] = [];
  const rows: Record<string, unknown>[] = [];
  try {
    // SQLite, one instance: the embedded default, the baseline of this run.
    const lite = await site(dir, 'sqlite');
    procs.push(lite.servers[0]!.proc);
    const count = () => {
      const db = new Database(path.join(lite.data, 'service.db'), { readonly: true });
      const n = db.prepare('SELECT count(*) FROM tokens').pluck().get() as number;
      db.close();
      return n;
    };
    const n0 = count();
    const c0 = cpuSeconds(lite.servers[0]!.proc.pid!);
    const r = await load([lite.servers[0]!.url], lite.cred, lite.cfg, 1_000_000);
    const cpu = cpuSeconds(lite.servers[0]!.proc.pid!) - c0;
    rows.push({
      name: 'SQLite, 1 instance',
      ...r,
      ledgerRows: count() - n0,
      serviceCpuSeconds: cpu,
      requestsPerCpuSecond: Math.round(r.requests / cpu),
    });
    console.log(rows.at(-1));
    lite.servers[0]!.proc.kill('SIGTERM');

    const shared = await site(dir, 'postgres', cluster.url);
    const stats = async () =>
      Number(
        (
          await admin.query<{ n: string }>(
            'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]!.n,
      );
    const tokens = async () =>
      Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM tokens')).rows[0]!.n);
    let firstMeter = 2_000_000;
    for (const instances of [1, 2, 4]) {
      const servers = await Promise.all(
        Array.from({ length: instances }, () => serve(shared.data, shared.dbArgs)),
      );
      procs.push(...servers.map((s) => s.proc));
      // Warm each instance (key loaded, statements prepared), then measure from a quiet database.
      await load(
        servers.map((s) => s.url),
        shared.cred,
        shared.cfg,
        firstMeter,
        2,
      );
      firstMeter += 1_000_000;
      const t0 = await tokens();
      const x0 = await stats();
      const cpu0 = servers.map((s) => cpuSeconds(s.proc.pid!));
      const backends = async () =>
        (
          await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'sts-service'",
          )
        ).rows.map((b) => b.pid);
      const b0 = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid)]));
      const res = await load(
        servers.map((s) => s.url),
        shared.cred,
        shared.cfg,
        firstMeter,
      );
      firstMeter += 1_000_000;
      const serviceCpu = servers.reduce((sum, s, i) => sum + cpuSeconds(s.proc.pid!) - cpu0[i]!, 0);
      const dbCpu = (await backends()).reduce((sum, pid) => sum + cpuSeconds(pid) - (b0.get(pid) ?? 0), 0);
      const committed = (await tokens()) - t0;
      // Stopping the instances closes their connections: each backend reports its statistics on exit.
      await Promise.all(
        servers.map((s) => {
          const exited = new Promise((resolve) => s.proc.once('exit', resolve));
          s.proc.kill('SIGTERM');
          return exited;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const transactions = (await stats()) - x0 - 4; // less this script's own four reads
      rows.push({
        name: `PostgreSQL, ${instances} instance${instances === 1 ? '' : 's'}`,
        ...res,
        ledgerRows: committed,
        roundTripsPerToken: Math.round((transactions / committed) * 100) / 100,
        serviceCpuSeconds: Math.round(serviceCpu * 100) / 100,
        databaseCpuSeconds: Math.round(dbCpu * 100) / 100,
        requestsPerCpuSecond: Math.round(res.requests / (serviceCpu + dbCpu)),
        ratioToSqlite: Math.round((res.perSecond / (rows[0]!.perSecond as number)) * 100) / 100,
      });
      console.log(rows.at(-1));
    }
    const out = {
      measuredAt: new Date().toISOString(),
      machine: machine({
        postgres: (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!
          .v,
        note: 'startPostgres cluster: fsync=off (as SQLite WAL synchronous=NORMAL, no flush per commit)',
      }),
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      rows,
    };
    writeResults(RESULTS, out);
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await admin.end();
    cluster.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
