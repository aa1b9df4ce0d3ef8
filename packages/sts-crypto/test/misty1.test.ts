// EA11 (MISTY1, RFC 2994) against vectors/misty1.json: the one-shot functions and the prepared key run the
// same vectors (RFC 2994 test data and STS tokens whose encrypted block is recovered from the digits).

import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { misty1Decrypt, misty1Encrypt, prepareMisty1Key, S7, S9 } from '../src/misty1.ts';
import { thrown } from './thrown.ts';
import { bigToBytes, blockFromToken, bytesToBig, fromHalves, halves, hexToBig } from './token-block.ts';

interface Vector {
  name: string;
  key: string;
  plaintext: string;
  ciphertext?: string;
  tokenClass?: number;
  token?: string;
  source: string;
}
const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../vectors/${name}`, import.meta.url), 'utf8'));
const { vectors }: { vectors: Vector[] } = read('misty1.json');
const sboxes: { S7: number[]; S9: number[] } = read('misty1-sboxes.json');

const keyBytes = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g)!, (b) => Number.parseInt(b, 16));
const M64 = (1n << 64n) - 1n;

interface Impl {
  name: string;
  encrypt(key: Uint8Array, block: bigint): bigint;
  decrypt(key: Uint8Array, block: bigint): bigint;
}
const out = new Uint32Array(2);
const impls: Impl[] = [
  {
    name: 'misty1Encrypt/misty1Decrypt (one-shot)',
    encrypt: (key, block) => bytesToBig(misty1Encrypt(key, bigToBytes(block))),
    decrypt: (key, block) => bytesToBig(misty1Decrypt(key, bigToBytes(block))),
  },
  {
    name: 'prepareMisty1Key (encrypt64/decrypt64)',
    encrypt: (key, block) => {
      const m = prepareMisty1Key(key);
      m.encrypt64(...halves(block), out);
      m.destroy();
      return fromHalves(out);
    },
    decrypt: (key, block) => {
      const m = prepareMisty1Key(key);
      m.decrypt64(...halves(block), out);
      m.destroy();
      return fromHalves(out);
    },
  },
];

function expectedCiphertext(v: Vector): bigint {
  if (v.ciphertext !== undefined) return hexToBig(v.ciphertext);
  if (v.token !== undefined) return blockFromToken(v.token).block;
  throw new Error(`vector ${v.name} has no ciphertext`);
}

test('the embedded S-boxes are the RFC 2994 tables of vectors/misty1-sboxes.json', () => {
  expect(Array.from(S7)).toEqual(sboxes.S7);
  expect(Array.from(S9)).toEqual(sboxes.S9);
});

test.each(vectors.filter((v) => v.token !== undefined))('$name: the token carries class $tokenClass', (v) => {
  expect(blockFromToken(v.token!).tokenClass).toBe(v.tokenClass);
});

describe.each(impls)('EA11 MISTY1: $name', (impl) => {
  test.each(vectors)('encrypts $name', (v) => {
    expect(impl.encrypt(keyBytes(v.key), hexToBig(v.plaintext)).toString(16)).toBe(
      expectedCiphertext(v).toString(16),
    );
  });

  test.each(vectors)('decrypts $name', (v) => {
    expect(impl.decrypt(keyBytes(v.key), expectedCiphertext(v)).toString(16)).toBe(
      hexToBig(v.plaintext).toString(16),
    );
  });

  test('decrypt(encrypt(x)) = x for random keys and blocks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.bigInt({ min: 0n, max: M64 }),
        (key, block) => impl.decrypt(key, impl.encrypt(key, block)) === block,
      ),
      { numRuns: 300 },
    );
  });
});

test('one-shot and prepared forms agree on random keys and blocks', () => {
  const [oneShot, prepared] = impls as [Impl, Impl];
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.bigInt({ min: 0n, max: M64 }),
      (key, block) => {
        expect(prepared.encrypt(key, block)).toBe(oneShot.encrypt(key, block));
        expect(prepared.decrypt(key, block)).toBe(oneShot.decrypt(key, block));
      },
    ),
  );
});

describe('argument checks', () => {
  const key = new Uint8Array(16);
  const block = new Uint8Array(8);
  test.each([
    {
      call: () => misty1Encrypt(new Uint8Array(8), block),
      error: RangeError,
      message: 'key must be 16 bytes, got 8',
    },
    {
      call: () => misty1Decrypt(new Uint8Array(17), block),
      error: RangeError,
      message: 'key must be 16 bytes, got 17',
    },
    {
      call: () => misty1Encrypt('00112233' as never, block),
      error: TypeError,
      message: 'key must be a Uint8Array',
    },
    {
      call: () => misty1Encrypt(key, new Uint8Array(16)),
      error: RangeError,
      message: 'block must be 8 bytes, got 16',
    },
    {
      call: () => misty1Decrypt(key, new Uint16Array(4) as never),
      error: TypeError,
      message: 'block must be a Uint8Array',
    },
    {
      call: () => prepareMisty1Key(new Uint8Array(15)),
      error: RangeError,
      message: 'key must be 16 bytes, got 15',
    },
    {
      call: () => prepareMisty1Key(undefined as never),
      error: TypeError,
      message: 'key must be a Uint8Array',
    },
  ])('$message', ({ call, error, message }) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(error);
    expect(e.message).toBe(message);
  });

  test('a destroyed key refuses to work', () => {
    const m = prepareMisty1Key(key);
    m.destroy();
    expect(() => m.encrypt64(0, 0, new Uint32Array(2))).toThrow('this MISTY1 key has been destroyed');
    expect(() => m.decrypt64(0, 0, new Uint32Array(2))).toThrow('this MISTY1 key has been destroyed');
  });
});

test('inspect and JSON forms of a prepared key show no key material', () => {
  const m = prepareMisty1Key(keyBytes('F94B6ED353C3BFDB113E2D3A7EA3C41D'));
  expect(inspect(m, { showHidden: true, depth: 5 })).toBe("PreparedMisty1Key { algorithm: 'misty1' }");
  expect(JSON.stringify(m)).toBe('{"algorithm":"misty1"}');
});
