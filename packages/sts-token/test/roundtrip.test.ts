// Property tests: for every type, generate → decode gives back every field (random keys, TIDs, values);
// and decoding random 20-digit strings never throws.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  assembleKeyChange,
  type DecodedKeyChange,
  decodeToken,
  encodeKeyChange,
  encodeTokenDetailed,
  parseTokenString,
  prepareKey,
  type TokenInput,
} from '../src/index.ts';

const OFFSET = [0, 16384, 180224, 1818624];
const POW = [1, 10, 100, 1000];
const keyArb = fc.oneof(
  fc.uint8Array({ minLength: 8, maxLength: 8 }).map((k) => ({ k, ea: 'sta' as const })),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((k) => ({ k, ea: 'misty1' as const })),
);
const baseArb = fc.constantFrom(1993 as const, 2014 as const, 2035 as const);
const tidArb = fc.integer({ min: 0, max: 0xffffff });
const rndArb = fc.integer({ min: 0, max: 15 });
// a representable amount field value, computed from e and m by the formula of §4.1
const fieldValueArb = fc
  .record({ e: fc.integer({ min: 0, max: 3 }), m: fc.integer({ min: 0, max: 16383 }) })
  .map(({ e, m }) => m * POW[e]! + OFFSET[e]!);

describe('encode → decode', () => {
  test('credit types: amount, tenths, tid, random', () => {
    fc.assert(
      fc.property(
        keyArb,
        baseArb,
        tidArb,
        rndArb,
        fieldValueArb,
        fc.constantFrom('electricity', 'water', 'gas', 'time'),
        ({ k, ea }, baseDate, tid, random, tenths, type) => {
          const key = prepareKey({ decoderKey: k, encryptionAlgorithm: ea, baseDate });
          const amount = `${Math.floor(tenths / 10)}.${tenths % 10}`;
          const t = encodeTokenDetailed(key, { type, amount, tid, random } as TokenInput);
          const d = decodeToken(t.token, key);
          expect(d).toMatchObject({ ok: true, crcOk: true, class: 0, type, tid, random, tenths, amount });
          key.destroy();
        },
      ),
      { numRuns: 300 },
    );
  });

  test('currency types: amount with sign', () => {
    fc.assert(
      fc.property(
        keyArb,
        tidArb,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 16383 }),
        fc.boolean(),
        fc.constantFrom('electricity-currency', 'water-currency', 'gas-currency', 'time-currency'),
        ({ k, ea }, tid, e, m, negative, type) => {
          const key = prepareKey({ decoderKey: k, encryptionAlgorithm: ea, baseDate: 1993 });
          let v = m;
          for (let n = 1, p = 1; n <= e; n++, p *= 10) v += 16384 * p;
          v = m * 10 ** e + (v - m);
          const text = `${negative && v > 0 ? '-' : ''}${Math.floor(v / 1e5)}.${String(v % 1e5).padStart(5, '0')}`;
          const t = encodeTokenDetailed(key, { type, amount: text, tid } as TokenInput);
          const d = decodeToken(t.token, key);
          expect(d).toMatchObject({
            ok: true,
            crcOk: true,
            type,
            tid,
            amount: text,
            negative: negative && v > 0,
          });
          key.destroy();
        },
      ),
      { numRuns: 300 },
    );
  });

  test('management types: watts, register, rate, pad, factor', () => {
    fc.assert(
      fc.property(
        keyArb,
        tidArb,
        rndArb,
        fieldValueArb,
        fc.integer({ min: 0, max: 0xffff }),
        ({ k, ea }, tid, random, watts, raw) => {
          const key = prepareKey({ decoderKey: k, encryptionAlgorithm: ea, baseDate: 2014 });
          const inputs: [TokenInput, Record<string, unknown>][] = [
            [
              { type: 'max-power-limit', watts, tid, random },
              { watts, subclass: 0 },
            ],
            [
              { type: 'max-phase-power-unbalance-limit', watts, tid, random },
              { watts, subclass: 6 },
            ],
            [
              { type: 'clear-credit', register: raw, tid, random },
              { register: raw, subclass: 1 },
            ],
            [
              { type: 'tariff-rate', rate: raw, tid, random },
              { rate: raw, subclass: 2 },
            ],
            [
              { type: 'clear-tamper', pad: raw, tid, random },
              { pad: raw, subclass: 5 },
            ],
            [
              { type: 'water-meter-factor', factor: raw, tid, random },
              { factor: raw, subclass: 7 },
            ],
          ];
          for (const [input, fields] of inputs) {
            const d = decodeToken(encodeTokenDetailed(key, input).token, key);
            expect(d).toMatchObject({
              ok: true,
              crcOk: true,
              class: 2,
              type: input.type,
              tid,
              random,
              ...fields,
            });
          }
          key.destroy();
        },
      ),
      { numRuns: 200 },
    );
  });

  test('class 1: control and manufacturer code', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 36 - 1 }),
        fc.integer({ min: 0, max: 9999 }),
        (one, c, mfr) => {
          const type = one ? 'test-display-1' : 'test-display-2';
          const control = one ? c : c % 2 ** 28;
          const manufacturerCode = one ? String(mfr % 100).padStart(2, '0') : String(mfr).padStart(4, '0');
          const t = encodeTokenDetailed(null, { type, control, manufacturerCode });
          expect(decodeToken(t.token)).toMatchObject({
            ok: true,
            crcOk: true,
            class: 1,
            type,
            control,
            manufacturerCode,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('key change: sections reassemble into the new key and attributes', () => {
    fc.assert(
      fc.property(
        keyArb,
        fc.oneof(
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
        ),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 999999 }),
        fc.boolean(),
        ({ k, ea }, newKey, ken, krn, kt, ti, sgc, rollover) => {
          const old = prepareKey({ decoderKey: k, encryptionAlgorithm: ea, baseDate: 1993 });
          const tariffIndex = String(ti).padStart(2, '0');
          const supplyGroupCode = String(sgc).padStart(6, '0');
          const tokens = encodeKeyChange(old, {
            newDecoderKey: newKey,
            keyExpiryNo: ken,
            keyRevisionNo: krn,
            keyType: kt,
            tariffIndex,
            supplyGroupCode,
            rollover,
          });
          expect(tokens.length).toBe(newKey.length === 8 ? 2 : 4);
          const sections = tokens.map((t) => decodeToken(t, old) as DecodedKeyChange);
          expect(sections.every((s) => s.ok && s.crcOk && s.type === 'key-change' && s.reserved !== 1)).toBe(
            true,
          );
          const a = assembleKeyChange(sections)!;
          expect(a.newDecoderKey).toEqual(newKey);
          expect(a).toMatchObject({
            keyExpiryNo: ken,
            keyRevisionNo: krn,
            keyType: kt,
            tariffIndex,
            rollover,
          });
          if (newKey.length === 16) expect(a.supplyGroupCode).toBe(supplyGroupCode);
          old.destroy();
        },
      ),
      { numRuns: 200 },
    );
  });
});

test('decoding 100 000 random 20-digit strings never throws', () => {
  const sta = prepareKey({ decoderKey: 'E653341F9D5BF36F', encryptionAlgorithm: 'sta', baseDate: 1993 });
  const misty = prepareKey({
    decoderKey: 'F94B6ED353C3BFDB113E2D3A7EA3C41D',
    encryptionAlgorithm: 'misty1',
    baseDate: 2035,
  });
  const buf = new Uint8Array(20);
  let ok = 0;
  const codes = new Set<string>();
  for (let i = 0; i < 100_000; i++) {
    globalThis.crypto.getRandomValues(buf);
    let s = '';
    for (const b of buf) s += String.fromCharCode(48 + (b % 10));
    const d = decodeToken(s, i % 2 === 0 ? sta : misty);
    if (d.ok) ok++;
    else codes.add(d.code);
  }
  expect([...codes].sort()).toEqual(['reserved-class', 'token-out-of-range']);
  expect(ok).toBeGreaterThan(40_000);
  sta.destroy();
  misty.destroy();
}, 60_000);

test('decodeToken never throws on odd input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      const d = decodeToken(s, null);
      expect(typeof d.ok).toBe('boolean');
    }),
  );
  for (const bad of [
    null,
    undefined,
    42,
    {},
    '7378697629483820646x',
    '99999999999999999999',
    ' 2905-4347-1393-0985-1356 ',
  ])
    expect(() => decodeToken(bad as string)).not.toThrow();
  expect(decodeToken('99999999999999999999')).toEqual({
    ok: false,
    code: 'token-out-of-range',
    message: 'token is not below 2^66 (73786976294838206464)',
  });
  expect(decodeToken('2905-4347-1393-0985-135')).toEqual({
    ok: false,
    code: 'invalid-token',
    message: 'token must be 20 digits, got 19',
  });
  expect(decodeToken('29054347139309851356')).toEqual({
    ok: false,
    code: 'key-required',
    message: 'a class 0 token needs a decoder key',
  });
  expect(parseTokenString(' 2905-4347 1393-0985 1356')).toBe('29054347139309851356');
});
