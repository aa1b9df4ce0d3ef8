// The measuring harness the bench scripts share (packages/*/bench/run.ts, apps/*/bench/*.ts): CPU-second
// timing, medians, Markdown tables, the JSON results file. Bench scripts import it by relative path; no package exports it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** CPU seconds (user + system) this process has used: unlike the wall clock, it does not count the time
 *  other processes on a shared machine take from us, so ops per CPU-second is the speed of one core. */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The middle value; of an even count, the upper of the two middle ones (always one of `xs`). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

/** A measured operation: `op(n)` performs it n times. */
export type Op = (n: number) => void;

export interface Rate {
  /** Median over the runs of operations per CPU-second. */
  ops: number;
  /** Median over the runs of operations per wall-clock second (lower when the machine is busy). */
  wallOps: number;
}

export interface MeasureOptions {
  /** How many runs the medians are taken over. */
  runs: number;
  /** CPU milliseconds each run lasts at least. */
  runMs: number;
  /** The largest batch the warm-up may size (a batch is what runs between two clock reads). */
  maxBatch: number;
}

/** Operations per CPU-second (and per wall second) of `op`: medians of `runs` runs of at least `runMs` CPU-ms. */
export function measure(op: Op, { runs, runMs, maxBatch }: MeasureOptions): Rate {
  // Warm up and size a batch to ~10 ms of CPU so the clocks are read rarely.
  let batch = 256;
  for (;;) {
    const t = cpuSeconds();
    op(batch);
    if (cpuSeconds() - t >= 0.01 || batch >= maxBatch) break;
    batch *= 2;
  }
  const rates: number[] = [];
  const wallRates: number[] = [];
  for (let run = 0; run < runs; run++) {
    let n = 0;
    const c0 = cpuSeconds();
    const w0 = performance.now();
    let c = c0;
    do {
      op(batch);
      n += batch;
      c = cpuSeconds();
    } while (c - c0 < runMs / 1000);
    rates.push(n / (c - c0));
    wallRates.push(n / ((performance.now() - w0) / 1000));
  }
  return { ops: median(rates), wallOps: median(wallRates) };
}

/** A Markdown table: one [title, alignment] per column, then the rows' cells, already formatted. */
export function markdownTable(
  columns: readonly (readonly [title: string, align: 'left' | 'right'])[],
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([title]) => title)),
    `|${columns.map(([, align]) => (align === 'right' ? '---:' : '---')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** Write `rows` as `bench/results/<name>.json` at the repo root (pretty JSON); returns the file's path. */
export function writeResults(name: string, rows: readonly unknown[]): string {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const path = fileURLToPath(new URL(`${name}.json`, dir));
  writeFileSync(path, `${JSON.stringify(rows, null, 2)}\n`);
  return path;
}
