// sts-service on PostgreSQL: real `serve` processes (two and four) on one private cluster, 2,000
// concurrent requests, nonce and Idempotency-Key races, kill -9, the database stopped for 5 s, audit verify.
import { existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { type PostgresCluster, startPostgres } from 'sts-cli-kit/testing';
import { configFromJson, type StsConfig } from 'sts-config';
import { luhnCheckDigit } from 'sts-crypto';
import { decodeToken, keyFromConfig } from 'sts-token';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleBody, CONFIG_2014, type TokenView } from './fixture.ts';
import {
  type Credential,
  call,
  cli,
  createCredential,
  type Reply,
  rsaFiles,
  type Server,
  signedHeaders,
  startServer,
  tempDir,
  transcript,
} from './helpers.ts';

const TENANT = 'tenant-a';
/** 50 meters: ten digits and their Luhn check digit (the DRN rule for IIN 600727). */
const METERS = Array.from({ length: 50 }, (_, i) => {
  const base = String(4_100_000_000 + i * 7919);
  return base + luhnCheckDigit(base);
});

let cluster: PostgresCluster;
let db: pg.Pool;
let work: { dir: string; cleanup(): void };
let data: string;
let cred: Credential;
let servers: Server[] = [];
let cfg: string;
const config = configFromJson(CONFIG_2014);

/** Every token any instance answered with 200, over the whole file. */
const answered: { meter: string; token: TokenView }[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  db = new pg.Pool({ connectionString: cluster.url, max: 2 });
  db.on('error', () => {});
  work = tempDir();
  data = path.join(work.dir, 'data');
  const service = rsaFiles(work.dir, 'service');
  const signer = rsaFiles(work.dir, 'signer');
  const init = await cli(['init', '--data', data, '--rsa-key', service.key, '--database', cluster.url]);
  if (init.code !== 0) throw new Error(init.stderr);
  cred = await createCredential(data, 'loader', ['--tenant', TENANT, '--database', cluster.url]);
  servers = await Promise.all([0, 1, 2, 3].map(() => startServer(data, ['--database', cluster.url])));
  const key = await call(servers[0]!, cred, 'POST', '/v1/public_keys', {
    name: 'ceremony',
    key: signer.pubPem,
    activated: true,
  });
  if (key.status !== 200) throw new Error(key.text);
  // Uploaded through another instance than the key: both read the one database.
  const up = await call(
    servers[1]!,
    cred,
    'POST',
    '/v1/configurations',
    bundleBody({ signer, service }, CONFIG_2014),
  );
  if (up.status !== 200) throw new Error(up.text);
  cfg = (up.body.data!.data as { ref: string }).ref;
});

afterAll(async () => {
  agent.destroy();
  await Promise.all(servers.map((s) => (s.proc.exitCode === null ? s.stop() : undefined)));
  await db?.end();
  cluster?.destroy();
  work?.cleanup();
});

const credit = (meter: string) => ({
  class: '0',
  subclass: '0',
  type: 'native',
  amount: 10,
  random_no: 5,
  is_stid: false,
  decoder_reference_number: meter,
  config_ref: cfg,
  debug: false,
});

interface Outcome {
  server: number;
  status: number;
  /** When the request was sent and its answer read (ms). */
  startedAt: number;
  endedAt: number;
  reply?: Reply;
}

/**
 * Keep-alive connections, at most 50 per instance: every request of a burst is sent at once and
 * queues here for a connection, as behind a load balancer (2,000 new sockets at once would only
 * measure the kernel's listen backlog). An idle socket is dropped after 2 s, before the server's
 * 5 s keep-alive timeout: a request is never sent on a socket the server is closing (status 0).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 50, timeout: 2000 });

/** The headers of a signed POST by the test credential (a new nonce, the current date). */
const signedPost = (path: string, body: string, contentType = 'application/json') =>
  signedHeaders(cred, 'POST', path, body, contentType);

/** One credit token request for `meter` to `servers[i]`; status 0 when the connection failed. */
async function ask(i: number, meter: string, extra: Record<string, string> = {}): Promise<Outcome> {
  const text = JSON.stringify(credit(meter));
  const headers = { ...(await signedPost('/v1/tokens', text)), ...extra };
  const url = new URL(servers[i]!.url);
  const startedAt = Date.now();
  try {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/v1/tokens', method: 'POST', agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const t = Buffer.concat(chunks).toString('utf8');
            transcript.push(t);
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(t), text: t, headers: h });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
    if (reply.status === 200)
      for (const token of reply.body.data!.data as TokenView[]) answered.push({ meter, token });
    return { server: i, status: reply.status, startedAt, endedAt: Date.now(), reply };
  } catch {
    return { server: i, status: 0, startedAt, endedAt: Date.now() };
  }
}

/** How many outcomes had each status (and error code): a failed expectation shows what came back. */
function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const o of outcomes) {
    const code = o.reply?.body.error?.code;
    const k = code === undefined ? String(o.status) : `${o.status} ${code}`;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

/** `n` requests at once, round robin over `instances` and the 50 meters, no token_id. */
function burst(n: number, instances: number[], onAnswer?: (done: number) => void): Promise<Outcome[]> {
  let done = 0;
  return Promise.all(
    Array.from({ length: n }, (_, k) =>
      ask(instances[k % instances.length]!, METERS[k % METERS.length]!).then((o) => {
        if (o.status === 200) onAnswer?.(++done);
        return o;
      }),
    ),
  );
}

const keys = new Map<string, ReturnType<typeof keyFromConfig>>();
function decodedTid(meter: string, tokenNo: string): number {
  if (!config.ok) throw new Error('CONFIG_2014 does not parse');
  let key = keys.get(meter);
  if (key === undefined) {
    key = keyFromConfig(config.config as StsConfig, meter);
    keys.set(meter, key);
  }
  const d = decodeToken(tokenNo, key);
  if (!d.ok || !d.crcOk || !('tid' in d)) throw new Error(`token ${tokenNo} of ${meter} does not decode`);
  return d.tid as number;
}

/**
 * The ledger holds every answered token (same digits, same TID), no token twice, and no TID twice
 * for a meter: checked by the database's grouping and by decoding every stored token.
 */
async function checkLedger(): Promise<number> {
  const rows = (
    await db.query<{ ref: string; meter: string; token_no: string; tid: number }>(
      'SELECT ref, meter, token_no, tid FROM tokens WHERE tenant = $1',
      [TENANT],
    )
  ).rows;
  const byRef = new Map(rows.map((r) => [r.ref, r]));
  for (const a of answered) {
    const row = byRef.get(a.token.ref);
    expect(row, `answered token ${a.token.ref} is in the ledger`).toBeDefined();
    expect([row!.meter, row!.token_no, row!.tid]).toEqual([a.meter, a.token.token_no, a.token.tid]);
  }
  expect(new Set(rows.map((r) => r.token_no)).size).toBe(rows.length);
  const repeats = await db.query(
    'SELECT meter, tid FROM tokens WHERE tenant = $1 GROUP BY meter, tid HAVING count(*) > 1',
    [TENANT],
  );
  expect(repeats.rows).toEqual([]);
  const seen = new Set<string>();
  for (const r of rows) {
    const tid = decodedTid(r.meter, r.token_no);
    expect(tid).toBe(r.tid);
    const id = `${r.meter}/${tid}`;
    expect(seen.has(id), `TID ${tid} of meter ${r.meter} issued twice`).toBe(false);
    seen.add(id);
  }
  return rows.length;
}

describe('migrations and the schema check', () => {
  test('serve refuses a database without the schema and one newer than the code, in one line, exit 3; migrate applies 0001 once', async () => {
    await db.query('CREATE DATABASE other');
    const url = cluster.url.replace(/\/[^/]+$/, '/other');
    const shown = url;
    const empty = await cli(['serve', '--data', data, '--database', url, '--port', '0']);
    expect([empty.code, empty.stdout, empty.stderr]).toEqual([
      3,
      '',
      `sts-service: database ${shown} has no sts-service schema; run 'sts-service migrate --database URL' first\n`,
    ]);
    const first = await cli(['migrate', '--database', url]);
    expect([first.code, first.stdout]).toEqual([
      0,
      `database ${shown} migrated from schema version 0 to 1 (0001_initial)\n`,
    ]);
    const again = await cli(['migrate', '--database', url, '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ database: shown, from: 1, to: 1, applied: [] });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("INSERT INTO schema_migrations (version, name) VALUES (2, 'from_the_future')");
    await other.end();
    const newer = await cli(['serve', '--data', data, '--database', url, '--port', '0']);
    expect([newer.code, newer.stderr]).toEqual([
      3,
      `sts-service: database ${shown} has schema version 2, newer than this sts-service's 1; run the sts-service release that migrated it\n`,
    ]);
    const refusedMigrate = await cli(['migrate', '--database', url]);
    expect(refusedMigrate.code).toBe(3);
  });

  test('init --database on a database that already has the schema is refused before anything is written', async () => {
    const dir = path.join(work.dir, 'second');
    const r = await cli(['init', '--data', dir, '--database', cluster.url]);
    expect([r.code, r.stderr]).toEqual([
      3,
      `sts-service: database ${cluster.url} already has the sts-service schema; give this instance a copy of the data folder made with it instead of running init again\n`,
    ]);
    expect(existsSync(dir)).toBe(false);
  });

  test('a database that cannot be reached is one line and exit 3; a bad URL is exit 2 and never echoed', async () => {
    const down = await cli([
      'credentials',
      'list',
      '--data',
      data,
      '--database',
      'postgres://u@127.0.0.1:1/x',
    ]);
    expect([down.code, down.stderr]).toEqual([
      3,
      'sts-service: cannot reach the database postgres://u@127.0.0.1:1/x: ECONNREFUSED\n',
    ]);
    const bad = await cli(['serve', '--data', data, '--database', 'mysql://u:hunter2@h/db']);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'sts-service: --database must be a URL like postgres://USER@HOST:PORT/DB\n',
    ]);
  });
});

describe('several instances, one ledger', () => {
  test.each([
    ['two', [0, 1]],
    ['four', [0, 1, 2, 3]],
  ])(
    '%s instances: 2,000 concurrent requests over 50 meters without token_id give distinct tokens, TIDs unique per meter, all in the ledger',
    async (_n, instances) => {
      const before = answered.length;
      const outcomes = await burst(2000, instances);
      expect(tally(outcomes)).toEqual({ 200: 2000 });
      expect(answered.length - before).toBe(2000);
      // Each instance answered its share: the load really was spread.
      for (const i of instances)
        expect(outcomes.filter((o) => o.server === i && o.status === 200).length).toBe(
          2000 / instances.length,
        );
      await checkLedger();
    },
    180_000,
  );

  test('the same nonce sent to two instances at once is accepted exactly once', async () => {
    const date = new Date().toUTCString();
    const pairs = await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        const nonce = `race-nonce-${k}-${Date.now()}`;
        const send = (i: number) =>
          call(servers[i]!, cred, 'GET', '/v1/public_keys', undefined, { nonce, date });
        return Promise.all([send(0), send(1)]);
      }),
    );
    for (const [a, b] of pairs) {
      expect([a.status, b.status].sort()).toEqual([200, 401]);
      expect((a.status === 401 ? a : b).body.error?.code).toBe('replayed-nonce');
    }
  });

  test('the same Idempotency-Key sent to two instances at once gives one token and identical answers', async () => {
    const results = await Promise.all(
      METERS.slice(0, 10).map(async (_, k) => {
        const meter = `${String(4_200_000_000 + k)}`;
        const drn = meter + luhnCheckDigit(meter);
        const headers = { 'idempotency-key': `race-key-${k}-${Date.now()}` };
        const [a, b] = await Promise.all([ask(2, drn, headers), ask(3, drn, headers)]);
        return { drn, a: a.reply!, b: b.reply! };
      }),
    );
    for (const { drn, a, b } of results) {
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.text).toBe(b.text);
      const n = await db.query('SELECT count(*)::int AS n FROM tokens WHERE tenant = $1 AND meter = $2', [
        TENANT,
        drn,
      ]);
      expect(n.rows[0].n).toBe(1);
    }
    await checkLedger();
  });
});

/** POST /v1/tokens/batch to `servers[i]`: the answer lines. */
interface BatchLine {
  id: string | number | null;
  tokens?: { ref: string; tid: number }[];
  error?: { code: string; message: string };
}

async function batch(i: number, lines: readonly Record<string, unknown>[]): Promise<BatchLine[]> {
  const body = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
  const h = await signedPost('/v1/tokens/batch', body, 'application/x-ndjson');
  const res = await fetch(`${servers[i]!.url}/v1/tokens/batch`, { method: 'POST', headers: h, body });
  const text = await res.text();
  transcript.push(text);
  expect(res.status).toBe(200);
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BatchLine);
}

describe('batches', () => {
  test('two batches on two instances at once over the same meters: every line answered, a taken TID refused in its line, the rest in the ledger', async () => {
    const line = (id: string, meter: string, extra: Record<string, unknown> = {}) => ({
      id,
      type: 'electricity',
      config_ref: cfg,
      drn: meter,
      amount: '2',
      ...extra,
    });
    const fixed = { time: '2025-03-01T10:00:00Z' };
    const mine = (tag: string) => [
      ...Array.from({ length: 40 }, (_, k) => line(`${tag}${k}`, METERS[k % 5]!)),
      line(`${tag}-fixed`, METERS[7]!, fixed),
    ];
    const [a, b] = await Promise.all([batch(0, mine('a')), batch(1, mine('b'))]);
    const all = [...a, ...b];
    expect(all.map((l) => l.id).sort()).toEqual([...mine('a'), ...mine('b')].map((l) => l.id).sort());
    // The two lines with the same explicit time for one meter: one token, one tid-taken.
    const fixedLines = all.filter((l) => String(l.id).endsWith('-fixed'));
    expect(fixedLines.map((l) => (l.error === undefined ? 'token' : l.error.code)).sort()).toEqual([
      'tid-taken',
      'token',
    ]);
    const tokens = all.flatMap((l) => l.tokens ?? []);
    expect(tokens.length).toBe(81);
    const rows = await db.query<{ ref: string; tid: number }>(
      'SELECT ref, tid FROM tokens WHERE ref = ANY($1::text[])',
      [tokens.map((t) => t.ref)],
    );
    expect(new Map(rows.rows.map((r) => [r.ref, r.tid]))).toEqual(new Map(tokens.map((t) => [t.ref, t.tid])));
    await checkLedger();
  });
});

describe('faults', () => {
  test('kill -9 of one instance mid-load: the others answer every request, no answered token is lost, no TID repeats', async () => {
    let killed: Promise<void> | undefined;
    const outcomes = await burst(1000, [0, 1, 2, 3], (done) => {
      if (done === 250) killed = servers[3]!.kill9();
    });
    await killed;
    expect(servers[3]!.proc.signalCode).toBe('SIGKILL');
    const others = outcomes.filter((o) => o.server !== 3);
    expect(tally(others)).toEqual({ 200: others.length });
    expect(outcomes.filter((o) => o.server === 3 && o.status === 200).length).toBeGreaterThan(0);
    await checkLedger();
  });

  test('PostgreSQL stopped for 5 s mid-load: 503 with Retry-After during the gap, success after, nothing duplicated', async () => {
    const live = [0, 1, 2];
    const outcomes: Outcome[] = [];
    let running = true;
    const workers = Array.from({ length: 12 }, async (_, w) => {
      for (let k = 0; running; k++) {
        const o = await ask(live[(w + k) % live.length]!, METERS[(w * 7 + k) % METERS.length]!);
        outcomes.push(o);
        if (o.status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
    });
    await new Promise((r) => setTimeout(r, 1000));
    cluster.stop();
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const restarting = Date.now();
    cluster.start(); // synchronous: this process's clock readings stall until it returns
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    running = false;
    await Promise.all(workers);

    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    for (const o of unavailable) {
      expect(o.reply!.headers.get('retry-after')).toBe('2');
      expect(o.reply!.body.error).toEqual({
        code: 'database-unavailable',
        message: 'the database is unavailable; retry shortly',
      });
    }
    const t = tally(outcomes);
    expect(t).toEqual({ 200: t['200'], '503 database-unavailable': unavailable.length });
    // A request sent and answered while the database was down cannot have been answered 200.
    expect(tally(outcomes.filter((o) => o.startedAt > stoppedAt + 200 && o.endedAt < restarting))).toEqual({
      '503 database-unavailable': expect.any(Number),
    });
    const after = outcomes.filter((o) => o.startedAt > startedAt + 1500);
    expect(after.length).toBeGreaterThan(20);
    expect(tally(after)).toEqual({ 200: after.length });
    await checkLedger();
  });

  test('audit verify on the shared database after all of it: intact, covering every ledger row', async () => {
    const total = await checkLedger();
    const r = await cli(['audit', 'verify', '--data', data, '--database', cluster.url, '--json']);
    expect(r.code).toBe(0);
    const verdict = JSON.parse(r.stdout) as { ok: boolean; tokens: number };
    expect(verdict).toMatchObject({ ok: true, tokens: total });
  }, 150_000); // one query per audit entry over every ledger row of the suite: tens of seconds when loaded

  test('no output of any process or response carries the API secret (past its one print by create) or the vending key', () => {
    const all = transcript.join('\n') + servers.map((s) => s.stderr()).join('\n');
    expect(all.split(cred.secret).length - 1).toBe(1);
    expect(all.toLowerCase().includes(CONFIG_2014.vending_key)).toBe(false);
  });
});
