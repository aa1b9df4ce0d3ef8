// DES (FIPS 46-3; EA09 of IEC 62055-41): vectors/des.json, OpenSSL on random keys, round trips,
// and the boundary checks with their exact messages.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { desDecrypt, desEncrypt, prepareDesKey } from '../src/des.ts';

interface DesVector {
  group: string;
  key: string;
  plaintext: string;
  ciphertext: string;
  source: string;
}
const vectors: DesVector[] = JSON.parse(
  readFileSync(new URL('../../../vectors/des.json', import.meta.url), 'utf8'),
).vectors;

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

interface DesImpl {
  name: string;
  encrypt(key: Uint8Array, block: Uint8Array): Uint8Array;
  decrypt(key: Uint8Array, block: Uint8Array): Uint8Array;
}

/** OpenSSL 3 keeps single DES in its legacy provider, but two-key EDE with K ‖ K is E_K(D_K(E_K(x))) = E_K(x). */
function openssl(decrypt: boolean, key: Uint8Array, block: Uint8Array): Uint8Array {
  const k = Buffer.concat([key, key]);
  const c = decrypt ? createDecipheriv('des-ede-ecb', k, null) : createCipheriv('des-ede-ecb', k, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

/** Our prepared form driven through the 32-bit-halves interface. */
function prepared(decrypt: boolean, key: Uint8Array, block: Uint8Array): Uint8Array {
  const des = prepareDesKey(key);
  const view = new DataView(block.buffer, block.byteOffset, 8);
  const out = new Uint32Array(2);
  (decrypt ? des.decrypt64 : des.encrypt64).call(des, view.getUint32(0), view.getUint32(4), out);
  des.destroy();
  const result = new Uint8Array(8);
  new DataView(result.buffer).setUint32(0, out[0]!);
  new DataView(result.buffer).setUint32(4, out[1]!);
  return result;
}

const implementations: DesImpl[] = [
  { name: 'ours, one-shot', encrypt: desEncrypt, decrypt: desDecrypt },
  {
    name: 'ours, prepared',
    encrypt: (k, b) => prepared(false, k, b),
    decrypt: (k, b) => prepared(true, k, b),
  },
  {
    name: 'OpenSSL des-ede-ecb K‖K',
    encrypt: (k, b) => openssl(false, k, b),
    decrypt: (k, b) => openssl(true, k, b),
  },
];

describe.each(implementations)('DES known answers (FIPS 46-3, NBS SP 500-20): $name', (impl) => {
  test.each(vectors)('$group: key $key, $plaintext → $ciphertext', ({ key, plaintext, ciphertext }) => {
    expect(hex(impl.encrypt(bytes(key), bytes(plaintext)))).toBe(ciphertext);
    expect(hex(impl.decrypt(bytes(key), bytes(ciphertext)))).toBe(plaintext);
  });
});

const block8 = fc.uint8Array({ minLength: 8, maxLength: 8 });

describe('DES against OpenSSL on random keys and blocks', () => {
  test('encrypt and decrypt agree with OpenSSL', () => {
    fc.assert(
      fc.property(block8, block8, (key, block) => {
        const c = openssl(false, key, block);
        expect(hex(desEncrypt(key, block))).toBe(hex(c));
        expect(hex(prepared(false, key, block))).toBe(hex(c));
        expect(hex(desDecrypt(key, block))).toBe(hex(openssl(true, key, block)));
      }),
      { numRuns: 500 },
    );
  });

  test('one prepared key serves many blocks (no state carried between blocks)', () => {
    fc.assert(
      fc.property(block8, fc.array(block8, { minLength: 1, maxLength: 20 }), (key, blocks) => {
        const des = prepareDesKey(key);
        const out = new Uint32Array(2);
        for (const b of blocks) {
          const v = new DataView(b.buffer, b.byteOffset, 8);
          des.encrypt64(v.getUint32(0), v.getUint32(4), out);
          const want = new DataView(openssl(false, key, b).buffer);
          expect([out[0], out[1]]).toEqual([want.getUint32(0), want.getUint32(4)]);
        }
        des.destroy();
      }),
      { numRuns: 100 },
    );
  });
});

describe('DES properties', () => {
  test('decrypt inverts encrypt', () => {
    fc.assert(
      fc.property(
        block8,
        block8,
        (key, block) => hex(desDecrypt(key, desEncrypt(key, block))) === hex(block),
      ),
    );
  });

  test('parity bits are ignored (FIPS 46-3: bits 8, 16, …, 64 are not used)', () => {
    fc.assert(
      fc.property(block8, block8, fc.integer({ min: 0, max: 255 }), (key, block, flips) => {
        const flipped = key.map((b, i) => b ^ ((flips >>> i) & 1));
        return hex(desEncrypt(flipped, block)) === hex(desEncrypt(key, block));
      }),
    );
  });

  test('complementation: DES(~K, ~P) = ~DES(K, P)', () => {
    fc.assert(
      fc.property(block8, block8, (key, block) => {
        const not = (b: Uint8Array) => b.map((x) => ~x & 0xff);
        return hex(desEncrypt(not(key), not(block))) === hex(not(desEncrypt(key, block)));
      }),
    );
  });
});

describe('DES boundary', () => {
  test.each([
    {
      key: new Uint8Array(7),
      block: new Uint8Array(8),
      error: RangeError,
      message: 'key must be 8 bytes, got 7',
    },
    {
      key: new Uint8Array(16),
      block: new Uint8Array(8),
      error: RangeError,
      message: 'key must be 8 bytes, got 16',
    },
    {
      key: new Uint8Array(8),
      block: new Uint8Array(9),
      error: RangeError,
      message: 'block must be 8 bytes, got 9',
    },
    {
      key: 'ABABABABABABABAB',
      block: new Uint8Array(8),
      error: TypeError,
      message: 'key must be a Uint8Array',
    },
    {
      key: new Uint8Array(8),
      block: [0, 0, 0, 0, 0, 0, 0, 0],
      error: TypeError,
      message: 'block must be a Uint8Array',
    },
  ])('desEncrypt/desDecrypt reject: $message', ({ key, block, error, message }) => {
    for (const f of [desEncrypt, desDecrypt]) {
      const call = () => f(key as Uint8Array, block as Uint8Array);
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    }
  });

  test('prepareDesKey checks the key and never shows it', () => {
    expect(() => prepareDesKey(new Uint8Array(9))).toThrow(new RangeError('key must be 8 bytes, got 9'));
    const des = prepareDesKey(bytes('ABABABABABABABAB'));
    expect(des.algorithm).toBe('des');
    expect(String(des)).toBe(`PreparedDesKey { algorithm: 'des' }`);
    expect(JSON.stringify(des)).toBe('{"algorithm":"des"}');
    expect(inspect(des, { showHidden: true, depth: 5 })).toBe(`PreparedDesKey { algorithm: 'des' }`);
  });

  test('a destroyed key refuses to work', () => {
    const des = prepareDesKey(bytes('ABABABABABABABAB'));
    des.destroy();
    expect(() => des.encrypt64(0, 0, new Uint32Array(2))).toThrow('this DES key has been destroyed');
    expect(() => des.decrypt64(0, 0, new Uint32Array(2))).toThrow('this DES key has been destroyed');
    des.destroy(); // twice is harmless
  });
});
