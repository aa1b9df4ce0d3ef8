// Bad batch requests: each its own error code and a message naming the field (exact text).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { processDecodeRequest, processTokenRequest, RequestCache, TokenFactory } from '../src/index.ts';

const vectors = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
);
const config = vectors[1].request.config as Record<string, unknown>;
const good = {
  id: 'r1',
  type: 'electricity',
  config,
  drn: '00000000000',
  time: '2004-03-01T13:55:00Z',
  random: 5,
  amount: '0.1',
};
const cache = new RequestCache({ maxKeys: 3 });
afterAll(() => cache.destroy());

test('the good request gives the CTSA01 token', () => {
  expect(processTokenRequest(good, cache)).toEqual({
    id: 'r1',
    tokens: [
      {
        token: '23716100501183194197',
        type: 'electricity',
        nectarType: 'Electricity_00',
        class: 0,
        subclass: 0,
        tid: 5871715,
      },
    ],
  });
});

const without = (k: string) => Object.fromEntries(Object.entries(good).filter(([f]) => f !== k));

describe('bad token requests', () => {
  test.each([
    {
      why: 'not an object',
      req: [1],
      code: 'invalid-request',
      message: 'request must be a JSON object, got an array',
    },
    { why: 'missing type', req: without('type'), code: 'missing-field', message: 'type is required' },
    {
      why: 'wrong type',
      req: { ...good, type: 'electric' },
      code: 'unknown-type',
      message: 'type "electric" is not a token type (electricity, water, gas, …, key-change)',
    },
    {
      why: 'unknown field',
      req: { ...good, amout: '1' },
      code: 'unknown-field',
      message: 'unknown field "amout" for type electricity',
    },
    {
      why: 'missing amount',
      req: without('amount'),
      code: 'missing-field',
      message: 'amount is required for type electricity',
    },
    {
      why: 'amount as number',
      req: { ...good, amount: 1.5 },
      code: 'invalid-field',
      message: 'amount must be a decimal string like "25.6", got a number',
    },
    {
      why: 'amount too large',
      req: { ...good, amount: '1820163' },
      code: 'amount-out-of-range',
      message: 'amount 1820163 is above the maximum 1820162.4',
    },
    {
      why: 'negative amount',
      req: { ...good, amount: '-5' },
      code: 'amount-out-of-range',
      message: 'amount must not be negative, got -5',
    },
    {
      why: 'malformed amount',
      req: { ...good, amount: '5 kWh' },
      code: 'invalid-amount',
      message: 'amount must be a decimal number of units like "25.6", got "5 kWh"',
    },
    {
      why: 'missing time',
      req: without('time'),
      code: 'missing-field',
      message: 'time is required (or tid)',
    },
    {
      why: 'zoneless time',
      req: { ...good, time: '2004-03-01T13:55:00' },
      code: 'zoneless-time',
      message: 'time "2004-03-01T13:55:00" has no zone: add Z or an offset like +03:00',
    },
    {
      why: 'time before base date',
      req: { ...good, time: '1992-06-01T00:00:00Z' },
      code: 'time-before-base-date',
      message: 'time 1992-06-01T00:00:00.000Z is before the base date 1993-01-01T00:00Z',
    },
    {
      why: 'time and tid',
      req: { ...good, tid: 5 },
      code: 'conflicting-fields',
      message: 'give time or tid, not both',
    },
    {
      why: 'tid too large',
      req: { ...without('time'), tid: 16777216 },
      code: 'tid-out-of-range',
      message: 'tid must be an integer 0..16777215, got 16777216',
    },
    {
      why: 'random 16',
      req: { ...good, random: 16 },
      code: 'invalid-random',
      message: 'random must be an integer 0..15, got 16',
    },
    {
      why: 'DRN too short',
      req: { ...good, drn: '0000000000' },
      code: 'invalid-drn',
      message: 'DRN 0000000000: must be 11 digits for IIN 600727 (13 for IIN 0000); got 10',
    },
    {
      why: 'DRN check digit',
      req: { ...good, drn: '47500150232' },
      code: 'invalid-drn',
      message: 'DRN 47500150232: check digit 2 is wrong, expected 1',
    },
    {
      why: 'missing drn',
      req: without('drn'),
      code: 'missing-field',
      message: 'drn is required with config',
    },
    {
      why: 'bad config',
      req: { ...good, config: { ...config, tariff_index: '1' } },
      code: 'invalid-config',
      message: expect.stringMatching(/^config: tariff_index/),
    },
    {
      why: 'no key',
      req: without('config'),
      code: 'missing-field',
      message: 'config (with drn) or decoderKey is required',
    },
    {
      why: 'config and decoderKey',
      req: { ...good, decoderKey: 'E653341F9D5BF36F' },
      code: 'conflicting-fields',
      message: 'give config (with drn) or decoderKey, not both',
    },
    {
      why: 'watts on electricity',
      req: { ...good, watts: 5 },
      code: 'unknown-field',
      message: 'unknown field "watts" for type electricity',
    },
    {
      why: 'bad id',
      req: { ...good, id: {} },
      code: 'invalid-field',
      message: 'id must be a string or a number, got an object',
    },
  ])('$why → $code', ({ req, code, message }) => {
    const id = Array.isArray(req) || typeof (req as { id?: unknown }).id !== 'string' ? null : 'r1';
    expect(processTokenRequest(req, cache)).toEqual({ id, error: { code, message } });
  });

  test('key expired', () => {
    const r = processTokenRequest({ ...good, config: { ...config, key_expiry_no: 88 } }, cache);
    expect(r).toEqual({
      id: 'r1',
      error: {
        code: 'key-expired',
        message: "tid 5871715 is past the key's expiry: its top 8 bits 89 exceed keyExpiryNo 88",
      },
    });
  });

  test('class 1 with a wrong manufacturer code length', () => {
    expect(
      processTokenRequest({ id: 7, type: 'test-display-2', control: 1, manufacturerCode: '21' }),
    ).toEqual({
      id: 7,
      error: {
        code: 'invalid-manufacturer-code',
        message: 'manufacturerCode must be 4 digits for test-display-2, got "21"',
      },
    });
    expect(
      processTokenRequest({ id: 8, type: 'test-display-1', control: 2 ** 36, manufacturerCode: '21' }),
    ).toEqual({
      id: 8,
      error: {
        code: 'invalid-control',
        message: 'control must be an integer 0..68719476735 (36 bits) for test-display-1, got 68719476736',
      },
    });
  });

  test('key change takes no time', () => {
    const kc = {
      ...vectors.find((v: { request: { type: string } }) => v.request.type === 'key-change').request,
    };
    expect(processTokenRequest({ ...kc, time: '2004-03-01T13:55:00Z' })).toEqual({
      id: kc.id,
      error: { code: 'unknown-field', message: 'unknown field "time" for type key-change' },
    });
  });

  test('decoderKey form with a wrong key length never echoes the key', () => {
    const r = processTokenRequest({
      id: 1,
      type: 'water',
      decoderKey: 'ABCDEF',
      encryptionAlgorithm: 'sta',
      baseDate: 1993,
      time: '2004-03-01T13:55:00Z',
      amount: '1',
    });
    expect(r).toEqual({
      id: 1,
      error: {
        code: 'invalid-key',
        message: 'decoderKey must be 16 hex digits for sta (the key is not shown)',
      },
    });
  });

  test('the LRU cache stays bounded across many meters', () => {
    for (let i = 0; i < 20; i++) {
      const dsn = String(i).padStart(10, '0');
      // Luhn digit of the DRN body computed by hand for these: use the configuration's IIN 0000 vector instead
      processTokenRequest({ ...good, drn: `${dsn}0` }, cache);
    }
    expect(cache.size).toBeLessThanOrEqual(3);
  });

  test("a key is kept from its meter's second request on, and every token is the same as without a cache", () => {
    const own = new RequestCache({ maxKeys: 100 });
    const drns = ['00000000000', '01234567897', '47500150231'];
    const ask = (drn: string, i: number) => {
      const r = processTokenRequest(
        { ...good, id: i, drn, time: `2004-03-01T13:${String(10 + i).padStart(2, '0')}:00Z` },
        own,
      );
      expect(r).toHaveProperty('tokens');
      return r;
    };
    const alone = (drn: string, i: number) =>
      processTokenRequest({
        ...good,
        id: i,
        drn,
        time: `2004-03-01T13:${String(10 + i).padStart(2, '0')}:00Z`,
      });
    for (const [i, d] of drns.entries()) expect(ask(d, i)).toEqual(alone(d, i));
    expect(own.size).toBe(0); // each named once: derived, used, destroyed
    for (const [i, d] of drns.entries()) expect(ask(d, 3 + i)).toEqual(alone(d, 3 + i));
    expect(own.size).toBe(3); // named again: kept
    for (const [i, d] of drns.entries()) expect(ask(d, 6 + i)).toEqual(alone(d, 6 + i));
    expect(own.size).toBe(3); // found
    own.destroy();
  });
});

describe('frozen config objects', () => {
  test('two frozen configs taken in turns each give their own tokens, as uncached requests do', () => {
    const own = new RequestCache();
    const a = Object.freeze({ ...config });
    const b = Object.freeze({ ...config, vending_key: 'cdcdcdcdcdcdcdcd' });
    const ask = (c: object, i: number, cache?: RequestCache) =>
      processTokenRequest({ ...good, id: i, config: c, time: `2004-03-01T13:${10 + i}:00Z` }, cache);
    for (let i = 0; i < 6; i++) {
      const c = i % 3 === 2 ? b : a;
      const r = ask(c, i, own);
      expect(r).toHaveProperty('tokens');
      expect(r).toEqual(ask({ ...c }, i));
    }
    expect(ask(a, 0, own)).not.toEqual(ask(b, 0, own));
    own.destroy();
  });
});

describe('decode requests', () => {
  test('unknown field, missing token, class 0 without key', () => {
    expect(processDecodeRequest({ id: 1, token: '29054347139309851356', foo: 1 })).toEqual({
      id: 1,
      error: { code: 'unknown-field', message: 'unknown field "foo" for a decode request' },
    });
    expect(processDecodeRequest({ id: 2 })).toEqual({
      id: 2,
      error: { code: 'missing-field', message: 'token is required' },
    });
    expect(processDecodeRequest({ id: 3, token: '29054347139309851356' })).toEqual({
      id: 3,
      error: { code: 'key-required', message: 'a class 0 token needs a decoder key' },
    });
  });
  test('decoderKey form', () => {
    expect(
      processDecodeRequest({
        id: 4,
        token: '2905 4347 1393 0985 1356',
        decoderKey: '0ABC12DEF3456789',
        encryptionAlgorithm: 'sta',
        baseDate: 1993,
      }),
    ).toEqual({
      id: 4,
      class: 0,
      subclass: 0,
      type: 'electricity',
      nectarType: 'Electricity_00',
      crcOk: true,
      tid: 1698595,
      issuedAt: '1996-03-25T13:55:00.000Z',
      random: 11,
      amount: '25.6',
      tenths: 256,
      field: 0x0100,
    });
  });
});

describe('TokenFactory (Nectar parameter order)', () => {
  const f = new TokenFactory({ now: () => new Date('2024-01-01T00:00:00Z') });
  test('electricity and MPL', () => {
    expect(
      f.generateElectricityToken('2004-03-01T13:55:00Z', '0.1', 5, false, '00000000000', config),
    ).toEqual({
      token_no: '23716100501183194197',
      token_type: 'Electricity_00',
      meter_no: '00000000000',
      created_at: '2004-03-01T13:55:00.000Z',
      tid: 5871715,
    });
    expect(
      f.generateSetMaximumPowerLimitToken(
        new Date('2004-03-28T09:01:00Z'),
        1000,
        5,
        false,
        '00000000000',
        config,
      ).token_no,
    ).toBe('50901894209860263092');
  });
  test('class 1 with Nectar-style numeric manufacturer codes', () => {
    expect(f.generateInitiateMeterTestDisplay10Token(2 ** 36 - 1, 21).token_no).toBe('56493153725451706160');
    expect(f.generateInitiateMeterTestDisplay11Token(2 ** 28 - 1, 1234)).toEqual({
      token_no: '02305843005133856514',
      token_type: 'InitiateMeterTestOrDisplay2_11',
      meter_no: null,
      created_at: '2024-01-01T00:00:00.000Z',
      tid: null,
    });
  });
  test('key change set', () => {
    const kc = vectors.find((v: { request: { type: string } }) => v.request.type === 'key-change');
    const set = f.generateSet1stSectionDecoderKeyToken(
      '00000000000',
      kc.request.config,
      kc.request.newConfig,
      false,
    );
    expect(set.map((r) => r.token_no)).toEqual(kc.expected);
    expect(set.map((r) => r.token_type)).toEqual([
      'Set1stSectionDecoderKey_23',
      'Set2ndSectionDecoderKey_24',
    ]);
  });
});
