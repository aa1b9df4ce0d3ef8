// Benchmark of `sts-vend token --batch` as a real process: wall time and peak RSS for 100 k and 1 M lines,
// beside native floors (readline echo; readline + JSON.parse + JSON.stringify) on the same files.
// Run with `npm run bench` in apps/vend. BENCH_RUNS (default 3) runs of 100 k, 1 run of 1 M (BENCH_BIG_RUNS).
// BENCH_BASELINE_BIN=path/to/other/bin/sts-vend.js adds that build (e.g. main's) to the same run.
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/sts-vend.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/vend.json', import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIG_RUNS = Number(process.env.BENCH_BIG_RUNS ?? 1);
const DISTINCT_METERS = 200_003;
/** Another sts-vend (e.g. the main checkout's) measured on the same files in the same run. */
const BASELINE_BIN = process.env.BENCH_BASELINE_BIN;

const base = {
  name: 'bench',
  key_expiry_no: 255,
  token_carrier_type: 'numeric',
  key_revision_no: 1,
  key_type: 2,
};
/** A few configurations: DKGA02/STA on both IINs, and DKGA04 with STA and MISTY1 on base date 2014. */
const CONFIGS = [
  {
    ...base,
    encryption_algorithm: 'sta',
    decoder_key_generation_algorithm: '02',
    tariff_index: '01',
    vending_key: 'abababababababab',
    supply_group_code: '123456',
    base_date: 1993,
    issuer_identification_no: '600727',
  },
  {
    ...base,
    encryption_algorithm: 'sta',
    decoder_key_generation_algorithm: '02',
    tariff_index: '07',
    vending_key: '0123456789abcdef',
    supply_group_code: '654321',
    base_date: 1993,
    issuer_identification_no: '0000',
  },
  {
    ...base,
    encryption_algorithm: 'sta',
    decoder_key_generation_algorithm: '04',
    tariff_index: '01',
    vending_key: 'abababababababab949494949494949401234567',
    supply_group_code: '123457',
    base_date: 2014,
    issuer_identification_no: '600727',
  },
  {
    ...base,
    encryption_algorithm: 'misty1',
    decoder_key_generation_algorithm: '04',
    tariff_index: '02',
    vending_key: 'abababababababab949494949494949401234567',
    supply_group_code: '123457',
    base_date: 2014,
    issuer_identification_no: '600727',
  },
];

/** Type mix of a day's vending: mostly credit, some management and test tokens. */
const MIX: [type: string, field: string, value: string | number][] = [
  ['electricity', 'amount', '25.6'],
  ['electricity', 'amount', '100'],
  ['electricity', 'amount', '7.5'],
  ['electricity', 'amount', '1234.5'],
  ['electricity', 'amount', '50'],
  ['water', 'amount', '12'],
  ['gas', 'amount', '3.4'],
  ['electricity-currency', 'amount', '150.25'],
  ['water-currency', 'amount', '20'],
  ['max-power-limit', 'watts', 5000],
  ['clear-credit', 'register', 65535],
  ['clear-tamper', 'pad', 0],
  ['water-meter-factor', 'factor', 10],
  ['tariff-rate', 'rate', 120],
  ['max-phase-power-unbalance-limit', 'watts', 2000],
  ['electricity', 'amount', '10'],
  ['test-display-1', 'control', 1],
];

function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const START = Date.UTC(2020, 0, 1);

async function generate(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  const configJson = CONFIGS.map((c) => JSON.stringify(c));
  let buffer: string[] = [];
  for (let i = 0; i < lines; i++) {
    const c = i % CONFIGS.length;
    const [type, field, value] = MIX[i % MIX.length]!;
    const meter = (i * 7919) % DISTINCT_METERS;
    const body = String(meter).padStart(CONFIGS[c]!.issuer_identification_no === '0000' ? 12 : 10, '0');
    const time = new Date(START + (i % 400_000) * 60_000).toISOString();
    const id = `r${i}`;
    let line: string;
    if (type === 'test-display-1') {
      line = `{"id":"${id}","type":"${type}","control":${value},"manufacturerCode":"07"}`;
    } else {
      const v = typeof value === 'string' ? `"${value}"` : value;
      line =
        `{"id":"${id}","type":"${type}","config":${configJson[c]},"drn":"${body}${luhn(body)}",` +
        `"time":"${time}","random":${i % 16},"${field}":${v}}`;
    }
    buffer.push(line);
    if (buffer.length === 10_000) {
      if (!out.write(`${buffer.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      buffer = [];
    }
  }
  out.write(buffer.length > 0 ? `${buffer.join('\n')}\n` : '');
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

interface Measure {
  wallS: number;
  peakRssMb: number;
  code: number | null;
}

/** Run a command with stdout to a file, measuring wall time and peak RSS with GNU time (or VmHWM). */
function measure(argv: string[], outFile: string): Promise<Measure> {
  const useTime = existsSync('/usr/bin/time');
  const fd = openSync(outFile, 'w');
  const started = process.hrtime.bigint();
  const child = useTime
    ? spawn('/usr/bin/time', ['-v', ...argv], { stdio: ['ignore', fd, 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', fd, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  let hwmKb = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const m = /VmHWM:\s+(\d+)/.exec(status);
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {}
      }, 20);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (useTime) {
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        hwmKb = m ? Number(m[1]) : 0;
      }
      if (code !== 0) process.stderr.write(stderr.split('\n').slice(0, 5).join('\n'));
      resolve({ wallS, peakRssMb: hwmKb / 1024, code });
    });
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const ECHO = `const rl=require('node:readline').createInterface({input:require('node:fs').createReadStream(process.argv[1]),crlfDelay:Infinity});rl.on('line',(l)=>process.stdout.write(l+'\\n'));`;
const JSON_ECHO = `const rl=require('node:readline').createInterface({input:require('node:fs').createReadStream(process.argv[1]),crlfDelay:Infinity});let b=[];rl.on('line',(l)=>{b.push(JSON.stringify(JSON.parse(l)));if(b.length>=1000){process.stdout.write(b.join('\\n')+'\\n');b=[];}});rl.on('close',()=>process.stdout.write(b.length?b.join('\\n')+'\\n':''));`;

interface Row {
  name: string;
  lines: number;
  runs: number;
  wall_s: number;
  peak_rss_mb: number;
  ops_per_s: number;
  ratio_to_native?: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sts-vend-bench-'));
  const rows: Row[] = [];
  try {
    for (const lines of SIZES) {
      const input = join(dir, `requests-${lines}.jsonl`);
      process.stderr.write(`generating ${lines.toLocaleString('en-US')} lines…\n`);
      await generate(input, lines);
      const runs = lines >= 1_000_000 ? BIG_RUNS : RUNS;
      const subjects: [string, string[]][] = [
        ['native readline echo', [process.execPath, '-e', ECHO, input]],
        ['native readline + JSON.parse/stringify', [process.execPath, '-e', JSON_ECHO, input]],
        ['sts-vend token --batch', [process.execPath, BIN, 'token', '--batch', input]],
      ];
      if (BASELINE_BIN) {
        subjects.push([
          'sts-vend token --batch (baseline build)',
          [process.execPath, BASELINE_BIN, 'token', '--batch', input],
        ]);
      }
      const medians = new Map<string, { wall: number; rss: number }>();
      for (const [name, argv] of subjects) {
        const walls: number[] = [];
        const rss: number[] = [];
        for (let r = 0; r < runs; r++) {
          const m = await measure(argv, join(dir, 'out.jsonl'));
          if (m.code !== 0 && name.startsWith('sts-vend') && m.code !== 1)
            throw new Error(`${name} exited ${m.code}`);
          walls.push(m.wallS);
          rss.push(m.peakRssMb);
          process.stderr.write(`  ${name} ${lines}: ${m.wallS.toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB\n`);
        }
        medians.set(name, { wall: median(walls), rss: Math.max(...rss) });
      }
      const native = medians.get('native readline echo')!.wall;
      for (const [name] of subjects) {
        const { wall, rss } = medians.get(name)!;
        const row: Row = {
          name: `${name} (${lines.toLocaleString('en-US')} lines)`,
          lines,
          runs,
          wall_s: Number(wall.toFixed(3)),
          peak_rss_mb: Number(rss.toFixed(1)),
          ops_per_s: Math.round(lines / wall),
        };
        if (name !== 'native readline echo') row.ratio_to_native = Number((wall / native).toFixed(2));
        rows.push(row);
      }
      rmSync(input, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  const table = [
    '| what | lines | runs | wall (median) | lines/s | peak RSS | time ÷ native echo |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name.replace(/ \(.*\)$/, '')} | ${r.lines.toLocaleString('en-US')} | ${r.runs} | ${r.wall_s.toFixed(2)} s | ` +
        `${r.ops_per_s.toLocaleString('en-US')} | ${r.peak_rss_mb.toFixed(0)} MB | ${r.ratio_to_native?.toFixed(2) ?? '1.00'} |`,
    ),
  ];
  process.stdout.write(`${table.join('\n')}\n`);
}

await main();
