// Benchmark of sts-keygen as a real process: `bundle` and `bundle open` with existing RSA-4096 keys,
// and `rsa` (key generation dominates). Run with `npm run bench` in apps/keygen; BENCH_RUNS (default 5).
// Reports the in-process time of each command's work (its --json `timing`), the process wall time,
// and `node -e ''` as the native floor of a process start. Writes bench/results/keygen.json.

import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable, writeResults } from '../../../bench/harness.ts';

const BIN = fileURLToPath(new URL('../bin/sts-keygen.js', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RSA_RUNS = Number(process.env.BENCH_RSA_RUNS ?? 3);

const CONFIG = `---
name: bench
key_expiry_no: 255
encryption_algorithm: sta
token_carrier_type: numeric
decoder_key_generation_algorithm: 02
tariff_index: 01
key_revision_no: 1
vending_key: 0123456789abcdef
supply_group_code: 123456
key_type: 2
base_date: 1993
issuer_identification_no: 600727
`;

/** The true median (of an even count, the mean of the two middle ones), unlike the harness's upper middle:
 *  keygen's figures have always been read so. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run a process; returns wall ms and the parsed --json document (or undefined). */
function timed(args: string[]): { wallMs: number; doc: { timing?: Record<string, number> } | undefined } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  let doc: { timing?: Record<string, number> } | undefined;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    doc = undefined;
  }
  return { wallMs, doc };
}

const work = mkdtempSync(join(tmpdir(), 'sts-keygen-bench-'));
try {
  const config = join(work, 'sts_config.yml');
  writeFileSync(config, CONFIG);
  const keys: Record<string, string> = {};
  for (const who of ['user', 'kmc']) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 4096 });
    keys[`${who}Private`] = join(work, `${who}.pem`);
    keys[`${who}Public`] = join(work, `${who}.pub`);
    writeFileSync(keys[`${who}Private`]!, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(keys[`${who}Public`]!, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  }

  const nativeWall: number[] = [];
  const bundleWork: number[] = [];
  const bundleWall: number[] = [];
  const openWork: number[] = [];
  const openWall: number[] = [];
  const rsaGen: number[] = [];
  const rsaWork: number[] = [];
  const rsaWall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    nativeWall.push(timed(['-e', '']).wallMs);
    const out = join(work, `b${i}`);
    const b = timed([
      BIN,
      'bundle',
      '--json',
      '--config',
      config,
      '--signing-key',
      keys.userPrivate!,
      '--recipient',
      keys.kmcPublic!,
      '--out',
      out,
    ]);
    bundleWall.push(b.wallMs);
    bundleWork.push(b.doc?.timing?.totalMs ?? Number.NaN);
    const o = timed([
      BIN,
      'bundle',
      'open',
      '--json',
      '--dir',
      out,
      '--recipient-key',
      keys.kmcPrivate!,
      '--signer',
      keys.userPublic!,
    ]);
    openWall.push(o.wallMs);
    openWork.push(o.doc?.timing?.totalMs ?? Number.NaN);
  }
  for (let i = 0; i < RSA_RUNS; i++) {
    const dir = join(work, `rsa${i}`);
    mkdirSync(dir);
    const r = timed([BIN, 'rsa', '--json', '--out', join(dir, 'k')]);
    rsaWall.push(r.wallMs);
    rsaGen.push(r.doc?.timing?.generateMs ?? Number.NaN);
    rsaWork.push(r.doc?.timing?.totalMs ?? Number.NaN);
  }

  const native = median(nativeWall);
  const rows = [
    { name: "node -e '' (process start, native floor)", work_ms: 0, wall_ms: native },
    {
      name: 'bundle (RSA-4096 keys, nectar profile)',
      work_ms: median(bundleWork),
      wall_ms: median(bundleWall),
    },
    { name: 'bundle open (RSA-4096, nectar profile)', work_ms: median(openWork), wall_ms: median(openWall) },
    {
      name: 'rsa (RSA-4096 generation + checks)',
      work_ms: median(rsaWork),
      wall_ms: median(rsaWall),
      generate_ms: median(rsaGen),
    },
  ];
  const json = rows.map((r) => ({
    ...r,
    work_ms: Math.round(r.work_ms * 10) / 10,
    wall_ms: Math.round(r.wall_ms * 10) / 10,
    ops_per_s: Math.round((1000 / r.wall_ms) * 100) / 100,
    ratio_to_native: Math.round((r.wall_ms / native) * 100) / 100,
    runs: r.name.startsWith('rsa') ? RSA_RUNS : RUNS,
  }));
  const written = writeResults('keygen', json);
  console.log(
    markdownTable(
      [
        ['command', 'left'],
        ['work in process (median ms)', 'right'],
        ['process wall (median ms)', 'right'],
        ["wall / node -e ''", 'right'],
      ],
      json.map((r) => [r.name, String(r.work_ms), String(r.wall_ms), String(r.ratio_to_native)]),
    ),
  );
  console.log(`\n${RUNS} runs (rsa: ${RSA_RUNS}), medians; written to ${written}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
