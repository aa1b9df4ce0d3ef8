// The token CRC (IEC 62055-41 6.3.22) against vectors/crc16.json: the table-driven functions and a
// bit-serial reference written from the definition below run the same vectors and properties.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { crc16, crc16C, tokenCrcField } from '../src/crc16.ts';
import { thrown } from './thrown.ts';

interface Vectors {
  check: { ascii: string; crc: string; source: string }[];
  fields: { bytes: string; field: string; modbus?: string; source: string }[];
  blocks: { name: string; tokenClass: number; block: string; source: string }[];
}
const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/crc16.json', import.meta.url), 'utf8'),
);

const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const swap = (crc: number): number => ((crc & 0xff) << 8) | (crc >>> 8);

/** CRC-16/MODBUS, one bit at a time: register 0xFFFF; per byte XOR into the low end, then 8 times shift right,
 *  XOR 0xA001 when the bit shifted out is 1; no final XOR. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The 7 bytes of §6: class, then block bits 63..16. */
function sevenBytes(tokenClass: number, hi: number, lo: number): Uint8Array {
  return Uint8Array.of(tokenClass, hi >>> 24, hi >>> 16, hi >>> 8, hi, lo >>> 24, lo >>> 16);
}

const impls = [
  { name: 'crc16 (table-driven)', crc: crc16 },
  { name: 'bit-serial reference', crc: referenceCrc },
];

describe.each(impls)('CRC-16/MODBUS: $name', ({ crc }) => {
  test.each(vectors.check)('check value of "$ascii" is 0x$crc', ({ ascii, crc: expected }) => {
    expect(crc(new TextEncoder().encode(ascii))).toBe(Number.parseInt(expected, 16));
  });

  test.each(vectors.fields)('$bytes → field 0x$field', ({ bytes, field, modbus }) => {
    const raw = crc(fromHex(bytes));
    expect(swap(raw)).toBe(Number.parseInt(field, 16));
    if (modbus !== undefined) expect(raw).toBe(Number.parseInt(modbus, 16));
  });
});

describe('tokenCrcField', () => {
  test.each(vectors.fields)('$bytes → field 0x$field', ({ bytes, field }) => {
    const b = fromHex(bytes);
    const hi = ((b[1]! << 24) | (b[2]! << 16) | (b[3]! << 8) | b[4]!) >>> 0;
    const lo = ((b[5]! << 24) | (b[6]! << 16)) >>> 0;
    expect(tokenCrcField(b[0]!, hi, lo)).toBe(Number.parseInt(field, 16));
  });

  test.each(vectors.blocks)('$name: bits 15..0 of $block are the CRC field (class $tokenClass)', (v) => {
    const hi = Number.parseInt(v.block.slice(0, 8), 16);
    const lo = Number.parseInt(v.block.slice(8), 16);
    expect(tokenCrcField(v.tokenClass, hi, lo)).toBe(lo & 0xffff);
    // The CRC covers the class: any other class gives another field.
    for (const other of [0, 1, 2, 3].filter((c) => c !== v.tokenClass)) {
      expect(tokenCrcField(other, hi, lo)).not.toBe(lo & 0xffff);
    }
  });

  test('equals the byte-swapped CRC of the assembled 7 bytes, for both variants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.nat(0xffffffff), fc.nat(0xffffffff), (cls, hi, lo) => {
        const bytes = sevenBytes(cls, hi, lo);
        expect(tokenCrcField(cls, hi, lo)).toBe(swap(crc16(bytes)));
        expect(tokenCrcField(cls, hi, lo, 'crc')).toBe(swap(referenceCrc(bytes)));
        expect(tokenCrcField(cls, hi, lo, 'crc-c')).toBe(swap(crc16C(bytes)));
        expect(tokenCrcField(cls, hi, lo, 'crc-c')).toBe(swap(referenceCrc(Uint8Array.of(...bytes, 0x01))));
      }),
      { numRuns: 500 },
    );
  });

  test('ignores bits 15..0 of lo (they hold the CRC field itself)', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(0xffff), (hi, lo, noise) => {
        expect(tokenCrcField(0, hi, ((lo & 0xffff0000) | noise) >>> 0)).toBe(tokenCrcField(0, hi, lo));
      }),
    );
  });
});

describe('crc16C (CRC_C of the currency tokens)', () => {
  test('is the CRC over the bytes followed by 0x01', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(crc16C(bytes)).toBe(referenceCrc(Uint8Array.of(...bytes, 0x01)));
        expect(crc16C(bytes)).toBe(crc16(Uint8Array.of(...bytes, 0x01)));
      }),
    );
  });

  test('differs from the plain CRC on the example token bytes', () => {
    const bytes = fromHex(vectors.fields[0]!.bytes);
    expect(crc16C(bytes)).not.toBe(crc16(bytes));
  });
});

test('crc16 of nothing is the initial register 0xFFFF', () => {
  expect(crc16(new Uint8Array(0))).toBe(0xffff);
});

describe('argument checks', () => {
  test.each([
    { call: () => crc16('123456789' as never), error: TypeError, message: 'bytes must be a Uint8Array' },
    { call: () => crc16C([1, 2] as never), error: TypeError, message: 'bytes must be a Uint8Array' },
    {
      call: () => tokenCrcField(4, 0, 0),
      error: RangeError,
      message: 'tokenClass must be an integer 0..3, got 4',
    },
    {
      call: () => tokenCrcField(1.5, 0, 0),
      error: RangeError,
      message: 'tokenClass must be an integer 0..3, got 1.5',
    },
    {
      call: () => tokenCrcField(0, -1, 0),
      error: RangeError,
      message: 'hi must be an unsigned 32-bit integer, got -1',
    },
    {
      call: () => tokenCrcField(0, 0, 2 ** 32),
      error: RangeError,
      message: 'lo must be an unsigned 32-bit integer, got 4294967296',
    },
    {
      call: () => tokenCrcField(0, 0, 0, 'crc16' as never),
      error: RangeError,
      message: "variant must be 'crc' or 'crc-c'",
    },
  ])('$message', ({ call, error, message }) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(error);
    expect(e.message).toBe(message);
  });
});
