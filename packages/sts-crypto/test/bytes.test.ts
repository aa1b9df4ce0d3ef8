// hexToBytes, bytesToHex, wipe and the boundary check: round trips, exact errors, and no echo of secrets.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bytesToHex, checkBytes, hexToBytes, wipe } from '../src/bytes.ts';
import { thrown } from './thrown.ts';

describe('hexToBytes / bytesToHex', () => {
  test.each([
    { hex: '', bytes: [] },
    { hex: '00', bytes: [0] },
    { hex: '0ABC12DEF3456789', bytes: [0x0a, 0xbc, 0x12, 0xde, 0xf3, 0x45, 0x67, 0x89] },
    { hex: 'ff7f80', bytes: [255, 127, 128] },
  ])('$hex ⇄ $bytes', ({ hex, bytes }) => {
    expect(Array.from(hexToBytes(hex))).toEqual(bytes);
    expect(bytesToHex(Uint8Array.from(bytes))).toBe(hex.toUpperCase());
  });

  test('round trip on random bytes; output is upper case and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const hex = bytesToHex(bytes);
        expect(hex).toBe(Buffer.from(bytes).toString('hex').toUpperCase());
        expect(hexToBytes(hex)).toEqual(bytes);
        expect(hexToBytes(hex.toLowerCase())).toEqual(bytes);
      }),
    );
  });

  test.each([
    {
      call: () => hexToBytes('ABC', 'decoder key'),
      error: RangeError,
      message: 'decoder key must have an even number of hex digits, got 3',
    },
    {
      call: () => hexToBytes('0ABG', 'vending key'),
      error: RangeError,
      message: 'vending key has a character that is not a hex digit at position 3',
    },
    {
      call: () => hexToBytes(' 0AB', 'key'),
      error: RangeError,
      message: 'key has a character that is not a hex digit at position 0',
    },
    {
      call: () => hexToBytes('0x12'),
      error: RangeError,
      message: 'hex has a character that is not a hex digit at position 1',
    },
    {
      call: () => hexToBytes(12 as never, 'key'),
      error: TypeError,
      message: 'key must be a string of hex digits',
    },
    { call: () => bytesToHex('00' as never), error: TypeError, message: 'bytes must be a Uint8Array' },
  ])('$message', ({ call, error, message }) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(error);
    expect(e.message).toBe(message);
  });

  test('an error never echoes the text, which may be a key', () => {
    const secret = 'E653341F9D5BF36Z';
    expect(() => hexToBytes(secret, 'decoder key')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('E653341F') }),
    );
  });
});

describe('wipe', () => {
  test('zeroes every buffer', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = new Uint8Array(32).fill(0xaa);
    wipe(a, b);
    expect(a.every((x) => x === 0) && b.every((x) => x === 0)).toBe(true);
  });

  test('rejects a non-Uint8Array before wiping anything', () => {
    const a = Uint8Array.of(1, 2, 3);
    expect(() => wipe(a, 'x' as never)).toThrow(new TypeError('buffer 1 must be a Uint8Array'));
    expect(Array.from(a)).toEqual([1, 2, 3]);
  });
});

describe('checkBytes', () => {
  test.each([
    { value: new Uint8Array(7), length: 8, message: 'key must be 8 bytes, got 7', error: RangeError },
    { value: 'abc', length: 8, message: 'key must be a Uint8Array', error: TypeError },
    { value: new Uint16Array(8), length: 8, message: 'key must be a Uint8Array', error: TypeError },
  ])('$message', ({ value, length, message, error }) => {
    const e = thrown(() => checkBytes(value, 'key', length));
    expect(e).toBeInstanceOf(error);
    expect(e.message).toBe(message);
  });

  test('passes a good value through, any length when none is asked', () => {
    const v = new Uint8Array(5);
    expect(checkBytes(v, 'bytes')).toBe(v);
    expect(checkBytes(v, 'bytes', 5)).toBe(v);
  });
});
