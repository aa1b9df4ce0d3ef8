// The decoder rules of IEC 62055-41 §12 / sts-reference §5, §11, §12 on tokens generated with sts-token:
// KEN expiry, Old/Used with a full TID memory, key types, key changes, ranges, overflow, state round trip.
import { inspect } from 'node:util';
import { hexToBytes } from 'sts-crypto';
import {
  encodeBlockToken,
  encodeKeyChange,
  encodeToken,
  type PreparedDecoderKey,
  prepareKey,
  type TokenInput,
} from 'sts-token';
import { describe, expect, test } from 'vitest';
import { Meter, MeterError, REGISTER_CAPACITY, RESULT_CODES, RESULT_DISPLAY } from '../src/meter.ts';

const KEY = '0ABC12DEF3456789';
const MADE = new Date('2010-01-01T00:00:00Z');
const MADE_TID = 8_940_960; // (2010-01-01 − 1993-01-01) = 6209 days × 1440 minutes
const T = (minutes: number) => new Date(MADE.getTime() + minutes * 60_000);

function meter(
  opts: {
    keyType?: number;
    keyExpiryNo?: number;
    tidMemorySize?: number;
    key?: string;
    alg?: 'sta' | 'misty1';
    timeout?: number;
  } = {},
): Meter {
  return Meter.create({
    key: {
      decoderKey: hexToBytes(opts.key ?? KEY),
      encryptionAlgorithm: opts.alg ?? 'sta',
      baseDate: 1993,
      keyType: opts.keyType ?? 2,
      keyExpiryNo: opts.keyExpiryNo ?? 255,
    },
    drn: '47500150231',
    now: MADE,
    ...(opts.tidMemorySize !== undefined && { tidMemorySize: opts.tidMemorySize }),
    ...(opts.timeout !== undefined && { keyChangeTimeoutMs: opts.timeout }),
  });
}

function vkey(hex = KEY, alg: 'sta' | 'misty1' = 'sta'): PreparedDecoderKey {
  return prepareKey({ decoderKey: hex, encryptionAlgorithm: alg, baseDate: 1993 });
}

const K = vkey();
const tok = (input: TokenInput, key: PreparedDecoderKey = K) => encodeToken(key, input);
const credit = (tid: number, tenths = 10, key: PreparedDecoderKey = K) =>
  tok({ type: 'electricity', tid, tenths, random: 3 }, key);

describe('result table', () => {
  test('every result code has its display text', () => {
    expect(RESULT_CODES.length).toBe(16);
    expect(RESULT_DISPLAY).toEqual({
      accept: 'Accept',
      'kct-1-accepted': '1stKCT',
      'kct-2-accepted': '2ndKCT',
      'kct-3-accepted': '3rdKCT',
      'kct-4-accepted': '4thKCT',
      'crc-error': 'CRC Err',
      used: 'Used',
      old: 'Old',
      'key-expired': 'Key Exp',
      'ddtk-error': 'DDTK Err',
      'key-type-error': 'KeyT Err',
      'mfr-code-error': 'Mfr Err',
      'format-error': 'Format Err',
      'range-error': 'Range Err',
      overflow: 'Overflow',
      'function-error': 'Func Err',
    });
  });
});

describe('format', () => {
  test.each([
    { token: '1234', why: 'short' },
    { token: '123456789012345678901', why: '21 digits' },
    { token: '7378697629483820646a', why: 'a letter' },
    { token: '73786976294838206464', why: '2^66 exactly' },
    { token: '99999999999999999999', why: 'above 2^66' },
    { token: '', why: 'empty' },
  ])('$why → format-error', ({ token }) => {
    const m = meter();
    expect(m.enter(token, T(1))).toMatchObject({
      result: 'format-error',
      display: 'Format Err',
      changed: false,
    });
  });

  test('grouped digits with spaces or dashes are the same token', () => {
    const m = meter();
    const t = credit(MADE_TID + 5);
    const grouped = t.replace(/(\d{4})(?=\d)/g, '$1 ');
    expect(m.enter(grouped, T(10)).result).toBe('accept');
    expect(m.enter(t.replace(/(\d{4})(?=\d)/g, '$1-'), T(10)).result).toBe('used');
  });

  test('class 3 is a format error (reserved: no meter can authenticate it)', () => {
    // class bits are token bits 28..27 after transposition: set both
    const t = (2n ** 28n + 2n ** 27n + 12345n).toString().padStart(20, '0');
    expect(meter().enter(t, T(1))).toMatchObject({ result: 'format-error', class: 3 });
  });
});

describe('TID rules', () => {
  test('regression (Used on the first token ever): a token from the minute the meter was made is accepted; only earlier ones are Old', () => {
    const m = meter();
    expect(m.enter(credit(MADE_TID - 2), T(1)).result).toBe('old');
    expect(m.enter(credit(MADE_TID - 1), T(1)).result).toBe('old');
    expect(m.enter(credit(MADE_TID), T(1)).result).toBe('accept');
    expect(m.enter(credit(MADE_TID), T(1)).result).toBe('used');
    expect(m.enter(credit(MADE_TID + 1), T(1)).result).toBe('accept');
    // the same after a save and a load (the rule is derived from createdAt, not kept apart)
    const again = Meter.fromState(meter().toState());
    expect(again.enter(credit(MADE_TID - 1), T(1)).result).toBe('old');
    expect(again.enter(credit(MADE_TID), T(1)).result).toBe('accept');
  });

  test('with a full memory of 3, the smallest TID is evicted and older tokens become Old', () => {
    const m = meter({ tidMemorySize: 3 });
    for (const tid of [MADE_TID + 10, MADE_TID + 20, MADE_TID + 30])
      expect(m.enter(credit(tid), T(40)).result).toBe('accept');
    expect(m.tidMemory).toEqual([MADE_TID + 10, MADE_TID + 20, MADE_TID + 30]);
    expect(m.enter(credit(MADE_TID + 5), T(40)).result).toBe('old');
    expect(m.enter(credit(MADE_TID + 15), T(40)).result).toBe('accept'); // newer than the smallest, unseen
    expect(m.tidMemory).toEqual([MADE_TID + 15, MADE_TID + 20, MADE_TID + 30]);
    expect(m.enter(credit(MADE_TID + 10), T(40)).result).toBe('old'); // evicted, now below the smallest
    expect(m.enter(credit(MADE_TID + 20), T(40)).result).toBe('used');
  });

  test('KEN: TID >> 16 above the key expiry number is Key Exp; equal is fine', () => {
    const ken = MADE_TID >>> 16; // 136
    const m = meter({ keyExpiryNo: ken });
    expect(m.enter(credit(((ken + 1) << 16) + 5), T(1))).toMatchObject({
      result: 'key-expired',
      display: 'Key Exp',
    });
    expect(m.enter(credit((ken << 16) + 0xffff), T(1)).result).toBe('accept');
  });

  test('KEN is checked before Old/Used', () => {
    const m = meter({ keyExpiryNo: 100 });
    expect(m.enter(credit(MADE_TID - 1), T(1)).result).toBe('key-expired');
  });
});

describe('key types', () => {
  test('credit under a DDTK (KT 1) is DDTK Err; management is accepted', () => {
    const m = meter({ keyType: 1 });
    expect(m.enter(credit(MADE_TID + 1), T(2))).toMatchObject({ result: 'ddtk-error', display: 'DDTK Err' });
    expect(m.enter(tok({ type: 'max-power-limit', tid: MADE_TID + 2, watts: 5000 }), T(2)).result).toBe(
      'accept',
    );
  });

  test('a keypad meter refuses every token under a DCTK (KT 3)', () => {
    const m = meter({ keyType: 3 });
    expect(m.enter(credit(MADE_TID + 1), T(2)).result).toBe('key-type-error');
    expect(m.enter(tok({ type: 'clear-tamper', tid: MADE_TID + 2 }), T(2)).result).toBe('key-type-error');
  });

  test('credit under DITK (KT 0) is accepted', () => {
    expect(meter({ keyType: 0 }).enter(credit(MADE_TID + 1), T(2)).result).toBe('accept');
  });
});

describe('credit and management effects', () => {
  test('credit goes to the register of its subclass, in tenths', () => {
    const m = meter();
    m.enter(tok({ type: 'water', tid: MADE_TID + 1, amount: '12.5' }), T(2));
    m.enter(tok({ type: 'gas', tid: MADE_TID + 2, tenths: 7 }), T(2));
    const r = m.enter(tok({ type: 'time', tid: MADE_TID + 3, tenths: 16384 }), T(2));
    expect(r).toMatchObject({ result: 'accept', amount: '1638.4', register: 'time', balance: '1638.4' });
    expect(m.registers).toMatchObject({ electricity: 0, water: 125, gas: 7, time: 16384 });
  });

  test('currency credit uses CRC_C and 10⁻⁵ units', () => {
    const m = meter();
    const r = m.enter(tok({ type: 'electricity-currency', tid: MADE_TID + 1, amount: '100' }), T(2));
    // 100 encodes as field 0xDFF6, S&E 0 (sts-reference §4.2): e = 3, m = 8182 → 8182·10^3 + 1 818 624,
    // i.e. rounded up in favour of the customer to 100.00624.
    expect(r).toMatchObject({ result: 'accept', amount: '100.00624', register: 'electricity-currency' });
    expect(m.registers['electricity-currency']).toBe(10_000_624);
    m.enter(tok({ type: 'electricity-currency', tid: MADE_TID + 2, amount: '0.16383' }), T(2));
    expect(m.registers['electricity-currency']).toBe(10_000_624 + 16_383);
  });

  test('negative currency below zero is a range error', () => {
    const m = meter();
    expect(m.enter(tok({ type: 'water-currency', tid: MADE_TID + 1, amount: '-1' }), T(2)).result).toBe(
      'range-error',
    );
  });

  test('MPL, MPPUL, tariff rate, water meter factor and ClearTamper are stored', () => {
    const m = meter();
    const e = (i: TokenInput) => m.enter(tok(i), T(20)).result;
    expect(e({ type: 'max-power-limit', tid: MADE_TID + 1, watts: 1000 })).toBe('accept');
    expect(e({ type: 'max-phase-power-unbalance-limit', tid: MADE_TID + 2, watts: 10 })).toBe('accept');
    expect(e({ type: 'tariff-rate', tid: MADE_TID + 3, rate: 77 })).toBe('accept');
    expect(e({ type: 'water-meter-factor', tid: MADE_TID + 4, factor: 10 })).toBe('accept');
    expect(e({ type: 'clear-tamper', tid: MADE_TID + 5 })).toBe('accept');
    expect(m.toJSON()).toMatchObject({
      maximumPowerLimit: 1000,
      maximumPhasePowerUnbalanceLimit: 10,
      tariffRate: 77,
      waterMeterFactor: 10,
      tamper: false,
    });
  });

  test.each([
    { what: 'ClearCredit of register 9', input: { type: 'clear-credit', register: 9 } },
    { what: 'ClearCredit of register 0xFFFE', input: { type: 'clear-credit', register: 0xfffe } },
    { what: 'ClearTamper with pad 1', input: { type: 'clear-tamper', pad: 1 } },
  ] as const)('$what → range-error, nothing changes', ({ input }) => {
    const m = meter();
    const before = m.stateHash();
    expect(m.enter(tok({ ...input, tid: MADE_TID + 1 } as TokenInput), T(2))).toMatchObject({
      result: 'range-error',
      display: 'Range Err',
    });
    expect(m.stateHash()).toBe(before);
  });

  test('ClearCredit clears one register or all (0xFFFF)', () => {
    const m = meter();
    m.enter(credit(MADE_TID + 1, 50), T(5));
    m.enter(tok({ type: 'water', tid: MADE_TID + 2, tenths: 30 }), T(5));
    expect(m.enter(tok({ type: 'clear-credit', tid: MADE_TID + 3, register: 1 }), T(5)).result).toBe(
      'accept',
    );
    expect(m.registers).toMatchObject({ electricity: 50, water: 0 });
    expect(m.enter(tok({ type: 'clear-credit', tid: MADE_TID + 4, register: 0xffff }), T(5)).register).toBe(
      'all',
    );
    expect(m.registers.electricity).toBe(0);
  });

  test('unsupported subclasses (class 0 sub 8, class 2 sub 10) → function-error', () => {
    const m = meter();
    expect(
      m.enter(encodeBlockToken(K, 0, 0x8300_0000 | (MADE_TID & 0xffffff), 0x0001_0000), T(2)).result,
    ).toBe('function-error');
    expect(m.enter(encodeBlockToken(K, 2, 0xa300_0000 | (MADE_TID & 0xffffff), 0), T(2))).toMatchObject({
      result: 'function-error',
      display: 'Func Err',
    });
  });

  test(`register overflow at the capacity ${REGISTER_CAPACITY} (2^53 − 1)`, () => {
    const m = meter();
    const s = m.toState();
    s.registers.electricity = REGISTER_CAPACITY - 10;
    const full = Meter.fromState(s);
    expect(full.enter(credit(MADE_TID + 1, 11), T(2))).toMatchObject({
      result: 'overflow',
      display: 'Overflow',
      changed: false,
    });
    expect(full.registers.electricity).toBe(REGISTER_CAPACITY - 10);
    expect(full.enter(credit(MADE_TID + 2, 10), T(2)).result).toBe('accept'); // exactly to capacity; TID MADE+1 was not stored
    expect(full.registers.electricity).toBe(REGISTER_CAPACITY);
    expect(full.enter(credit(MADE_TID + 1, 1), T(2)).result).toBe('overflow');
  });
});

describe('class 1', () => {
  test('wrong manufacturer code → Mfr Err; right → accept without state change', () => {
    const m = meter(); // DRN 47500150231: manufacturer 47
    const before = m.stateHash();
    expect(m.enter(tok({ type: 'test-display-1', control: 1, manufacturerCode: '21' }), T(1)).result).toBe(
      'mfr-code-error',
    );
    expect(
      m.enter(tok({ type: 'test-display-2', control: 4, manufacturerCode: '0047' }), T(1)),
    ).toMatchObject({
      result: 'accept',
      control: 4,
      changed: false,
    });
    expect(m.stateHash()).toBe(before);
  });

  test('a mistyped class 1 token is a CRC error', () => {
    const t = tok({ type: 'test-display-1', control: 1, manufacturerCode: '47' });
    const bad = t.slice(0, 19) + ((Number(t[19]) + 1) % 10);
    expect(meter().enter(bad, T(1)).result).toBe('crc-error');
  });
});

describe('key change', () => {
  const NEW = '1122334455667788';
  const set = (params: Partial<Parameters<typeof encodeKeyChange>[1]> = {}, key = K) =>
    encodeKeyChange(key, {
      newDecoderKey: hexToBytes(NEW),
      keyExpiryNo: 200,
      keyRevisionNo: 3,
      keyType: 2,
      tariffIndex: '07',
      supplyGroupCode: '123456',
      ...params,
    });

  test.each([{ order: [0, 1] }, { order: [1, 0] }])(
    'generated STA set in order $order installs the key',
    ({ order }) => {
      const m = meter();
      const tokens = set();
      const rs = order.map((i) => m.enter(tokens[i]!, T(1)));
      expect(rs.map((r) => r.result)).toEqual(order.map((i) => `kct-${i + 1}-accepted`));
      expect(m.toState().key).toMatchObject({
        decoderKey: NEW,
        keyExpiryNo: 200,
        keyRevisionNo: 3,
        tariffIndex: '07',
      });
      // tokens under the old key are now CRC errors, the new key's are accepted
      expect(m.enter(credit(MADE_TID + 1), T(2)).result).toBe('crc-error');
      expect(m.enter(credit(MADE_TID + 1, 10, vkey(NEW)), T(2)).result).toBe('accept');
    },
  );

  test('KCTs are not TID- or KEN-checked, and replaying a section is accepted again', () => {
    const m = meter({ keyExpiryNo: 0 });
    const [a] = set();
    expect(m.enter(a!, T(1)).result).toBe('kct-1-accepted');
    expect(m.enter(a!, T(1)).result).toBe('kct-1-accepted');
  });

  test('rollover clears the TID memory: old tokens are no longer Old', () => {
    const m = meter();
    for (const t of set({ rollover: true })) m.enter(t, T(1));
    expect(m.tidMemory).toEqual([]);
    expect(m.toState().key.baseDate).toBe(2014);
    expect(m.enter(credit(5, 10, vkey(NEW)), T(2)).result).toBe('accept');
    expect(m.enter(credit(5, 10, vkey(NEW)), T(2)).result).toBe('used');
  });

  test('without rollover the TID memory is kept', () => {
    const m = meter();
    for (const t of set()) m.enter(t, T(1));
    expect(m.enter(credit(MADE_TID - 1, 10, vkey(NEW)), T(2)).result).toBe('old');
  });

  test('an incomplete set is dropped after the timeout', () => {
    const m = meter({ timeout: 10 * 60_000 });
    const [a, b] = set();
    expect(m.enter(a!, T(0)).result).toBe('kct-1-accepted');
    expect(m.toJSON().keyChange.sections).toEqual([{ section: 1, receivedAt: T(0).toISOString() }]);
    expect(m.enter(b!, T(11)).result).toBe('kct-2-accepted'); // 11 minutes later: section 1 expired
    expect(m.toState().key.decoderKey).toBe(KEY);
    expect(m.enter(a!, T(12)).keyInstalled).toBe(true); // 1 minute after section 2: complete
    expect(m.toState().key.decoderKey).toBe(NEW);
  });

  test('DITK (KT 0) from a DUTK is a key-type error and installs nothing', () => {
    const m = meter();
    const [a, b] = set({ keyType: 0 });
    m.enter(a!, T(1));
    expect(m.enter(b!, T(1))).toMatchObject({ result: 'key-type-error', display: 'KeyT Err' });
    expect(m.toState().key.decoderKey).toBe(KEY);
  });

  test('DITK to DITK is allowed; DCTK (KT 3) is refused on a keypad meter', () => {
    const m = meter({ keyType: 0 });
    for (const t of set({ keyType: 0 })) m.enter(t, T(1));
    expect(m.toState().key).toMatchObject({ decoderKey: NEW, keyType: 0 });
    const n = meter();
    const [a, b] = set({ keyType: 3 });
    n.enter(a!, T(1));
    expect(n.enter(b!, T(1)).result).toBe('key-type-error');
  });

  test('a DDTK meter takes a key change to DUTK, then accepts credit', () => {
    const m = meter({ keyType: 1 });
    for (const t of set()) m.enter(t, T(1));
    expect(m.enter(credit(MADE_TID + 1, 10, vkey(NEW)), T(2)).result).toBe('accept');
  });

  test('sections 3 and 4 on a 64-bit-key meter → function-error', () => {
    // a Set3rdSectionDecoderKey block (sub 8) under the STA meter's own key
    const m = meter();
    const s3 = encodeBlockToken(K, 2, 0x8000_0000, 0);
    expect(m.enter(encodeBlockToken(K, 2, 0x9000_0000, 0), T(1)).result).toBe('function-error');
    expect(m.enter(s3, T(1)).result).toBe('function-error');
  });

  test('a generated MISTY1 set with rollover installs key, SGC and clears the memory', () => {
    const oldHex = '00112233445566778899AABBCCDDEEFF';
    const m = meter({ key: oldHex, alg: 'misty1' });
    const tokens = encodeKeyChange(vkey(oldHex, 'misty1'), {
      newDecoderKey: hexToBytes('0102030405060708090A0B0C0D0E0F10'),
      keyExpiryNo: 0x5a,
      keyRevisionNo: 2,
      keyType: 2,
      tariffIndex: '99',
      supplyGroupCode: '987654',
      rollover: true,
    });
    const rs = [3, 1, 0, 2].map((i) => m.enter(tokens[i]!, T(1)).result);
    expect(rs).toEqual(['kct-4-accepted', 'kct-2-accepted', 'kct-1-accepted', 'kct-3-accepted']);
    expect(m.toState().key).toMatchObject({
      decoderKey: '0102030405060708090A0B0C0D0E0F10',
      keyExpiryNo: 0x5a,
      keyRevisionNo: 2,
      tariffIndex: '99',
      supplyGroupCode: '987654',
    });
    expect(m.tidMemory).toEqual([]);
  });
});

describe('state and secrets', () => {
  test('toState → fromState gives the same meter', () => {
    const m = meter();
    m.enter(credit(MADE_TID + 1), T(1));
    m.enter(set0()[0]!, T(2));
    const copy = Meter.fromState(JSON.parse(JSON.stringify(m.toState())));
    expect(copy.stateHash()).toBe(m.stateHash());
    expect(copy.eventLog).toEqual(m.eventLog);
    expect(copy.enter(credit(MADE_TID + 1), T(3)).result).toBe('used');
  });

  test('toJSON, toString and inspect never show the decoder key', () => {
    const m = meter();
    const text = `${JSON.stringify(m)} ${String(m)} ${inspect(m, { depth: 9 })}`;
    expect(text).not.toContain(KEY);
    expect(text.toLowerCase()).not.toContain(KEY.toLowerCase());
    expect(m.toJSON().key.kcv).toMatch(/^[0-9A-F]{6}$/);
  });

  test.each([
    {
      path: 'format',
      edit: (s: Record<string, unknown>) => (s.format = 'x'),
      msg: 'format must be "sts-meter-state"',
    },
    {
      path: 'drn',
      edit: (s: Record<string, unknown>) => (s.drn = '47500150232'),
      msg: 'DRN 47500150232: check digit 2 is wrong, expected 1',
    },
    {
      path: 'registers',
      edit: (s: Record<string, unknown>) => ((s.registers as Record<string, number>).water = -1),
      msg: 'registers.water must be an integer',
    },
    {
      path: 'key',
      edit: (s: Record<string, unknown>) => ((s.key as Record<string, string>).decoderKey = 'zz'),
      msg: 'key.decoderKey must be 16 hex digits',
    },
  ])('fromState rejects a bad $path', ({ edit, msg }) => {
    const s = JSON.parse(JSON.stringify(meter().toState()));
    edit(s);
    expect(() => Meter.fromState(s)).toThrow(msg);
  });

  // sts-reference §5: a TID is 24 bits of minutes, so base date 1993's last is 2024-11-24T20:15Z.
  test.each([
    { baseDate: 1993, now: '2024-11-24T20:15:59Z', msg: null },
    {
      baseDate: 1993,
      now: '2024-11-24T20:16:00Z',
      msg: 'now 2024-11-24T20:16:00.000Z is past the last TID of base date 1993 (2024-11-24T20:15Z)',
    },
    {
      baseDate: 2014,
      now: '2045-11-24T20:16:00Z',
      msg: 'now 2045-11-24T20:16:00.000Z is past the last TID of base date 2014 (2045-11-24T20:15Z)',
    },
    { baseDate: 2035, now: '2035-01-01T00:00:00Z', msg: null },
    {
      baseDate: 2035,
      now: '2034-12-31T23:59:59Z',
      msg: "now 2034-12-31T23:59:59.000Z is before the key's base date 2035",
    },
  ] as const)('create at $now with base date $baseDate', ({ baseDate, now, msg }) => {
    const create = () =>
      Meter.create({
        key: { decoderKey: hexToBytes(KEY), encryptionAlgorithm: 'sta', baseDate },
        drn: '47500150231',
        now: new Date(now),
      });
    if (msg === null) expect(create().createdAt).toBe(new Date(now).toISOString());
    else expect(create).toThrow(new MeterError(msg));
  });

  test('the event log is bounded', () => {
    const m = Meter.create({
      key: { decoderKey: hexToBytes(KEY), encryptionAlgorithm: 'sta', baseDate: 1993 },
      drn: '47500150231',
      now: MADE,
      eventLogSize: 3,
    });
    for (let i = 0; i < 5; i++) m.enter(`0000000000000000000${i}`, T(i));
    expect(m.eventLog.map((e) => e.token)).toEqual([
      '00000000000000000002',
      '00000000000000000003',
      '00000000000000000004',
    ]);
  });
});

function set0() {
  return encodeKeyChange(K, {
    newDecoderKey: hexToBytes('1122334455667788'),
    keyExpiryNo: 255,
    keyRevisionNo: 1,
    keyType: 2,
    tariffIndex: '01',
    supplyGroupCode: '123456',
  });
}
