// The reference's plaintext-block table (vectors/sts-token-blocks.json) checked at the block level:
// encode the plaintext block, decrypt the token back to it, and read its fields.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkTokenCrc, decryptTokenBlock } from '../src/decode.ts';
import { blockToTokenDigits, parseTokenDigits, parseTokenTextInto } from '../src/digits.ts';
import {
  assembleKeyChange,
  assembleKeyChangeBlocks,
  blockField,
  blockNibble,
  blockSubclass,
  blockTid,
  type DecodedKeyChange,
  decodeInto,
  decodeToken,
  encodeBlockToken,
  encodeKeyChange,
  encodeToken,
  prepareKey,
} from '../src/index.ts';

const data = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-token-blocks.json', import.meta.url), 'utf8'),
);
const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)));
const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');

interface Row {
  description: string;
  decoderKey: string;
  encryptionAlgorithm: 'sta' | 'misty1';
  baseDate: 1993;
  class: number;
  subclass: number;
  random: number;
  tid: number;
  field: string;
  block: string;
  token: string;
}

describe('plaintext blocks of sts-reference §13.2', () => {
  test.each(data.tokens as Row[])('$description', (row) => {
    const key = prepareKey({
      decoderKey: row.decoderKey,
      encryptionAlgorithm: row.encryptionAlgorithm,
      baseDate: 1993,
    });
    const hi = Number.parseInt(row.block.slice(0, 8), 16);
    const lo = Number.parseInt(row.block.slice(8), 16);
    // the block's fields are those of the row
    expect(hi >>> 28).toBe(row.subclass);
    expect((hi >>> 24) & 15).toBe(row.random);
    expect(hi & 0xffffff).toBe(row.tid);
    expect(hex8(lo).slice(0, 4)).toBe(row.field);
    expect([blockSubclass(hi), blockNibble(hi), blockTid(hi), blockField(lo)]).toEqual([
      row.subclass,
      row.random,
      row.tid,
      Number.parseInt(row.field, 16),
    ]);
    expect(checkTokenCrc(row.class, hi, lo)).toBe(true);
    // block → token (CRC recomputed from zeroed bits) and token → block
    expect(encodeBlockToken(key, row.class, hi, lo & 0xffff0000)).toBe(row.token);
    const p = parseTokenDigits(row.token)!;
    expect(p.class).toBe(row.class);
    const out = new Uint32Array(2);
    decryptTokenBlock(key, p.class, p.hi, p.lo, out);
    expect(hex8(out[0]!) + hex8(out[1]!)).toBe(row.block);
    // the meter's path: text (grouped as on a receipt) → class and plaintext block, CRC checked
    const decoded = new Uint32Array(3);
    const grouped = row.token.replace(/(\d{4})(?=\d)/g, '$1-');
    expect(decodeInto(key, grouped, decoded)).toBe('ok');
    expect([decoded[0], hex8(decoded[1]!) + hex8(decoded[2]!)]).toEqual([row.class, row.block]);
    const d = decodeToken(row.token, key);
    expect(d.ok && d.crcOk && d.class === row.class && d.subclass === row.subclass).toBe(true);
    if (d.ok && 'tid' in d) expect(d.tid).toBe(row.tid);
    if (d.ok && 'random' in d) expect(d.random).toBe(row.random);
    key.destroy();
  });
});

describe('class 1 (not encrypted)', () => {
  test.each(data.class1 as { subclass: number; control: number; manufacturerCode: string; token: string }[])(
    'sub $subclass MfrCode $manufacturerCode → $token',
    (row) => {
      const type = row.subclass === 0 ? 'test-display-1' : 'test-display-2';
      expect(encodeToken(null, { type, control: row.control, manufacturerCode: row.manufacturerCode })).toBe(
        row.token,
      );
      const d = decodeToken(row.token);
      expect(d).toMatchObject({
        ok: true,
        class: 1,
        subclass: row.subclass,
        type,
        crcOk: true,
        control: row.control,
        manufacturerCode: row.manufacturerCode,
      });
    },
  );
});

interface KeyChangeRow {
  description: string;
  oldDecoderKey: string;
  encryptionAlgorithm: 'sta' | 'misty1';
  newDecoderKey: string;
  keyExpiryNo: number;
  keyRevisionNo: number;
  keyType: number;
  tariffIndex: string;
  supplyGroupCode: string;
  rollover: boolean;
  blocks?: string[];
  tokens: string[];
}

describe('key-change sets', () => {
  test.each(data.keyChange as KeyChangeRow[])('$description', (row) => {
    const old = prepareKey({
      decoderKey: row.oldDecoderKey,
      encryptionAlgorithm: row.encryptionAlgorithm,
      baseDate: 1993,
    });
    const params = {
      newDecoderKey: hexBytes(row.newDecoderKey),
      keyExpiryNo: row.keyExpiryNo,
      keyRevisionNo: row.keyRevisionNo,
      keyType: row.keyType,
      tariffIndex: row.tariffIndex,
      supplyGroupCode: row.supplyGroupCode,
      rollover: row.rollover,
    };
    expect(encodeKeyChange(old, params)).toEqual(row.tokens);
    const sections = (row.tokens as string[]).map((t) => decodeToken(t, old) as DecodedKeyChange);
    const blocks = row.blocks;
    if (blocks !== undefined) {
      const out = new Uint32Array(2);
      (row.tokens as string[]).forEach((t, i) => {
        const p = parseTokenDigits(t)!;
        decryptTokenBlock(old, p.class, p.hi, p.lo, out);
        expect(hex8(out[0]!) + hex8(out[1]!)).toBe(blocks[i]);
      });
    }
    expect(sections.every((s) => s.crcOk && s.class === 2)).toBe(true);
    const a = assembleKeyChange([...sections].reverse())!;
    expect(Buffer.from(a.newDecoderKey).toString('hex').toUpperCase()).toBe(row.newDecoderKey);
    expect(a).toMatchObject({
      keyExpiryNo: 255,
      keyRevisionNo: 1,
      keyType: 2,
      tariffIndex: '02',
      rollover: false,
    });
    if (sections.length === 4) expect(a.supplyGroupCode).toBe(row.supplyGroupCode);
    // the meter's path: the decrypted blocks by section number give the same key and attributes
    const bySection: [number, number][] = [];
    const out = new Uint32Array(3);
    for (const t of row.tokens as string[]) {
      expect(decodeInto(old, t, out)).toBe('ok');
      const section = [0, 0, 0, 1, 2, 0, 0, 0, 3, 4][blockSubclass(out[1]!)]!;
      bySection[section] = [out[1]!, out[2]!];
    }
    expect(assembleKeyChangeBlocks(bySection)).toEqual(a);
    expect(assembleKeyChangeBlocks(bySection.slice(0, 2))).toBeNull();
    old.destroy();
  });
});

describe('token text and decodeInto statuses', () => {
  const key = prepareKey({ decoderKey: 'E653341F9D5BF36F', encryptionAlgorithm: 'sta', baseDate: 1993 });

  test('the 20 digits are the decimal of the 66-bit value, and text with separators parses back', () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (cls, hi, lo) => {
          const digits = blockToTokenDigits(cls, hi, lo);
          // class bits go to 28..27 of the value's low word; bits 28..27 of lo move to 65..64
          const value =
            (BigInt((lo >>> 27) & 3) << 64n) |
            (BigInt(hi) << 32n) |
            BigInt(((lo & 0xe7ffffff) | (cls << 27)) >>> 0);
          expect(digits).toBe(value.toString().padStart(20, '0'));
          expect(
            parseTokenTextInto(`${digits.slice(0, 7)} ${digits.slice(7, 13)}-${digits.slice(13)}`, out),
          ).toBe(cls);
          expect([out[0], out[1]]).toEqual([hi, lo]);
        },
      ),
    );
  });

  test.each([
    { text: '', status: 'not-digits' },
    { text: '2371610050118319419', status: 'not-digits' },
    { text: '237161005011831941970', status: 'not-digits' },
    { text: '-23716100501183194197', status: 'not-digits' },
    { text: '23716100501183194197-', status: 'not-digits' },
    { text: '2371\t6100501183194197', status: 'not-digits' },
    { text: '2371 6100 5011 8319 419x', status: 'not-digits' },
    { text: '73786976294838206464', status: 'too-large' },
    { text: '7378 6976 2948 3820 6464', status: 'too-large' },
    { text: '2371--6100  5011 8319 4197', status: 'ok' },
    { text: '23716100501183194198', status: 'crc-error' },
  ])('decodeInto($text) is $status', ({ text, status }) => {
    expect(decodeInto(key, text, new Uint32Array(3))).toBe(status);
  });

  test('class 3 is reserved, and a class 0 token needs a key', () => {
    const class3 = blockToTokenDigits(3, 0, 0);
    expect(decodeInto(key, class3, new Uint32Array(3))).toBe('reserved-class');
    expect(decodeInto(null, '23716100501183194197', new Uint32Array(3))).toBe('key-required');
  });
});
