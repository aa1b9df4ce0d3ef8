// Load bench of `sts-meter serve`: wrk POSTs distinct tokens to POST /tokens over loopback, against a bare
// node:http server answering the same POST with a constant JSON body, measured in the same run.
// Usage (in apps/meter-sim): node --import tsx bench/http.ts [--quick]. Last stdout line: the rows as JSON.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configFromJson } from 'sts-config';
import { encodeToken, keyFromConfig } from 'sts-token';
import { markdownTable, median, writeResults } from '../../../bench/harness.ts';

export interface HttpBenchRow {
  name: string;
  ops_per_s: number;
  ratio_to_native?: number;
  p99_ms: number;
  mean_ms: number;
  target?: string;
  [k: string]: unknown;
}

const here = new URL('.', import.meta.url).pathname;
const BIN = join(here, '../bin/sts-meter.js');
/** wrk threads and connections: one core for wrk, one for the server; enough connections to fill a batch. */
const THREADS = 1;
const CONNECTIONS = 256;

const CONFIG = {
  name: 'bench',
  key_expiry_no: 255,
  encryption_algorithm: 'sta',
  token_carrier_type: 'numeric',
  decoder_key_generation_algorithm: '02',
  tariff_index: '01',
  key_revision_no: 1,
  vending_key: 'abababababababab',
  supply_group_code: '123456',
  key_type: 2,
  base_date: 1993,
  issuer_identification_no: '600727',
};
const CONFIG_YAML = `${Object.entries(CONFIG)
  .map(([k, v]) => `${k}: ${v}`)
  .join('\n')}\n`;
const DRN = '00000000000';
const MADE = '2004-01-01T00:00:00Z';
const MADE_MS = Date.parse(MADE);

// Each request takes the next token of the file (one wrk thread: one counter, so no token is sent twice
// until the file wraps; a wrapped token is a replay and the meter answers `used`, still a processed 200).
const LUA = `
local tokens = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = '{"token":"' .. line .. '"}' end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  i = i + 1
  return wrk.format(nil, nil, nil, tokens[((i - 1) % #tokens) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p99_us":%d,"mean_us":%.1f,"errors":%d,"status_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

// The native baseline: node:http, read the body, answer a constant JSON result.
const NATIVE_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ token: '23716100501183194197', result: 'accept', accepted: true, display: 'Accept' });
const s = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body);
  });
});
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port + '/'));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
`;

/** wrk from PATH; installed with apt-get as scripts/ensure-test-tools.sh does for chromium, or a clear error. */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error === undefined;
  if (isRoot && hasApt) {
    console.error('bench/http: installing Debian wrk for the HTTP load bench (apt-get)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    });
    if (r.status === 0) return;
  }
  throw new Error(
    'bench/http: wrk is missing; install it (Debian: sudo apt-get install -y wrk) and run the bench again',
  );
}

/** `count` distinct credit tokens of 0.1 kWh for the bench meter, TIDs increasing from `firstMinute`. */
function makeTokens(count: number, firstMinute: number): string[] {
  const cfg = configFromJson(CONFIG);
  if (!cfg.ok) throw new Error('bench/http: bad bench configuration');
  const key = keyFromConfig(cfg.config, DRN);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = encodeToken(key, {
      type: 'electricity',
      tenths: 1,
      time: MADE_MS + (firstMinute + i) * 60_000,
      random: i & 15,
    });
  }
  key.destroy();
  return out;
}

/** Start a server process; resolves with it and its port once it prints its listening line. */
function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) =>
      reject(new Error(`server exited (${code}) before listening: ${err.split('\n')[0]}`)),
    );
  });
}

function stopServer(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

interface WrkResult {
  rps: number;
  p99Ms: number;
  meanMs: number;
  requests: number;
  errors: number;
  statusErrors: number;
}

function runWrk(port: number, path: string, script: string, tokenFile: string, seconds: number): WrkResult {
  const r = spawnSync(
    'wrk',
    [
      `-t${THREADS}`,
      `-c${CONNECTIONS}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      script,
      `http://127.0.0.1:${port}${path}`,
      '--',
      tokenFile,
    ],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  const line = r.stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (line === undefined)
    throw new Error(`bench/http: wrk gave no summary: ${(r.stderr || r.stdout).split('\n')[0]}`);
  const j = JSON.parse(line.slice(8)) as Record<string, number>;
  return {
    rps: j.requests! / (j.duration_us! / 1e6),
    p99Ms: j.p99_us! / 1000,
    meanMs: j.mean_us! / 1000,
    requests: j.requests!,
    errors: j.errors!,
    statusErrors: j.status_errors!,
  };
}

function medianRun(runs: WrkResult[]): WrkResult {
  const m = median(runs.map((r) => r.rps));
  return runs.find((r) => r.rps === m)!;
}

/**
 * Run the bench: `runs` wrk runs of `seconds` each against the bare node:http baseline and against a real
 * `sts-meter serve` process (fresh state, TID memory 1024), median of the runs. Writes
 * bench/results/meter-sim-http.json at the repo root and returns the rows.
 */
export async function runHttpBench(opts: { quick?: boolean } = {}): Promise<HttpBenchRow[]> {
  ensureWrk();
  const seconds = opts.quick ? 3 : 5;
  const runs = opts.quick ? 1 : 2;
  const dir = mkdtempSync(join(tmpdir(), 'sts-meter-http-bench-'));
  try {
    const script = join(dir, 'post-tokens.lua');
    writeFileSync(script, LUA);
    writeFileSync(join(dir, 'sts.yml'), CONFIG_YAML);
    const state = join(dir, 'meter.json');
    const init = spawnSync(
      process.execPath,
      [
        BIN,
        'init',
        '--state',
        state,
        '--config',
        join(dir, 'sts.yml'),
        '--drn',
        DRN,
        '--now',
        MADE,
        '--tid-memory',
        '1024',
      ],
      { encoding: 'utf8' },
    );
    if (init.status !== 0)
      throw new Error(`bench/http: sts-meter init failed: ${init.stderr.split('\n')[0]}`);
    // Enough distinct tokens for the fastest plausible run; each run gets its own slice (no replays).
    const perRun = seconds * 25_000;
    const tokenFiles: string[] = [];
    for (let r = 0; r < runs; r++) {
      const f = join(dir, `tokens-${r}.txt`);
      writeFileSync(f, `${makeTokens(perRun, 1 + r * perRun).join('\n')}\n`);
      tokenFiles.push(f);
    }

    const native = await startServer(['-e', NATIVE_SERVER]);
    const nativeRuns: WrkResult[] = [];
    for (let r = 0; r < runs; r++) nativeRuns.push(runWrk(native.port, '/', script, tokenFiles[r]!, seconds));
    await stopServer(native.child);

    const meter = await startServer([BIN, 'serve', '--state', state, '--port', '0']);
    const meterRuns: WrkResult[] = [];
    for (let r = 0; r < runs; r++)
      meterRuns.push(runWrk(meter.port, '/tokens', script, tokenFiles[r]!, seconds));
    const exit = await stopServer(meter.child);
    if (exit !== 0) throw new Error(`bench/http: sts-meter serve exited ${exit} on SIGTERM`);

    // Every token credits 0.1 kWh: the durable register is the count of accepted tokens.
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { registers: { electricity: number } };
    const sent = meterRuns.reduce((a, r) => a + r.requests, 0);
    const n = medianRun(nativeRuns);
    const m = medianRun(meterRuns);
    const rows: HttpBenchRow[] = [
      {
        name: `native baseline: bare node:http POST → constant JSON (wrk -t${THREADS} -c${CONNECTIONS})`,
        ops_per_s: Math.round(n.rps),
        ratio_to_native: 1,
        p99_ms: round2(n.p99Ms),
        mean_ms: round2(n.meanMs),
        errors: n.errors + n.statusErrors,
      },
      {
        name: `sts-meter serve POST /tokens, durable group commit (wrk -t${THREADS} -c${CONNECTIONS})`,
        ops_per_s: Math.round(m.rps),
        ratio_to_native: Number((m.rps / n.rps).toFixed(3)),
        p99_ms: round2(m.p99Ms),
        mean_ms: round2(m.meanMs),
        errors: m.errors + m.statusErrors,
        accepted_on_disk: saved.registers.electricity,
        requests_sent: sent,
        target: `≥ 5000 req/s; p99 ${round2(m.p99Ms)} ms (native ${round2(n.p99Ms)} ms)`,
      },
    ];
    writeResults('meter-sim-http', rows);
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function table(rows: HttpBenchRow[]): string {
  return markdownTable(
    [
      ['benchmark', 'left'],
      ['req/s', 'right'],
      ['ratio to native', 'right'],
      ['p99 latency', 'right'],
      ['mean latency', 'right'],
    ],
    rows.map((r) => [
      r.name,
      r.ops_per_s.toLocaleString('en-US'),
      String(r.ratio_to_native ?? ''),
      `${r.p99_ms} ms`,
      `${r.mean_ms} ms`,
    ]),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runHttpBench({ quick: process.argv.includes('--quick') }).then(
    (rows) => {
      console.log(table(rows));
      console.log(JSON.stringify(rows));
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
