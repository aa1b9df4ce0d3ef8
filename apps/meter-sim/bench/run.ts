// Benchmark of sts-meter: in-process token processing (STA, MISTY1) against a node:crypto baseline measured
// in the same run, and the real `sts-meter fleet` CLI (100,000 meters × 10 tokens: wall time, peak RSS).
// Usage (in apps/meter-sim): node --import tsx bench/run.ts [--quick] [--baseline REF]. Runs bench/http.ts
// too when present. --baseline REF: the same figures for this code and for commit REF (a temporary git
// worktree with its own npm ci), runs interleaved in this one process; JSON to meter-sim-vs-baseline.json.

import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hexToBytes } from 'sts-crypto';
import { decodeInto, encodeBlockToken, prepareKey, timedBlockHi, timedBlockLo } from 'sts-token';
import { cpuSeconds, markdownTable, median, writeResults } from '../../../bench/harness.ts';
import { Meter } from '../src/meter.ts';
import { checkoutBaseline } from './baseline.ts';

const quick = process.argv.includes('--quick');
const baselineAt = process.argv.indexOf('--baseline');
const baselineRef = baselineAt > 0 ? process.argv[baselineAt + 1] : undefined;
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
  const key = prepareKey({ decoderKey: keyHex, encryptionAlgorithm: alg, baseDate: 1993 });
  const out: string[] = new Array(TOKENS);
  for (let i = 0; i < TOKENS; i++) {
    const hi = timedBlockHi(0, i & 15, MADE_TID + 1 + i);
    out[i] = encodeBlockToken(key, 0, hi, timedBlockLo(1 + (i % 1000)));
  }
  key.destroy();
  return out;
}

/** The part of a meter module's API the bench uses: this code's, or the baseline commit's. */
interface MeterClass {
  create(o: {
    key: { decoderKey: Uint8Array; encryptionAlgorithm: 'sta' | 'misty1'; baseDate: 1993 };
    drn: string;
    now: Date;
  }): { enter(token: string, now: Date): { accepted: boolean }; destroy(): void };
}

/** One run: tokens per wall second and per CPU second of a new meter (event log on, as the CLI uses it). */
function meterRun(meterClass: MeterClass, alg: 'sta' | 'misty1', keyHex: string, tokens: string[]) {
  const now = new Date('2005-01-01T00:00:00Z');
  const m = meterClass.create({
    key: { decoderKey: hexToBytes(keyHex), encryptionAlgorithm: alg, baseDate: 1993 },
    drn: '00000000000',
    now: MADE,
  });
  const t0 = performance.now();
  const c0 = cpuSeconds();
  let accepted = 0;
  for (const t of tokens) if (m.enter(t, now).accepted) accepted++;
  const cpu = cpuSeconds() - c0;
  const wall = (performance.now() - t0) / 1000;
  if (accepted !== tokens.length) throw new Error(`bench: only ${accepted} of ${tokens.length} accepted`);
  m.destroy();
  return { wall: tokens.length / wall, cpu: tokens.length / cpu };
}

/** Tokens per second of a prepared meter over distinct fresh tokens (median of RUNS runs). */
function meterRate(alg: 'sta' | 'misty1', keyHex: string, tokens: string[]): number {
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) rates.push(meterRun(Meter, alg, keyHex, tokens).wall);
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
  bin = join(here, '../bin/sts-meter.js'),
): { wallS: number; cpuS: number; peakRssMb: number; mismatches: number } {
  const dir = mkdtempSync(join(tmpdir(), 'sts-meter-bench-'));
  const config = join(dir, 'sts.yml');
  writeFileSync(
    config,
    'name: bench\nkey_expiry_no: 255\nencryption_algorithm: sta\ntoken_carrier_type: numeric\n' +
      'decoder_key_generation_algorithm: 02\ntariff_index: 01\nkey_revision_no: 1\nvending_key: abababababababab\n' +
      'supply_group_code: 123456\nkey_type: 2\nbase_date: 1993\nissuer_identification_no: 600727\n',
  );
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
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const system = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 && r.status !== 1) throw new Error(`fleet failed: ${r.stderr.split('\n')[0]}`);
  const report = JSON.parse(r.stdout) as { mismatches: number };
  return {
    wallS,
    cpuS: Number(user?.[1] ?? Number.NaN) + Number(system?.[1] ?? Number.NaN),
    peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    mismatches: report.mismatches,
  };
}

const STA_KEY = 'E653341F9D5BF36F';
const MISTY_KEY = 'F94B6ED353C3BFDB113E2D3A7EA3C41D';
if (baselineRef !== undefined) {
  await compareWithBaseline(baselineRef);
  process.exit(0);
}
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

/**
 * This code against commit `ref`, interleaved in one run (A B B A A B …, so a change of machine load, or
 * being first in a pair, hits both alike):
 * Meter.enter (STA, MISTY1) in this process, and the fleet CLI as processes. Rates per CPU second decide
 * (another process on the shared machine does not count against either); wall rates are kept too.
 */
async function compareWithBaseline(ref: string): Promise<void> {
  const tree = checkoutBaseline(ref, here);
  try {
    const theirs = (await import(pathToFileURL(join(tree.dir, 'apps/meter-sim/src/meter.ts')).href)) as {
      Meter: MeterClass;
    };
    const runs = quick ? 3 : 7;
    const rows: Record<string, unknown>[] = [];
    for (const [alg, keyHex] of [
      ['sta', STA_KEY],
      ['misty1', MISTY_KEY],
    ] as const) {
      const tokens = tokensFor(alg, keyHex);
      const ours: number[] = [];
      const base: number[] = [];
      meterRun(Meter, alg, keyHex, tokens); // warm-up of both
      meterRun(theirs.Meter, alg, keyHex, tokens);
      for (let run = 0; run < runs; run++) {
        // A B, then B A: whichever goes first in a pair, the other goes first in the next
        if (run % 2 === 1) base.push(meterRun(theirs.Meter, alg, keyHex, tokens).cpu);
        ours.push(meterRun(Meter, alg, keyHex, tokens).cpu);
        if (run % 2 === 0) base.push(meterRun(theirs.Meter, alg, keyHex, tokens).cpu);
      }
      rows.push(
        comparison(`Meter.enter, ${alg.toUpperCase()} key, ${TOKENS} distinct fresh tokens`, ours, base),
      );
    }
    rows.push(...(await primitiveRows(tree.dir, runs)));
    const [fm, ft] = quick ? [10_000, 10] : [100_000, 10];
    const fleetRuns = quick ? 2 : 4;
    const ours: ReturnType<typeof fleetRun>[] = [];
    const base: ReturnType<typeof fleetRun>[] = [];
    const baseBin = join(tree.dir, 'apps/meter-sim/bin/sts-meter.js');
    for (let run = 0; run < fleetRuns; run++) {
      if (run % 2 === 1) base.push(fleetRun(fm, ft, baseBin));
      ours.push(fleetRun(fm, ft));
      if (run % 2 === 0) base.push(fleetRun(fm, ft, baseBin));
    }
    const row = comparison(
      `sts-meter fleet CLI, ${fm} meters × ${ft} tokens (process CPU time)`,
      ours.map((f) => (fm * ft) / f.cpuS),
      base.map((f) => (fm * ft) / f.cpuS),
    );
    row.wall_s = Number(median(ours.map((f) => f.wallS)).toFixed(2));
    row.baseline_wall_s = Number(median(base.map((f) => f.wallS)).toFixed(2));
    row.peak_rss_mb = Math.round(Math.max(...ours.map((f) => f.peakRssMb)));
    row.baseline_peak_rss_mb = Math.round(Math.max(...base.map((f) => f.peakRssMb)));
    row.mismatches = ours.reduce((a, f) => a + f.mismatches, 0);
    rows.push(row);
    console.log(`baseline: ${ref} = ${tree.commit}; ${runs} interleaved runs each (fleet: ${fleetRuns})`);
    console.log(
      markdownTable(
        [
          ['benchmark', 'left'],
          ['this code, ops/CPU-s', 'right'],
          [`${ref}, ops/CPU-s`, 'right'],
          ['ratio', 'right'],
          ['notes', 'left'],
        ],
        rows.map((r) => [
          String(r.name),
          Number(r.ops_per_s).toLocaleString('en-US'),
          Number(r.baseline_ops_per_s).toLocaleString('en-US'),
          String(r.ratio_to_baseline),
          r.wall_s === undefined
            ? ''
            : `wall ${r.wall_s} s vs ${r.baseline_wall_s} s, peak RSS ${r.peak_rss_mb} vs ${r.baseline_peak_rss_mb} MB, ${r.mismatches} mismatches`,
        ]),
      ),
    );
    writeResults(
      'meter-sim-vs-baseline',
      rows.map((r) => ({ ...r, baseline: `${ref} ${tree.commit}` })),
    );
  } finally {
    tree.remove();
  }
}

/** A comparison row: medians of both, and this code's rate over the baseline's. */
function comparison(name: string, ours: number[], base: number[]): Record<string, unknown> {
  const a = median(ours);
  const b = median(base);
  return {
    name,
    ops_per_s: Math.round(a),
    baseline_ops_per_s: Math.round(b),
    ratio_to_baseline: Number((a / b).toFixed(3)),
  };
}

/**
 * The two token steps of every fleet token, this code's (sts-token) against the baseline's own copies
 * when it still has them (apps/meter-sim/src/token-encoder.ts, token-digits.ts): the vending side's
 * block → token, and the meter's token → checked plaintext block. Nanoseconds per token, as a rate.
 */
async function primitiveRows(dir: string, runs: number): Promise<Record<string, unknown>[]> {
  const encoderFile = join(dir, 'apps/meter-sim/src/token-encoder.ts');
  const digitsFile = join(dir, 'apps/meter-sim/src/token-digits.ts');
  if (!existsSync(encoderFile) || !existsSync(digitsFile)) return [];
  const old = (await import(pathToFileURL(encoderFile).href)) as {
    buildToken(c: number, hi: number, lo: number, cipher: unknown): string;
  };
  const oldDigits = (await import(pathToFileURL(digitsFile).href)) as {
    parseTokenInto(text: string, out: Uint32Array): number;
  };
  const { prepareStaKey, tokenCrcField } = await import('sts-crypto');
  const key = prepareKey({ decoderKey: STA_KEY, encryptionAlgorithm: 'sta', baseDate: 1993 });
  const cipher = prepareStaKey(hexToBytes(STA_KEY));
  const kept: string[] = new Array(TOKENS);
  const out = new Uint32Array(3);
  const block = new Uint32Array(2);
  let sink = 0;
  const steps = {
    encodeOurs: () => {
      for (let i = 0; i < TOKENS; i++)
        kept[i] = encodeBlockToken(key, 0, timedBlockHi(0, i & 15, MADE_TID + i), timedBlockLo(i & 0x3fff));
    },
    encodeBase: () => {
      for (let i = 0; i < TOKENS; i++)
        kept[i] = old.buildToken(0, timedBlockHi(0, i & 15, MADE_TID + i), timedBlockLo(i & 0x3fff), cipher);
    },
    decodeOurs: () => {
      for (let i = 0; i < TOKENS; i++) if (decodeInto(key, kept[i]!, out) === 'ok') sink += out[2]!;
    },
    decodeBase: () => {
      for (let i = 0; i < TOKENS; i++) {
        if (oldDigits.parseTokenInto(kept[i]!, out) !== 0) continue;
        cipher.decrypt64(out[1]!, out[2]!, block);
        if (tokenCrcField(out[0]!, block[0]!, block[1]!, 'crc') === (block[1]! & 0xffff)) sink += block[1]!;
      }
    },
  };
  const rate = (f: () => void) => {
    const c0 = cpuSeconds();
    f();
    return TOKENS / (cpuSeconds() - c0);
  };
  const r = {
    encodeOurs: [] as number[],
    encodeBase: [] as number[],
    decodeOurs: [] as number[],
    decodeBase: [] as number[],
  };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? (['Ours', 'Base'] as const) : (['Base', 'Ours'] as const);
    for (const who of order) r[`encode${who}`].push(rate(steps[`encode${who}`]));
    for (const who of order) r[`decode${who}`].push(rate(steps[`decode${who}`]));
  }
  if (sink === 0.5) console.log(sink); // keep the results alive
  key.destroy();
  cipher.destroy();
  return [
    comparison('fleet vending step: plaintext block → 20 digits (STA)', r.encodeOurs, r.encodeBase),
    comparison(
      "meter's decode step: 20 digits → plaintext block, CRC checked (STA)",
      r.decodeOurs,
      r.decodeBase,
    ),
  ];
}
