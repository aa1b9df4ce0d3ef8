// Benchmark of the whole sts-crypto package against node:crypto baselines measured in the same run.
// Usage (in packages/sts-crypto): node --import tsx bench/run.ts [--strict] [--update-readme]

import { createCipheriv, createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable, measure, type Op, writeResults } from '../../../bench/harness.ts';
import { bytesToHex, hexToBytes } from '../src/bytes.ts';
import { type DecoderKeyParams, prepareDecoderKeyDerivation } from '../src/decoder-key.ts';
import { prepareDesKey } from '../src/des.ts';
import { luhnCheckDigit } from '../src/luhn.ts';
import { prepareMisty1Key } from '../src/misty1.ts';
import { prepareStaKey } from '../src/sta.ts';

/** Runs of at least RUN_MS of CPU time each; the figure is the median of RUNS. One thread, so one core. */
const RUNS = 5;
const RUN_MS = 500;
const strict = process.argv.includes('--strict');
const updateReadme = process.argv.includes('--update-readme');
const MEASURE = { runs: RUNS, runMs: RUN_MS, maxBatch: 1 << 24 };

const out = new Uint32Array(2);
const hi0 = 0x0b19eb23;
const lo0 = 0x0100c207;

/** Check a primitive against a known answer before timing it: a fast wrong answer is worth nothing. */
function expectHex(what: string, actual: string, expected: string): void {
  if (actual.toUpperCase() !== expected.toUpperCase()) {
    throw new Error(`${what}: known-answer check failed (got ${actual}, expected ${expected})`);
  }
}

const halvesHex = (o: Uint32Array): string =>
  o[0]!.toString(16).padStart(8, '0') + o[1]!.toString(16).padStart(8, '0');

/** 1024 distinct valid 11-digit DRNs (IIN 600727): MfrCode ‖ DSN ‖ Luhn check digit; cycled, never collected. */
const drns = Array.from({ length: 1024 }, (_, i) => {
  const body = `47${String(50015000 + i).padStart(8, '0')}`;
  return body + luhnCheckDigit(body);
});

// ------------------------------------------------------------------------------------------------------
// Native baselines (node:crypto, i.e. OpenSSL in C).
const nativeDes: Op = (() => {
  const k = Buffer.from('133457799BBCDFF1133457799BBCDFF1', 'hex'); // K ‖ K: 2-key TDES = single DES
  const cipher = createCipheriv('des-ede-ecb', k, null);
  cipher.setAutoPadding(false);
  expectHex(
    'node:crypto DES',
    cipher.update(Buffer.from('0123456789ABCDEF', 'hex')).toString('hex'),
    '85E813540F0AB405',
  );
  const block = Buffer.from('0B19EB230100C207', 'hex');
  return (n) => {
    for (let i = 0; i < n; i++) cipher.update(block);
  };
})();

const nativeHmac: Op = (() => {
  const key = hexToBytes('abababababababab949494949494949401234567');
  const message = hexToBytes(
    '04023034023933023037023031000406313233343537013201311236303037323730303030303030303030303900000040',
  );
  expectHex(
    'node:crypto HMAC-SHA-256',
    createHmac('sha256', key).update(message).digest('hex'),
    'aa4baa8749c10d2738c95969717327daa112abe9f2db351e2c66cc042a8e7650',
  );
  return (n) => {
    for (let i = 0; i < n; i++) createHmac('sha256', key).update(message).digest();
  };
})();

// ------------------------------------------------------------------------------------------------------
// Ours. Each case returns its op after a known-answer check, or throws (the row then reads "not available").
interface Case {
  name: string;
  baseline: 'des' | 'hmac';
  floor: number;
  setup: () => Promise<Op>;
}

// Each case has its own loop literal: a loop shared by several ciphers would see several encrypt64
// functions at one call site, and V8 would stop inlining them there.

const staKey = hexToBytes('0ABC12DEF3456789');
const misty1Key = hexToBytes('00112233445566778899aabbccddeeff');

const dkgaParams = {
  issuerIdentificationNo: '600727',
  keyType: 2,
  tariffIndex: '01',
  keyRevisionNo: 1,
  baseDate: 1993,
} as const;

/** A decoder-key derivation case: check meter 00000000000 (PAN1) against sts-reference §13.1, then cycle DRNs. */
function dkgaCase(name: string, floor: number, params: object, expected: string): Case {
  return {
    name,
    baseline: 'hmac',
    floor,
    setup: async () => {
      const deriver = prepareDecoderKeyDerivation({ ...dkgaParams, ...params } as Omit<
        DecoderKeyParams,
        'drn'
      >);
      expectHex(name, bytesToHex(deriver.derive('00000000000')), expected);
      const key = new Uint8Array(expected.length / 2);
      return (n) => {
        for (let i = 0; i < n; i++) deriver.derive(drns[i & 1023]!, key);
      };
    },
  };
}

const cases: Case[] = [
  {
    name: 'STA (EA07) encrypt, prepared key',
    baseline: 'des',
    floor: 2e6,
    setup: async () => {
      const sta = prepareStaKey(staKey);
      sta.encrypt64(hi0, lo0, out);
      expectHex('STA encrypt', halvesHex(out), '9335C6C96B7352DC');
      return (n) => {
        let h = hi0;
        let l = lo0;
        for (let i = 0; i < n; i++) {
          sta.encrypt64(h, l, out);
          h = out[0]!;
          l = out[1]!;
        }
      };
    },
  },
  {
    name: 'STA (EA07) decrypt, prepared key',
    baseline: 'des',
    floor: 2e6,
    setup: async () => {
      const sta = prepareStaKey(staKey);
      sta.decrypt64(0x9335c6c9, 0x6b7352dc, out);
      expectHex('STA decrypt', halvesHex(out), '0B19EB230100C207');
      return (n) => {
        let h = hi0;
        let l = lo0;
        for (let i = 0; i < n; i++) {
          sta.decrypt64(h, l, out);
          h = out[0]!;
          l = out[1]!;
        }
      };
    },
  },
  {
    // A batch over many meters prepares one key per token: preparing must cost no more than a few blocks.
    name: 'STA key prepared, one block encrypted, key destroyed (a fresh key per block)',
    baseline: 'des',
    floor: 5e5,
    setup: async () => {
      const key = staKey.slice();
      const sta = prepareStaKey(key);
      sta.encrypt64(hi0, lo0, out);
      sta.destroy();
      expectHex('STA fresh key', halvesHex(out), '9335C6C96B7352DC');
      return (n) => {
        for (let i = 0; i < n; i++) {
          key[7] = i; // a different key each time
          const k = prepareStaKey(key);
          k.encrypt64(hi0, lo0, out);
          k.destroy();
        }
      };
    },
  },
  {
    name: 'MISTY1 (EA11) encrypt, prepared key',
    baseline: 'des',
    floor: 2e6,
    setup: async () => {
      const m = prepareMisty1Key(misty1Key);
      m.encrypt64(0x01234567, 0x89abcdef, out);
      expectHex('MISTY1 encrypt', halvesHex(out), '8B1DA5F56AB3D07C');
      return (n) => {
        let h = hi0;
        let l = lo0;
        for (let i = 0; i < n; i++) {
          m.encrypt64(h, l, out);
          h = out[0]!;
          l = out[1]!;
        }
      };
    },
  },
  {
    name: 'MISTY1 (EA11) decrypt, prepared key',
    baseline: 'des',
    floor: 2e6,
    setup: async () => {
      const m = prepareMisty1Key(misty1Key);
      m.decrypt64(0x8b1da5f5, 0x6ab3d07c, out);
      expectHex('MISTY1 decrypt', halvesHex(out), '0123456789ABCDEF');
      return (n) => {
        let h = hi0;
        let l = lo0;
        for (let i = 0; i < n; i++) {
          m.decrypt64(h, l, out);
          h = out[0]!;
          l = out[1]!;
        }
      };
    },
  },
  {
    name: 'DES (EA09) encrypt, prepared key',
    baseline: 'des',
    floor: 2e6,
    setup: async () => {
      const des = prepareDesKey(hexToBytes('133457799BBCDFF1'));
      des.encrypt64(0x01234567, 0x89abcdef, out);
      expectHex('DES encrypt', halvesHex(out), '85E813540F0AB405');
      return (n) => {
        let h = hi0;
        let l = lo0;
        for (let i = 0; i < n; i++) {
          des.encrypt64(h, l, out);
          h = out[0]!;
          l = out[1]!;
        }
      };
    },
  },
  dkgaCase(
    'DKGA02 decoder key (DES), prepared',
    1e6,
    {
      dkga: '02',
      vendingKey: hexToBytes('ABABABABABABABAB'),
      supplyGroupCode: '123456',
      encryptionAlgorithm: 'sta',
    },
    'E653341F9D5BF36F',
  ),
  dkgaCase(
    'DKGA04 decoder key for STA (HMAC-SHA-256), prepared',
    3e5,
    {
      dkga: '04',
      vendingKey: hexToBytes('abababababababab949494949494949401234567'),
      supplyGroupCode: '123457',
      encryptionAlgorithm: 'sta',
    },
    'AA4BAA8749C10D27',
  ),
  dkgaCase(
    'DKGA04 decoder key for MISTY1 (HMAC-SHA-256), prepared',
    3e5,
    {
      dkga: '04',
      vendingKey: hexToBytes('abababababababab949494949494949401234567'),
      supplyGroupCode: '123457',
      encryptionAlgorithm: 'misty1',
    },
    'F94B6ED353C3BFDB113E2D3A7EA3C41D',
  ),
];

// ------------------------------------------------------------------------------------------------------
interface Row {
  name: string;
  /** Operations per CPU-second of this process (one core). */
  ops_per_s: number | null;
  /** Operations per wall-clock second, for comparison: lower than ops_per_s when the machine is shared. */
  wall_ops_per_s?: number;
  ratio_to_native?: number;
  baseline?: string;
  floor?: number;
  result?: 'PASS' | 'FAIL' | 'not available';
  note?: string;
}

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)} k` : x.toFixed(0);

const rows: Row[] = [];
const baselines = {
  des: { name: 'native: DES block, node:crypto des-ede-ecb K‖K, prepared', ...measure(nativeDes, MEASURE) },
  hmac: { name: 'native: HMAC-SHA-256 of 49 bytes, node:crypto', ...measure(nativeHmac, MEASURE) },
};
for (const c of cases) {
  let op: Op;
  try {
    op = await c.setup();
  } catch (e) {
    const note = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    rows.push({ name: c.name, ops_per_s: null, floor: c.floor, result: 'not available', note });
    continue;
  }
  const { ops, wallOps } = measure(op, MEASURE);
  const base = baselines[c.baseline];
  rows.push({
    name: c.name,
    ops_per_s: Math.round(ops),
    wall_ops_per_s: Math.round(wallOps),
    ratio_to_native: Number((ops / base.ops).toFixed(3)),
    baseline: base.name,
    floor: c.floor,
    result: ops >= c.floor ? 'PASS' : 'FAIL',
  });
}
for (const b of Object.values(baselines)) {
  rows.push({ name: b.name, ops_per_s: Math.round(b.ops), wall_ops_per_s: Math.round(b.wallOps) });
}

const table = markdownTable(
  [
    ['operation', 'left'],
    ['ops/s', 'right'],
    ['× native', 'right'],
    ['floor', 'right'],
    ['result', 'left'],
  ],
  rows.map((r) => [
    r.name,
    r.ops_per_s === null ? '—' : fmt(r.ops_per_s),
    r.ratio_to_native?.toFixed(2) ?? (r.floor === undefined ? '1' : '—'),
    r.floor === undefined ? '' : `≥ ${fmt(r.floor)}`,
    `${r.result ?? 'baseline'}${r.note ? ` (${r.note})` : ''}`,
  ]),
);

console.log(
  `sts-crypto, Node ${process.version}, operations per CPU-second of one thread, median of ${RUNS} runs of ` +
    `≥ ${RUN_MS / 1000} CPU-s; ` +
    `ciphers are compared with the DES baseline, DKGAs with the HMAC baseline\n`,
);
console.log(table);
for (const r of rows) if (r.result !== undefined) console.log(`${r.result}: ${r.name}`);

console.log(`\nwrote ${writeResults('sts-crypto', rows)}`);

if (updateReadme) {
  // Replace what lies between the markers of README.md with this run's table.
  const readmeUrl = new URL('../README.md', import.meta.url);
  const readme = readFileSync(readmeUrl, 'utf8');
  const start = readme.indexOf('<!-- bench -->');
  const end = readme.indexOf('<!-- /bench -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- bench --> … <!-- /bench --> markers');
  const when = new Date().toISOString().slice(0, 10);
  const body = `<!-- bench -->\n\nMeasured ${when}, Node ${process.version}, operations per CPU-second of one thread (median of ${RUNS} runs of ≥ ${RUN_MS / 1000} CPU-s) on a shared 2-core machine:\n\n${table}\n\n`;
  writeFileSync(readmeUrl, readme.slice(0, start) + body + readme.slice(end));
  console.log(`updated ${readmeUrl.pathname}`);
}

if (strict && rows.some((r) => r.result === 'FAIL' || r.result === 'not available')) process.exitCode = 1;
