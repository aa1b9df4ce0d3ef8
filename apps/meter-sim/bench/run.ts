// Benchmark of sts-meter: in-process token processing (STA, MISTY1) against a node:crypto baseline measured
// in the same run, and the real `sts-meter fleet` CLI (100,000 meters × 10 tokens: wall time, peak RSS).
// Usage (in apps/meter-sim): node --import tsx bench/run.ts [--quick]. Runs bench/http.ts too when present.

import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes, prepareMisty1Key, prepareStaKey } from 'sts-crypto';
import { markdownTable, median, writeResults } from '../../../bench/harness.ts';
import { Meter } from '../src/meter.ts';
import { buildToken, timedBlock } from '../src/token-encoder.ts';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const TOKENS = 200_000;
const here = new URL('.', import.meta.url).pathname;

interface Row {
  name: string;
  ops_per_s: number;
  ratio_to_native?: number;
  unit?: string;
  [k: string]: unknown;
}

const MADE = new Date('2004-01-01T00:00:00Z');
const MADE_TID = 5_784_480;

/** Distinct fresh credit tokens (increasing TIDs) for one key. */
function tokensFor(alg: 'sta' | 'misty1', keyHex: string): string[] {
  const c = alg === 'sta' ? prepareStaKey(hexToBytes(keyHex)) : prepareMisty1Key(hexToBytes(keyHex));
  const out: string[] = new Array(TOKENS);
  for (let i = 0; i < TOKENS; i++) {
    const [h, l] = timedBlock(0, i & 15, MADE_TID + 1 + i, 1 + (i % 1000));
    out[i] = buildToken(0, h, l, c);
  }
  c.destroy();
  return out;
}

/** Tokens per second of a prepared meter (event log on, as the CLI uses it) over distinct fresh tokens. */
function meterRate(alg: 'sta' | 'misty1', keyHex: string, tokens: string[]): number {
  const rates: number[] = [];
  const now = new Date('2005-01-01T00:00:00Z');
  for (let run = 0; run < RUNS; run++) {
    const m = Meter.create({
      key: { decoderKey: hexToBytes(keyHex), encryptionAlgorithm: alg, baseDate: 1993 },
      drn: '00000000000',
      now: MADE,
    });
    const t0 = performance.now();
    let accepted = 0;
    for (const t of tokens) if (m.enter(t, now).accepted) accepted++;
    const s = (performance.now() - t0) / 1000;
    if (accepted !== tokens.length) throw new Error(`bench: only ${accepted} of ${tokens.length} accepted`);
    rates.push(tokens.length / s);
    m.destroy();
  }
  return median(rates);
}

/** Native baseline: one prepared node:crypto block-cipher call per token (DES-ECB if OpenSSL still has it). */
function nativeRate(): { rate: number; cipher: string } {
  let cipher = 'des-ecb';
  let c: ReturnType<typeof createCipheriv>;
  try {
    c = createCipheriv('des-ecb', Buffer.alloc(8, 0x13), null);
  } catch {
    cipher = 'aes-128-ecb'; // OpenSSL 3 keeps DES in the legacy provider, not loaded by default
    c = createCipheriv(cipher, Buffer.alloc(16, 0x13), null);
  }
  c.setAutoPadding(false);
  const block = Buffer.alloc(cipher === 'des-ecb' ? 8 : 16);
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < TOKENS; i++) {
      block.writeUInt32BE(i, 0);
      x ^= c.update(block)[0]!;
    }
    rates.push(TOKENS / ((performance.now() - t0) / 1000));
    if (x === 256) console.log(x); // keep the result alive
  }
  return { rate: median(rates), cipher };
}

function fleetRun(
  meters: number,
  tokensPerMeter: number,
): { wallS: number; peakRssMb: number; mismatches: number } {
  const dir = mkdtempSync(join(tmpdir(), 'sts-meter-bench-'));
  const config = join(dir, 'sts.yml');
  writeFileSync(
    config,
    'name: bench\nkey_expiry_no: 255\nencryption_algorithm: sta\ntoken_carrier_type: numeric\n' +
      'decoder_key_generation_algorithm: 02\ntariff_index: 01\nkey_revision_no: 1\nvending_key: abababababababab\n' +
      'supply_group_code: 123456\nkey_type: 2\nbase_date: 1993\nissuer_identification_no: 600727\n',
  );
  const bin = join(here, '../bin/sts-meter.js');
  const args = [
    'fleet',
    '--config',
    config,
    '--meters',
    String(meters),
    '--tokens-per-meter',
    String(tokensPerMeter),
    '--seed',
    '1',
    '--json',
  ];
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wallS = (performance.now() - t0) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 && r.status !== 1) throw new Error(`fleet failed: ${r.stderr.split('\n')[0]}`);
  const report = JSON.parse(r.stdout) as { mismatches: number };
  return { wallS, peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, mismatches: report.mismatches };
}

const STA_KEY = 'E653341F9D5BF36F';
const MISTY_KEY = 'F94B6ED353C3BFDB113E2D3A7EA3C41D';
const native = nativeRate();
const sta = meterRate('sta', STA_KEY, tokensFor('sta', STA_KEY));
const misty = meterRate('misty1', MISTY_KEY, tokensFor('misty1', MISTY_KEY));
const rows: Row[] = [
  {
    name: `native baseline: node:crypto ${native.cipher}, one block per token`,
    ops_per_s: Math.round(native.rate),
    ratio_to_native: 1,
  },
  {
    name: 'meter.enter, STA key, distinct fresh tokens',
    ops_per_s: Math.round(sta),
    ratio_to_native: Number((sta / native.rate).toFixed(3)),
    target: '≥ 300000',
  },
  {
    name: 'meter.enter, MISTY1 key, distinct fresh tokens',
    ops_per_s: Math.round(misty),
    ratio_to_native: Number((misty / native.rate).toFixed(3)),
  },
];
const [fm, ft] = quick ? [10_000, 10] : [100_000, 10];
const fleets = [fleetRun(fm, ft), ...(quick ? [] : [fleetRun(fm, ft)])];
const wall = median(fleets.map((f) => f.wallS));
const rss = Math.max(...fleets.map((f) => f.peakRssMb));
rows.push({
  name: `sts-meter fleet CLI, ${fm} meters × ${ft} tokens (process wall time)`,
  ops_per_s: Math.round((fm * ft) / wall),
  ratio_to_native: Number(((fm * ft) / wall / native.rate).toFixed(3)),
  wall_s: Number(wall.toFixed(2)),
  peak_rss_mb: Math.round(rss),
  mismatches: fleets.reduce((a, f) => a + f.mismatches, 0),
  target: '≤ 15 s, ≤ 1024 MB',
});

// The HTTP figures of `serve` (bench/http.ts, another helper's file): run it when present. Contract: it
// prints a JSON array of rows ({ name, ops_per_s, ... }) as the last line of its stdout.
const httpBench = join(here, 'http.ts');
if (existsSync(httpBench)) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', httpBench, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    cwd: join(here, '..'),
    maxBuffer: 1 << 24,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const extra = JSON.parse(last) as Row[];
    if (Array.isArray(extra)) rows.push(...extra);
  } catch {
    console.error(`bench/http.ts gave no JSON rows (exit ${r.status}): ${r.stderr.split('\n')[0] ?? ''}`);
  }
}

const table = markdownTable(
  [
    ['benchmark', 'left'],
    ['ops/s', 'right'],
    ['ratio to native', 'right'],
    ['notes', 'left'],
  ],
  rows.map((r) => {
    const notes = [
      r.wall_s !== undefined ? `${r.wall_s} s wall` : '',
      r.peak_rss_mb !== undefined ? `${r.peak_rss_mb} MB peak RSS` : '',
      r.mismatches !== undefined ? `${r.mismatches} mismatches` : '',
      r.target ? `target ${r.target}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return [r.name, r.ops_per_s.toLocaleString('en-US'), String(r.ratio_to_native ?? ''), notes];
  }),
);
console.log(table);
writeResults('meter-sim', rows);
