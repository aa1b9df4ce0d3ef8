// Every published vector of vectors/sts-public.json through the batch layer, then decoded back.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { processDecodeRequest, processTokenRequest, RequestCache, type RequestError } from '../src/index.ts';

interface Vector {
  name: string;
  request: Record<string, unknown>;
  expected: string[];
  source: string;
}
const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
);
const cache = new RequestCache();
afterAll(() => cache.destroy());

describe('sts-public.json through processTokenRequest', () => {
  test.each(vectors.map((v) => ({ ...v, label: `${v.request.id} ${v.name}` })))('$label', (v) => {
    const withCache = processTokenRequest(structuredClone(v.request), cache);
    const without = processTokenRequest(structuredClone(v.request));
    expect(withCache).toEqual(without);
    if ('error' in withCache) throw new Error(withCache.error.message);
    expect(withCache.id).toBe(v.request.id);
    expect(withCache.tokens.map((t) => t.token)).toEqual(v.expected);
  });
});

describe('sts-public.json decoded back gives the request fields', () => {
  test.each(vectors.map((v) => ({ ...v, label: `${v.request.id} ${v.name}` })))('$label', (v) => {
    const r = v.request;
    const keyFields: Record<string, unknown> = {};
    for (const f of ['config', 'drn', 'decoderKey', 'encryptionAlgorithm', 'baseDate'])
      if (r[f] !== undefined) keyFields[f] = r[f];
    v.expected.forEach((token, i) => {
      const d = processDecodeRequest({ id: `${r.id}-d${i}`, token, ...keyFields }, cache);
      if ('error' in d) throw new Error((d as RequestError).error.message);
      expect(d.crcOk).toBe(true);
      expect(d.id).toBe(`${r.id}-d${i}`);
      if (r.type === 'key-change') {
        const nc = r.newConfig as Record<string, unknown>;
        expect(d.type).toBe('key-change');
        expect(d.section).toBe(i + 1);
        if (i === 0) {
          expect(d.keyExpiryNoHighNibble).toBe((nc.key_expiry_no as number) >> 4);
          expect(d.keyRevisionNo).toBe(nc.key_revision_no);
          expect(d.keyType).toBe(nc.key_type);
          expect(d.rollover).toBe(false);
        }
        if (i === 1) {
          expect(d.keyExpiryNoLowNibble).toBe((nc.key_expiry_no as number) & 15);
          expect(d.tariffIndex).toBe(nc.tariff_index);
        }
        if (i >= 2) {
          const sgc = Number(nc.supply_group_code);
          expect(i === 2 ? d.supplyGroupCodeLow : d.supplyGroupCodeHigh).toBe(
            i === 2 ? sgc & 0xfff : sgc >> 12,
          );
        }
        return;
      }
      expect(d.type).toBe(r.type);
      // 18022.3 kWh lies in the gap between 18021.4 and 18022.4: the token carries 18022.4 (§4.1, 180223 → 0x8000).
      const decodedAmount: Record<string, string> = { v047: '18022.4' };
      if (r.amount !== undefined) expect(d.amount).toBe(decodedAmount[r.id as string] ?? r.amount);
      for (const f of ['watts', 'register', 'pad', 'control', 'manufacturerCode', 'random'])
        if (r[f] !== undefined) expect(d[f]).toBe(r[f]);
      if (r.time !== undefined) {
        const t = new Date(r.time as string);
        t.setUTCSeconds(0, 0);
        expect(d.issuedAt).toBe(t.toISOString());
      }
    });
  });
});
