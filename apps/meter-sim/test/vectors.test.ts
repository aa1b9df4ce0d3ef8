// Every public vector token (vectors/sts-public.json) on a meter set up from its request:
// accepted, then Used on replay, and a CRC error on a meter with another key.

import { luhnCheckDigit } from 'sts-crypto';
import { describe, expect, test } from 'vitest';
import { Meter } from '../src/meter.ts';
import { at, config, meterForRequest, VECTORS } from './helpers.ts';

const timed = VECTORS.filter((v) => v.request.time !== undefined);
const classOne = VECTORS.filter((v) => v.request.type.startsWith('test-display'));
const keyChanges = VECTORS.filter((v) => v.request.type === 'key-change');

function otherDrn(drn: string): string {
  const body = `${drn.length === 11 ? '47' : '0047'}${'1234567890'.slice(0, drn.length - (drn.length === 11 ? 3 : 5))}`;
  return body + luhnCheckDigit(body);
}

describe('public vectors', () => {
  test('the vector file has every kind this suite needs', () => {
    expect(timed.length).toBeGreaterThanOrEqual(15);
    expect(classOne.length).toBe(2);
    expect(keyChanges.length).toBe(2);
  });

  test.each(timed.map((v) => ({ name: v.name, v })))('$name: accept, then used', ({ v }) => {
    const time = at(v.request.time as string);
    const meter = meterForRequest(v.request, new Date(time.getTime() - 86_400_000));
    const token = v.expected[0]!;
    const later = new Date(time.getTime() + 60_000);
    const r = meter.enter(token, later);
    expect(r.result).toBe('accept');
    expect(r.display).toBe('Accept');
    expect(r.type).toBe(v.request.type);
    expect(r.changed).toBe(true);
    // the TID is the request's issue minute (seconds truncated)
    expect(r.issuedAt).toBe(new Date(Math.floor(time.getTime() / 60_000) * 60_000).toISOString());
    if (v.request.watts !== undefined) expect(r.watts).toBe(v.request.watts);
    if (v.request.type === 'electricity' && v.request.amount === '0.1')
      expect(meter.registers.electricity).toBe(1);
    const again = meter.enter(token, later);
    expect(again.result).toBe('used');
    expect(again.display).toBe('Used');
  });

  test.each(timed.map((v) => ({ name: v.name, v })))('$name: crc-error on another meter', ({ v }) => {
    const time = at(v.request.time as string);
    const made = new Date(time.getTime() - 86_400_000);
    let other: Meter;
    if (typeof v.request.decoderKey === 'string') {
      const key = v.request.decoderKey;
      other = meterForRequest(
        { ...v.request, decoderKey: `${key.slice(0, -1)}${key.endsWith('9') ? '8' : '9'}` },
        made,
      );
    } else {
      other = meterForRequest({ ...v.request, drn: otherDrn(v.request.drn as string) }, made);
    }
    const r = other.enter(v.expected[0]!, time);
    expect(r.result).toBe('crc-error');
    expect(r.display).toBe('CRC Err');
    expect(r.changed).toBe(false);
  });

  test.each(classOne.map((v) => ({ name: v.name, v })))(
    '$name: accepted by a meter of manufacturer 00, refused by 47',
    ({ v }) => {
      const made = at('2010-01-01T00:00:00Z');
      const ours = Meter.create({
        config: config(keyChanges[0]!.request.config),
        drn: '00000000000',
        now: made,
      });
      const r = ours.enter(v.expected[0]!, made);
      expect(r).toMatchObject({ result: 'accept', class: 1, control: v.request.control, changed: false });
      const theirs = Meter.create({
        config: config(keyChanges[0]!.request.config),
        drn: '47500150231',
        now: made,
      });
      expect(theirs.enter(v.expected[0]!, made)).toMatchObject({
        result: 'mfr-code-error',
        display: 'Mfr Err',
      });
    },
  );
});

describe('key-change vectors', () => {
  const sta = keyChanges.find((v) => v.name.startsWith('CTSA05 step1'))!;
  const misty = keyChanges.find((v) => v.name.includes('MISTY1'))!;
  const made = at('2004-01-01T00:00:00Z');

  function permutations<T>(xs: T[]): T[][] {
    if (xs.length <= 1) return [xs];
    return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  }

  test.each(
    permutations([0, 1]).map((order) => ({ order: order.map((i) => i + 1).join(','), order_: order })),
  )('CTSA05 STA set in order $order installs 060B8643C59A27F1 (TI 02)', ({ order_ }) => {
    const m = meterForRequest(sta.request, made);
    const results = order_.map((i) => m.enter(sta.expected[i]!, made));
    expect(results.map((r) => r.result)).toEqual(order_.map((i) => `kct-${i + 1}-accepted`));
    expect(results.map((r) => r.display)).toEqual(order_.map((i) => ['1stKCT', '2ndKCT'][i]));
    expect(results[0]!.keyInstalled).toBeUndefined();
    expect(results[1]!.keyInstalled).toBe(true);
    const s = m.toState();
    expect(s.key).toMatchObject({
      decoderKey: '060B8643C59A27F1',
      tariffIndex: '02',
      keyRevisionNo: 1,
      keyType: 2,
      keyExpiryNo: 255,
    });
    expect(s.tidMemory.tids.length).toBe(50); // RO = 0 keeps the TID memory
    // the new key works: a token of the new configuration is accepted, the old key's is not
    const newMeter = Meter.create({ config: config(sta.request.newConfig), drn: '00000000000', now: made });
    expect(newMeter.toState().key.decoderKey).toBe('060B8643C59A27F1');
  });

  test.each(
    permutations([0, 1, 2, 3]).map((order) => ({ order: order.map((i) => i + 1).join(','), o: order })),
  )('CTSA05_04 MISTY1 set in order $order installs B2088343…90D4', ({ o }) => {
    const m = meterForRequest(misty.request, made);
    const results = o.map((i) => m.enter(misty.expected[i]!, made));
    expect(results.map((r) => r.result)).toEqual(o.map((i) => `kct-${i + 1}-accepted`));
    expect(results.filter((r) => r.keyInstalled === true).length).toBe(1);
    expect(results[3]!.keyInstalled).toBe(true);
    expect(m.toState().key).toMatchObject({
      decoderKey: 'B208834372EF892EF6E04C28593090D4',
      tariffIndex: '02',
      supplyGroupCode: '123457',
      keyType: 2,
      keyRevisionNo: 1,
      keyExpiryNo: 255,
    });
  });

  test('the STA set on a meter with another DRN is a CRC error and changes nothing', () => {
    const m = meterForRequest({ ...sta.request, drn: '47500150231' }, made);
    const before = m.stateHash();
    expect(m.enter(sta.expected[0]!, made).result).toBe('crc-error');
    expect(m.stateHash()).toBe(before);
  });
});
