// Benchmark of sts-service as a real process on loopback: authenticated POST /v1/tokens (real signatures,
// distinct meters, a ledger commit per token) beside a bare node:http server in the same run, and
// POST /v1/tokens/batch of 1 M lines (tokens/s, every token in the ledger, server memory by batch size).
// Run with `npm run bench` in apps/service. BENCH_SECONDS (default 10), BENCH_CONCURRENCY (default 32),
// BENCH_BATCH_SIZES (default 100000,1000000,2000000,200000r; r: meters in random order), BENCH_ONLY (tokens or batch), BENCH_NODE_ARGS (to the
// server's node, space-separated: --require of a GC observer, say) or BENCH_CPU_PROF (a folder for CPU profiles).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { signRequest } from 'sts-client';
import { cpuSeconds, machine, meter, signed, site, writeResults } from './bench-site.ts';
import { type LoadResult, requestBytes, runLoad } from './socket-load.ts';

const RESULTS = fileURLToPath(new URL('../../../bench/results/service.json', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PRESIGNED = Number(process.env.BENCH_PRESIGNED ?? 150_000);
const BATCH_SIZES = (process.env.BENCH_BATCH_SIZES ?? '100000,1000000,2000000,200000r')
  .split(',')
  .map((s) => ({ lines: Number.parseInt(s, 10), random: s.endsWith('r') }));
/**
 * Meters in random order: distinct numbers spread over 5e9..9.3e9 (i times a constant, modulo a prime),
 * apart from the ones in order. Each row of the ledger's meter index then lands on a page of its own.
 */
const scattered = (i: number): number => 5e9 + ((i * 2654435761) % 4294967291);
/** `tokens` or `batch`: only those rows, printed and not written to the results. */
const ONLY = process.env.BENCH_ONLY;

function startProcess(args: string[]): Promise<{ url: string; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      const m = /(http:\/\/\S+)/.exec(line);
      if (m === null) reject(new Error(line));
      else resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (c) => reject(new Error(`exited ${c}`)));
  });
}

/** Peak resident memory of a process so far (VmHWM), MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}
/** Two decimals: CPU seconds are whole clock ticks, their differences float noise. */
const round2 = (x: number): number => Math.round(x * 100) / 100;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** `count` requests made by `make`, as bytes for the socket load generator (signed before the clock starts). */
async function prepare(
  url: string,
  count: number,
  make: (i: number) => Promise<{ headers: Record<string, string>; body: string; path: string }>,
): Promise<Buffer[]> {
  const u = new URL(url);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const r = await make(i);
    out.push(requestBytes('POST', r.path, r.headers, r.body, u.host));
  }
  return out;
}

/** The socket load generator against one server: CONCURRENCY connections for SECONDS. */
async function load(
  url: string,
  make: (i: number) => Promise<{ headers: Record<string, string>; body: string; path: string }>,
): Promise<LoadResult> {
  const requests = await prepare(url, PRESIGNED, make);
  const u = new URL(url);
  return runLoad([{ host: u.hostname, port: Number(u.port) }], requests, SECONDS, CONCURRENCY);
}

/**
 * POST /v1/tokens/batch with a body made beforehand (`chunks`, JSON Lines), as a load generator of ours
 * should: the CPU it spends while the clock runs is only sending and counting answer lines on bytes.
 */
async function batch(
  url: string,
  headers: Record<string, string>,
  chunks: readonly Buffer[],
  lines: number,
  serverPid: number,
  walFile: string,
) {
  const u = new URL(url);
  const started = performance.now();
  let answers = 0;
  let errorsSeen = 0;
  let firstError = '';
  let maxRss = 0;
  let maxWal = 0;
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, rssMb(serverPid));
    maxWal = Math.max(maxWal, existsSync(walFile) ? statSync(walFile).size : 0);
  }, 200);
  const ERROR = Buffer.from('"error":');
  await new Promise<void>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: '/v1/tokens/batch', method: 'POST', headers },
      (res) => {
        // The end of the previous piece goes before the next: a marker cut in two is still found.
        let tail: Buffer = Buffer.alloc(0);
        res.on('data', (piece: Buffer) => {
          for (let nl = piece.indexOf(10); nl !== -1; nl = piece.indexOf(10, nl + 1)) answers++;
          const text = tail.length === 0 ? piece : Buffer.concat([tail, piece]);
          for (let e = text.indexOf(ERROR); e !== -1; e = text.indexOf(ERROR, e + 1)) {
            errorsSeen++;
            if (firstError === '') firstError = text.toString('utf8', Math.max(0, e - 40), e + 160);
          }
          tail = Buffer.from(text.subarray(Math.max(0, text.length - ERROR.length + 1)));
        });
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    let i = 0;
    const pump = (): void => {
      while (i < chunks.length)
        if (!req.write(chunks[i++]!)) {
          req.once('drain', pump);
          return;
        }
      req.end();
    };
    pump();
  });
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const tokens = answers - errorsSeen;
  return {
    lines,
    tokens,
    errors: errorsSeen,
    firstError,
    seconds: Math.round(seconds * 100) / 100,
    tokensPerSecond: Math.round(tokens / seconds),
    serverRssMaxMb: maxRss,
    walMaxMb: Math.round(maxWal / 1048576),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sts-service-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const profile = process.env.BENCH_CPU_PROF;
    const setup = await site(
      dir,
      'data',
      undefined,
      profile
        ? ['--cpu-prof', `--cpu-prof-dir=${profile}`]
        : (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
    );
    const { cred, data } = setup;
    const server = setup.servers[0]!;
    procs.push(server.proc);
    const cfg = { ref: setup.cfg };

    // The floor: a bare node:http server that reads the body and answers a token-sized JSON.
    const bare = await startProcess([
      '-e',
      `require('node:http').createServer((q,s)=>{let n=0;q.on('data',d=>n+=d.length);q.on('end',()=>{const b=JSON.stringify({status:{code:200,message:'OK',request_id:'0123456789abcdef'},data:{data:[{ref:'tok_0123456789abcdef0123',token_no:'12345678901234567890',n}]}});s.writeHead(200,{'content-type':'application/json','content-length':Buffer.byteLength(b)});s.end(b)})}).listen(0,'127.0.0.1',function(){console.log('listening on http://127.0.0.1:'+this.address().port)})`,
    ]);
    procs.push(bare.proc);
    const tokenRequest = async (i: number) => {
      const body = JSON.stringify({
        class: '0',
        subclass: '0',
        type: 'native',
        amount: 10,
        decoder_reference_number: meter(i),
        config_ref: cfg.ref,
      });
      return { headers: await signed('POST', '/v1/tokens', body, cred), body, path: '/v1/tokens' };
    };
    const rows: Record<string, unknown>[] = [];
    const tokenRows = async (): Promise<void> => {
      let cpu0 = cpuSeconds(bare.proc.pid!);
      const floor = await load(bare.url, tokenRequest);
      const bareCpu = round2(cpuSeconds(bare.proc.pid!) - cpu0);
      rows.push({
        name: 'bare node:http (reads the body, answers JSON)',
        ...floor,
        serverCpuSeconds: bareCpu,
        perServerCpuSecond: Math.round(floor.requests / bareCpu),
        note: 'baseline, same load generator',
      });
      console.log(rows.at(-1));
      const before = new Database(path.join(data, 'service.db'), { readonly: true });
      const count0 = before.prepare('SELECT count(*) FROM tokens').pluck().get() as number;
      before.close();
      cpu0 = cpuSeconds(server.proc.pid!);
      const svc = await load(server.url, async (i) => tokenRequest(10_000_000 + i));
      const svcCpu = round2(cpuSeconds(server.proc.pid!) - cpu0);
      const after = new Database(path.join(data, 'service.db'), { readonly: true });
      const committed = (after.prepare('SELECT count(*) FROM tokens').pluck().get() as number) - count0;
      after.close();
      rows.push({
        name: 'sts-service POST /v1/tokens (signed, distinct meters, ledger commit each)',
        ...svc,
        ledgerRows: committed,
        serverCpuSeconds: svcCpu,
        perServerCpuSecond: Math.round(svc.requests / svcCpu),
        ratioToBare: Math.round((floor.perSecond / svc.perSecond) * 100) / 100,
        floor: 3000,
        result: svc.perSecond >= 3000 ? 'PASS' : 'FAIL',
      });
      console.log(rows.at(-1));
    };
    const batchRows = async (): Promise<void> => {
      let offset = 20_000_000;
      for (const { lines, random } of BATCH_SIZES) {
        const { createHash } = await import('node:crypto');
        const md5 = createHash('md5');
        const line = (i: number) =>
          `{"id":${i},"type":"electricity","config_ref":"${cfg.ref}","drn":"${meter(random ? scattered(i) : offset + i)}","amount":"${(i % 500) + 1}"}\n`;
        const chunks: Buffer[] = [];
        for (let i = 0; i < lines; i += 1000) {
          let text = '';
          for (let k = i; k < Math.min(lines, i + 1000); k++) text += line(k);
          chunks.push(Buffer.from(text));
          md5.update(chunks.at(-1)!);
        }
        const date = new Date().toUTCString();
        const h = await signRequest({
          method: 'POST',
          path: '/v1/tokens/batch',
          body: '',
          contentType: 'application/x-ndjson',
          date,
          nonce: randomBytes(16).toString('hex'),
          key: cred.key,
          secret: cred.secret,
        });
        // The signature covers the Content-MD5 header: sign again with the real one in place of the empty body's.
        const real = md5.digest('hex').toUpperCase();
        const { createHmac } = await import('node:crypto');
        const hex = createHmac('sha256', cred.secret)
          .update(`POST/v1/tokens/batch${real}application/x-ndjson${date}${h.nonce}`)
          .digest('hex');
        const headers = {
          ...h,
          'Content-MD5': real,
          Authorization: `nectar ${cred.key}:${Buffer.from(hex).toString('base64')}`,
        };
        const db0 = new Database(path.join(data, 'service.db'), { readonly: true });
        const n0 = db0.prepare('SELECT count(*) FROM tokens').pluck().get() as number;
        db0.close();
        const c0 = cpuSeconds(server.proc.pid!);
        const g0 = process.cpuUsage();
        const r = await batch(
          server.url,
          headers,
          chunks,
          lines,
          server.proc.pid!,
          path.join(data, 'service.db-wal'),
        );
        const batchCpu = round2(cpuSeconds(server.proc.pid!) - c0);
        const g = process.cpuUsage(g0);
        const generatorCpu = Math.round((g.user + g.system) / 10_000) / 100;
        const db1 = new Database(path.join(data, 'service.db'), { readonly: true });
        const inLedger = (db1.prepare('SELECT count(*) FROM tokens').pluck().get() as number) - n0;
        db1.close();
        offset += lines;
        rows.push({
          name: `sts-service POST /v1/tokens/batch, ${lines.toLocaleString('en')} lines${random ? ', meters in random order' : ''}`,
          ...r,
          ledgerRows: inLedger,
          everyTokenInLedger: inLedger === r.tokens && r.tokens === lines,
          serverCpuSeconds: batchCpu,
          tokensPerServerCpuSecond: Math.round(r.tokens / batchCpu),
          generatorCpuSeconds: generatorCpu,
          serverPeakRssMb: peakRssMb(server.proc.pid!),
          // The target row is the one with meters in order; at random each row of the ledger's meter
          // index lands on a page of its own, and the row shows what that costs (README, "Speed").
          ...(random ? {} : { floor: 100_000, result: r.tokensPerSecond >= 100_000 ? 'PASS' : 'FAIL' }),
        });
        console.log(rows.at(-1));
      }
    };
    if (ONLY !== 'batch') await tokenRows();
    if (ONLY !== 'tokens') await batchRows();
    if (ONLY !== undefined) return; // a partial run is printed, not written
    const out = {
      measuredAt: new Date().toISOString(),
      machine: machine(),
      seconds: SECONDS,
      concurrency: CONCURRENCY,
      rows,
    };
    writeResults(RESULTS, out);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
