// Benchmark of sts-token (encode, decode, per-meter derivation) against a native DES block in the same run.
// Usage (in packages/sts-token): node --import tsx bench/run.ts — ops per CPU-second (wall rate kept in the JSON),
// medians of 5 runs, one thread (one core); rows with a floor print PASS or FAIL.
import { createCipheriv } from 'node:crypto';
import { luhnCheckDigit, prepareDecoderKeyDerivation, tokenCrcField } from 'sts-crypto';
import { markdownTable, measure, type Op, writeResults } from '../../../bench/harness.ts';
import { decryptTokenBlock } from '../src/decode.ts';
import { parseTokenDigitsInto } from '../src/digits.ts';
import {
  decodeToken,
  encodeBlockToken,
  encodeToken,
  prepareKey,
  processTokenRequest,
  RequestCache,
} from '../src/index.ts';

const RUNS = 5;
const RUN_MS = 400;

const MEASURE = { runs: RUNS, runMs: RUN_MS, maxBatch: 1 << 22 };

function check(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected)
    throw new Error(
      `${what}: known-answer check failed (got ${String(actual)}, expected ${String(expected)})`,
    );
}

let sink = 0;

// Native baseline: one DES block through node:crypto (OpenSSL), cipher prepared once. OpenSSL 3 ships single
// DES only in the legacy provider, so this is 2-key TDES with K ‖ K, which equals single DES.
const des = createCipheriv('des-ede-ecb', Buffer.from('133457799BBCDFF1133457799BBCDFF1', 'hex'), null);
des.setAutoPadding(false);
check('native DES', des.update(Buffer.from('0123456789ABCDEF', 'hex')).toString('hex'), '85e813540f0ab405');
const block = Buffer.alloc(8);
const native = measure((n) => {
  for (let i = 0; i < n; i++) {
    block.writeUInt32BE(i >>> 0, 4);
    sink ^= des.update(block)[0]!;
  }
}, MEASURE);

const key = prepareKey({ decoderKey: 'E653341F9D5BF36F', encryptionAlgorithm: 'sta', baseDate: 1993 });
check(
  'STA token',
  encodeToken(key, { type: 'electricity', amount: '0.1', tid: 5871715, random: 5 }),
  '23716100501183194197',
);

interface Row {
  name: string;
  /** Operations per CPU-second of this process (one core). */
  ops_per_s: number;
  /** Operations per wall-clock second, for comparison: lower than ops_per_s when the machine is shared. */
  wall_ops_per_s: number;
  ratio_to_native?: number;
  floor?: number;
  result?: 'PASS' | 'FAIL';
  note: string;
}
const rows: Row[] = [];
function row(name: string, note: string, op: Op, floor?: number): void {
  const { ops, wallOps } = measure(op, MEASURE);
  rows.push({
    name,
    ops_per_s: Math.round(ops),
    wall_ops_per_s: Math.round(wallOps),
    ratio_to_native: Number((ops / native.ops).toFixed(2)),
    ...(floor === undefined ? {} : { floor, result: ops >= floor ? 'PASS' : 'FAIL' }),
    note,
  });
}

rows.push({
  name: 'native DES block (node:crypto, prepared cipher)',
  ops_per_s: Math.round(native.ops),
  wall_ops_per_s: Math.round(native.wallOps),
  ratio_to_native: 1,
  note: 'baseline',
});

row(
  'STA token, prepared key, block level (encodeBlockToken)',
  'CRC + STA + transposition + 20 digits',
  (n) => {
    for (let i = 0; i < n; i++) {
      const tid = i & 0xffffff;
      sink ^= encodeBlockToken(key, 0, (0x05000000 | tid) >>> 0, 0x00010000).length;
    }
  },
  1e6,
);

row(
  'STA token, prepared key, encodeToken (tid, tenths)',
  'validation + fields + the above',
  (n) => {
    for (let i = 0; i < n; i++) {
      sink ^= encodeToken(key, {
        type: 'electricity',
        tenths: i & 0x3fff,
        tid: i & 0xffffff,
        random: 5,
      }).length;
    }
  },
  1e6,
);

// 1024 distinct tokens to decode, cycled.
const tokens = Array.from({ length: 1024 }, (_, i) =>
  encodeBlockToken(key, 0, (0x05000000 | (i * 977)) >>> 0, 0x00010000),
);
const parsed = new Uint32Array(2);
const plain = new Uint32Array(2);
row(
  'STA decode, prepared key: digits + decrypt + CRC',
  'parseTokenDigitsInto + decryptTokenBlock + CRC check',
  (n) => {
    for (let i = 0; i < n; i++) {
      const cls = parseTokenDigitsInto(tokens[i & 1023]!, parsed);
      decryptTokenBlock(key, cls, parsed[0]!, parsed[1]!, plain);
      if (tokenCrcField(cls, plain[0]!, plain[1]!) === (plain[1]! & 0xffff)) sink++;
    }
  },
  1e6,
);
if (sink === 0) throw new Error('decode check failed');

row('STA decode, decodeToken (typed result)', 'the above + fields + issuedAt', (n) => {
  for (let i = 0; i < n; i++) {
    const d = decodeToken(tokens[i & 1023]!, key);
    if (d.ok && d.crcOk) sink++;
  }
});

// Distinct meters: valid 11-digit DRNs (MfrCode 47, DSN, Luhn), cycled; each token derives its key afresh.
const drns = Array.from({ length: 4096 }, (_, i) => {
  const body = `47${String(10_000_000 + i * 7919).padStart(8, '0')}`;
  return body + String(luhnCheckDigit(body));
});
const deriver = prepareDecoderKeyDerivation({
  dkga: '02',
  vendingKey: Uint8Array.from({ length: 8 }, () => 0xab),
  issuerIdentificationNo: '600727',
  keyType: 2,
  supplyGroupCode: '123456',
  tariffIndex: '01',
  keyRevisionNo: 1,
  baseDate: 1993,
  encryptionAlgorithm: 'sta',
});
const dk = new Uint8Array(8);
{
  deriver.derive('00000000000', dk);
  const k = prepareKey({ decoderKey: dk, encryptionAlgorithm: 'sta', baseDate: 1993 });
  check(
    'DKGA02 + token',
    encodeToken(k, { type: 'electricity', amount: '0.1', tid: 5871715, random: 5 }),
    '23716100501183194197',
  );
  k.destroy();
}
row(
  'STA token with a fresh DKGA02 derivation per token (distinct meters)',
  'derive + prepareKey + encode + destroy',
  (n) => {
    for (let i = 0; i < n; i++) {
      deriver.derive(drns[i & 4095]!, dk);
      const k = prepareKey({ decoderKey: dk, encryptionAlgorithm: 'sta', baseDate: 1993 });
      sink ^= encodeBlockToken(k, 0, (0x05000000 | (i & 0xffffff)) >>> 0, 0x00010000).length;
      k.destroy();
    }
  },
  5e5,
);

const config = {
  name: 't',
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
const request = (i: number, cfg: object, drn: string) => ({
  id: i,
  type: 'electricity',
  config: cfg,
  drn,
  time: '2004-03-01T13:55:00Z',
  random: 5,
  amount: '0.1',
});
const cache = new RequestCache();
row(
  'processTokenRequest, config + DRN (cached key), 1 meter',
  'batch layer: checks, config memo, ISO time',
  (n) => {
    for (let i = 0; i < n; i++) {
      const r = processTokenRequest(request(i, config, '00000000000'), cache);
      if ('tokens' in r) sink ^= r.tokens.length;
    }
  },
  1.5e5,
);
// What a batch tool sees: every line is parsed afresh, so each request brings its own config object.
const configs = Array.from({ length: 1024 }, () => structuredClone(config));
row(
  'processTokenRequest, a new (equal) config object per request, cached key',
  'as after JSON.parse of each line',
  (n) => {
    for (let i = 0; i < n; i++) {
      const r = processTokenRequest(request(i, configs[i & 1023]!, '00000000000'), cache);
      if ('tokens' in r) sink ^= r.tokens.length;
    }
  },
  1.5e5,
);
row(
  'processTokenRequest, 4096 meters under one config (cached keys)',
  'key cache keyed by config + DRN',
  (n) => {
    for (let i = 0; i < n; i++) {
      const r = processTokenRequest(request(i, configs[i & 1023]!, drns[i & 4095]!), cache);
      if ('tokens' in r) sink ^= r.tokens.length;
    }
  },
  1.5e5,
);
cache.destroy();
// More meters than the key cache holds: every request derives and prepares its key.
const small = new RequestCache({ maxKeys: 1024 });
row(
  'processTokenRequest, 4096 meters, 1024-key cache (a derivation per request)',
  'the above + DKGA02 + prepare + LRU eviction',
  (n) => {
    for (let i = 0; i < n; i++) {
      const r = processTokenRequest(request(i, configs[i & 1023]!, drns[i & 4095]!), small);
      if ('tokens' in r) sink ^= r.tokens.length;
    }
  },
);
small.destroy();
key.destroy();
deriver.destroy();

const fmt = (n: number) => n.toLocaleString('en-US');
console.log(
  `sts-token, Node ${process.version}, operations per CPU-second of one thread (median of ${RUNS} runs of ` +
    `≥ ${RUN_MS / 1000} CPU-s)\n`,
);
console.log(
  markdownTable(
    [
      ['operation', 'left'],
      ['ops/s', 'right'],
      ['× native DES', 'right'],
      ['floor', 'right'],
      ['result', 'left'],
    ],
    rows.map((r) => [
      r.name,
      fmt(r.ops_per_s),
      String(r.ratio_to_native),
      r.floor === undefined ? '' : `≥ ${fmt(r.floor)}`,
      r.result ?? '',
    ]),
  ),
);
writeResults('sts-token', rows);
if (sink === 42) console.log('');
