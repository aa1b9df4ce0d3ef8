// EA07 (STA) against vectors/sta.json: three implementations (one-shot, prepared, and a slow bit-by-bit
// reference written from the spec text below) run the same vectors and properties.

import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { prepareStaKey, type StaTables, staDecrypt, staEncrypt } from '../src/sta.ts';
import { thrown } from './thrown.ts';
import {
  bigToBytes,
  blockFromToken,
  bytesToBig,
  fromHalves,
  halves,
  hexToBig,
  untranspose,
} from './token-block.ts';

interface TableSet {
  source: string;
  S1: number[];
  S2: number[];
  P: number[];
  inverseS1?: number[];
  inverseS2?: number[];
  inverseP: number[];
}
interface Vector {
  name: string;
  tables: StaTables;
  key: string;
  plaintext: string;
  ciphertext?: string;
  tokenClass?: number;
  token?: string;
  token66?: string;
  source: string;
}
const data: { tables: Record<StaTables, TableSet>; vectors: Vector[] } = JSON.parse(
  readFileSync(new URL('../../../vectors/sta.json', import.meta.url), 'utf8'),
);

// ---------------------------------------------------------------------------------------------------------
// The reference: sts-reference §8.1 read literally, on bigints, one bit at a time.
// Encryption: k = rotr64(~K, 12); 16 times: nibble i through S2 if bit 4i+3 of k else S1; output bit P[j] =
// input bit j; k = rotl64(k, 1). Decryption (the firmware form): kd = ~K; 16 times: output bit j = input
// bit P[j]; nibble i through inverse S1 if bit 4i of kd is 0, inverse S2 if 1; kd = rotr64(kd, 1).
const M64 = (1n << 64n) - 1n;
const rotr = (x: bigint, n: bigint): bigint => ((x >> n) | (x << (64n - n))) & M64;
const rotl = (x: bigint, n: bigint): bigint => ((x << n) | (x >> (64n - n))) & M64;
const bit = (x: bigint, i: number): bigint => (x >> BigInt(i)) & 1n;
const invert = (t: number[]): number[] => t.map((_, i) => t.indexOf(i));

function referenceEncrypt(key: bigint, block: bigint, t: TableSet): bigint {
  let k = rotr(~key & M64, 12n);
  let x = block;
  for (let round = 0; round < 16; round++) {
    let y = 0n;
    for (let i = 0; i < 16; i++) {
      const s = bit(k, 4 * i + 3) === 1n ? t.S2 : t.S1;
      y |= BigInt(s[Number((x >> BigInt(4 * i)) & 15n)]!) << BigInt(4 * i);
    }
    x = 0n;
    for (let j = 0; j < 64; j++) x |= bit(y, j) << BigInt(t.P[j]!);
    k = rotl(k, 1n);
  }
  return x;
}

function referenceDecrypt(key: bigint, block: bigint, t: TableSet): bigint {
  const inv1 = t.inverseS1 ?? invert(t.S1);
  const inv2 = t.inverseS2 ?? invert(t.S2);
  let kd = ~key & M64;
  let x = block;
  for (let round = 0; round < 16; round++) {
    let y = 0n;
    for (let j = 0; j < 64; j++) y |= bit(x, t.P[j]!) << BigInt(j);
    x = 0n;
    for (let i = 0; i < 16; i++) {
      const s = bit(kd, 4 * i) === 1n ? inv2 : inv1;
      x |= BigInt(s[Number((y >> BigInt(4 * i)) & 15n)]!) << BigInt(4 * i);
    }
    kd = rotr(kd, 1n);
  }
  return x;
}
// ---------------------------------------------------------------------------------------------------------

interface Impl {
  name: string;
  encrypt(key: Uint8Array, block: bigint, tables: StaTables): bigint;
  decrypt(key: Uint8Array, block: bigint, tables: StaTables): bigint;
}

const out = new Uint32Array(2);
const impls: Impl[] = [
  {
    name: 'staEncrypt/staDecrypt (one-shot)',
    encrypt: (key, block, tables) => bytesToBig(staEncrypt(key, bigToBytes(block), tables)),
    decrypt: (key, block, tables) => bytesToBig(staDecrypt(key, bigToBytes(block), tables)),
  },
  {
    name: 'prepareStaKey (encrypt64/decrypt64)',
    encrypt: (key, block, tables) => {
      const sta = prepareStaKey(key, tables);
      sta.encrypt64(...halves(block), out);
      sta.destroy();
      return fromHalves(out);
    },
    decrypt: (key, block, tables) => {
      const sta = prepareStaKey(key, tables);
      sta.decrypt64(...halves(block), out);
      sta.destroy();
      return fromHalves(out);
    },
  },
  {
    name: 'bit-by-bit reference from the spec text',
    encrypt: (key, block, tables) => referenceEncrypt(bytesToBig(key), block, data.tables[tables]),
    decrypt: (key, block, tables) => referenceDecrypt(bytesToBig(key), block, data.tables[tables]),
  },
];

/** The encrypted block each vector states, directly or through its token (§7). */
function expectedCiphertext(v: Vector): bigint {
  if (v.ciphertext !== undefined) return hexToBig(v.ciphertext);
  if (v.token !== undefined) return blockFromToken(v.token).block;
  throw new Error(`vector ${v.name} has no ciphertext`);
}

const keyBytes = (hex: string): Uint8Array => bigToBytes(hexToBig(hex));

describe('the vectors agree with themselves', () => {
  test.each(data.vectors)('$name: token, 66-bit value and ciphertext carry the same block and class', (v) => {
    const expected = expectedCiphertext(v);
    if (v.token !== undefined)
      expect(blockFromToken(v.token)).toEqual({ tokenClass: v.tokenClass, block: expected });
    if (v.token66 !== undefined) {
      expect(untranspose(hexToBig(v.token66))).toEqual({ tokenClass: v.tokenClass, block: expected });
    }
  });

  test('the inverse tables printed in the reference invert the forward tables', () => {
    for (const t of Object.values(data.tables)) {
      expect(invert(t.P)).toEqual(t.inverseP);
      if (t.inverseS1) expect(invert(t.S1)).toEqual(t.inverseS1);
      if (t.inverseS2) expect(invert(t.S2)).toEqual(t.inverseS2);
    }
  });
});

describe.each(impls)('EA07 STA: $name', (impl) => {
  test.each(data.vectors)('encrypts $name ($tables tables)', (v) => {
    expect(impl.encrypt(keyBytes(v.key), hexToBig(v.plaintext), v.tables).toString(16)).toBe(
      expectedCiphertext(v).toString(16),
    );
  });

  test.each(data.vectors)('decrypts $name ($tables tables)', (v) => {
    expect(impl.decrypt(keyBytes(v.key), expectedCiphertext(v), v.tables).toString(16)).toBe(
      hexToBig(v.plaintext).toString(16),
    );
  });

  test.each(['real', 'sample'] as const)(
    'decrypt(encrypt(x)) = x for random keys and blocks (%s tables)',
    (tables) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          fc.bigInt({ min: 0n, max: M64 }),
          (key, block) => impl.decrypt(key, impl.encrypt(key, block, tables), tables) === block,
        ),
        { numRuns: impl.name.startsWith('bit-by-bit') ? 30 : 300 },
      );
    },
  );
});

describe('the fast implementation matches the reference', () => {
  const [oneShot, prepared, reference] = impls as [Impl, Impl, Impl];
  test.each(['real', 'sample'] as const)('on random keys and blocks (%s tables)', (tables) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: M64 }),
        (key, block) => {
          const expected = reference.encrypt(key, block, tables);
          expect(prepared.encrypt(key, block, tables)).toBe(expected);
          expect(oneShot.encrypt(key, block, tables)).toBe(expected);
          expect(prepared.decrypt(key, block, tables)).toBe(reference.decrypt(key, block, tables));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a prepared key encrypts many blocks in a row, reusing one output array', () => {
    const key = keyBytes('E653341F9D5BF36F');
    const sta = prepareStaKey(key);
    const o = new Uint32Array(2);
    let x = 0x0123456789abcdefn;
    for (let i = 0; i < 20; i++) {
      sta.encrypt64(...halves(x), o);
      const y = fromHalves(o);
      expect(y).toBe(referenceEncrypt(bytesToBig(key), x, data.tables.real));
      x = y;
    }
  });
});

describe('argument checks', () => {
  const key = new Uint8Array(8);
  const block = new Uint8Array(8);
  test.each([
    {
      call: () => staEncrypt(new Uint8Array(7), block),
      error: RangeError,
      message: 'key must be 8 bytes, got 7',
    },
    {
      call: () => staDecrypt(new Uint8Array(16), block),
      error: RangeError,
      message: 'key must be 8 bytes, got 16',
    },
    {
      call: () => staEncrypt('0ABC12DEF3456789' as never, block),
      error: TypeError,
      message: 'key must be a Uint8Array',
    },
    {
      call: () => staEncrypt(key, new Uint8Array(9)),
      error: RangeError,
      message: 'block must be 8 bytes, got 9',
    },
    {
      call: () => staDecrypt(key, [1, 2, 3, 4, 5, 6, 7, 8] as never),
      error: TypeError,
      message: 'block must be a Uint8Array',
    },
    {
      call: () => staEncrypt(key, block, 'fake' as never),
      error: RangeError,
      message: "tables must be 'real' or 'sample'",
    },
    {
      call: () => prepareStaKey(new Uint8Array(0)),
      error: RangeError,
      message: 'key must be 8 bytes, got 0',
    },
    { call: () => prepareStaKey(null as never), error: TypeError, message: 'key must be a Uint8Array' },
    {
      call: () => prepareStaKey(key, 'Real' as never),
      error: RangeError,
      message: "tables must be 'real' or 'sample'",
    },
  ])('$message', ({ call, error, message }) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(error);
    expect(e.message).toBe(message);
  });

  test('a destroyed key refuses to work', () => {
    const sta = prepareStaKey(keyBytes('0ABC12DEF3456789'));
    sta.destroy();
    expect(() => sta.encrypt64(0, 0, new Uint32Array(2))).toThrow('this STA key has been destroyed');
    expect(() => sta.decrypt64(0, 0, new Uint32Array(2))).toThrow('this STA key has been destroyed');
  });
});

describe('secrets stay secret', () => {
  test('inspect, JSON and string forms of a prepared key show no key material', () => {
    const sta = prepareStaKey(keyBytes('0ABC12DEF3456789'), 'sample');
    expect(inspect(sta, { showHidden: true, depth: 5 })).toBe(
      "PreparedStaKey { algorithm: 'sta', tables: 'sample' }",
    );
    expect(JSON.stringify(sta)).toBe('{"algorithm":"sta","tables":"sample"}');
    expect(Object.keys(sta).sort()).toEqual(['algorithm', 'decrypt64', 'destroy', 'encrypt64', 'toJSON']);
  });
});
