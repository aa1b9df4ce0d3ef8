// Key check values (key-ceremony.md): AES-CMAC against RFC 4493, vectors/kcv.json, node:crypto
// cross-checks, and the method chosen for vending and decoder keys.
import { createCipheriv, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cmac } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { aesCmac, type KcvMethod, kcv, kcvMethodForDecoderKey, kcvMethodForVendingKey } from '../src/kcv.ts';

const vectors = JSON.parse(readFileSync(new URL('../../../vectors/kcv.json', import.meta.url), 'utf8')) as {
  aesCmac: { key: string; message: string; mac: string; source: string }[];
  kcv: { method: KcvMethod; key: string; kcv: string; source: string }[];
};
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

describe('AES-CMAC (RFC 4493, NIST SP 800-38B)', () => {
  test.each(vectors.aesCmac)('key $key, $message.length hex digits → $mac', ({ key, message, mac }) => {
    expect(hex(aesCmac(bytes(key), bytes(message)))).toBe(mac);
  });

  test('agrees with @noble/ciphers cmac for random keys and messages of any length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.uint8Array({ maxLength: 70 }),
        (key, message) => hex(aesCmac(key, message)) === hex(cmac(message, key)),
      ),
      { numRuns: 200 },
    );
  });

  test('rejects a key that is not an AES key', () => {
    expect(() => aesCmac(new Uint8Array(20), new Uint8Array(0))).toThrow(
      new RangeError('key must be 16, 24 or 32 bytes for AES, got 20'),
    );
  });
});

describe('kcv (key-ceremony.md)', () => {
  test.each(vectors.kcv)('$method $key → $kcv', ({ method, key, kcv: expected }) => {
    expect(kcv(bytes(key), method)).toBe(expected);
  });

  /** Independent formulations with node:crypto/OpenSSL only. */
  const zero8 = Buffer.alloc(8);
  const openssl = {
    des: (k: Uint8Array) =>
      createCipheriv('des-ede-ecb', Buffer.concat([k, k]), null)
        .setAutoPadding(false)
        .update(zero8),
    tdes: (k: Uint8Array) =>
      createCipheriv(k.length === 16 ? 'des-ede-ecb' : 'des-ede3-ecb', k, null)
        .setAutoPadding(false)
        .update(zero8),
    'hmac-sha256': (k: Uint8Array) => createHmac('sha256', k).update(Buffer.alloc(16)).digest(),
  };
  test.each([
    { method: 'des' as const, lengths: [8] },
    { method: 'tdes' as const, lengths: [16, 24] },
    { method: 'hmac-sha256' as const, lengths: [8, 20, 32, 64, 100] },
  ])('$method matches OpenSSL on random keys', ({ method, lengths }) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...lengths).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        (key) => kcv(key, method) === hex(openssl[method](key)).slice(0, 6),
      ),
      { numRuns: 100 },
    );
  });

  test('is 6 upper-case hex digits and leaves the key untouched', () => {
    const key = bytes('ABABABABABABABAB949494949494949401234567');
    const copy = key.slice();
    expect(kcv(key, 'hmac-sha256')).toMatch(/^[0-9A-F]{6}$/);
    expect(key).toEqual(copy);
  });

  test.each([
    {
      key: new Uint8Array(7),
      method: 'des',
      error: RangeError,
      message: 'key must be 8 bytes for DES, got 7',
    },
    {
      key: new Uint8Array(8),
      method: 'tdes',
      error: RangeError,
      message: 'key must be 16 or 24 bytes for TDES, got 8',
    },
    {
      key: new Uint8Array(20),
      method: 'aes-cmac',
      error: RangeError,
      message: 'key must be 16, 24 or 32 bytes for AES-CMAC, got 20',
    },
    {
      key: new Uint8Array(0),
      method: 'hmac-sha256',
      error: RangeError,
      message: 'key must not be empty for HMAC-SHA-256',
    },
    {
      key: new Uint8Array(8),
      method: 'md5',
      error: RangeError,
      message: 'method must be one of des, tdes, aes-cmac, hmac-sha256, got "md5"',
    },
    {
      key: new Uint8Array(8),
      method: undefined,
      error: TypeError,
      message: 'method must be one of des, tdes, aes-cmac, hmac-sha256',
    },
    { key: '0123456789ABCDEF', method: 'des', error: TypeError, message: 'key must be a Uint8Array' },
  ])('rejects $method with $key.length bytes: $message', ({ key, method, error, message }) => {
    const call = () => kcv(key as Uint8Array, method as KcvMethod);
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });
});

describe('kcvMethodForVendingKey', () => {
  test.each([
    { length: 8, method: 'des' },
    { length: 20, method: 'hmac-sha256' },
  ])('$length bytes → $method', ({ length, method }) => {
    expect(kcvMethodForVendingKey(new Uint8Array(length))).toBe(method);
  });

  test.each([0, 16, 24, 21])('%i bytes is not a vending key', (length) => {
    expect(() => kcvMethodForVendingKey(new Uint8Array(length))).toThrow(
      new RangeError(`key must be 8 bytes (DKGA02 vending key) or 20 bytes (DKGA04), got ${length}`),
    );
  });
});

describe('kcvMethodForDecoderKey', () => {
  test.each([
    { length: 8, method: 'des' },
    { length: 16, method: 'aes-cmac' },
  ])('$length bytes → $method', ({ length, method }) => {
    expect(kcvMethodForDecoderKey(new Uint8Array(length))).toBe(method);
  });

  test.each([0, 7, 9, 20, 24, 32])('%i bytes is not a decoder key', (length) => {
    expect(() => kcvMethodForDecoderKey(new Uint8Array(length))).toThrow(
      new RangeError(
        `key must be 8 bytes (STA or DEA decoder key) or 16 bytes (MISTY1 decoder key), got ${length}`,
      ),
    );
  });

  test('a non-Uint8Array is a TypeError', () => {
    expect(() => kcvMethodForDecoderKey('E653341F9D5BF36F' as unknown as Uint8Array)).toThrow(TypeError);
  });

  test('the CTSA01 decoder key E653341F9D5BF36F (sts-reference §13.1): DES zero-block KCV as node:crypto has it', () => {
    const key = bytes('E653341F9D5BF36F');
    const method = kcvMethodForDecoderKey(key);
    // DES as DES-EDE with K‖K (E_K D_K E_K = E_K): node:crypto without the legacy provider.
    const c = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null).setAutoPadding(false);
    const expected = hex(c.update(new Uint8Array(8)).subarray(0, 3));
    expect(kcv(key, method)).toBe(expected);
  });
});
