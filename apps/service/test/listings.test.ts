// The lists the token-generator page reads, over real HTTP against the real server: a meter's last tokens
// (GET /v1/tokens?meter=) and the tenant's configurations (GET /v1/configurations), tenant-scoped; X-Date signing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OPENAPI } from '../src/api/openapi.ts';
import { CONFIG_2014, type Fixture, startFixture, type TokenView, tokensOf, upload } from './fixture.ts';
import { call, createCredential } from './helpers.ts';

let f: Fixture;
let cfg: string;
const DRN = '47500150231';
const OTHER_DRN = '01234567897';

beforeAll(async () => {
  f = await startFixture();
  cfg = await upload(f, f.a, CONFIG_2014);
});
afterAll(async () => {
  await f?.cleanup();
});

const credit = (drn: string, tokenId: string, amount: number) => ({
  class: '0',
  subclass: '0',
  amount,
  decoder_reference_number: drn,
  config_ref: cfg,
  token_id: tokenId,
});

describe('GET /v1/tokens?meter=', () => {
  test("a meter's tokens, newest first, only that meter's, at most limit", async () => {
    const issued: string[] = [];
    for (const [i, minute] of ['10:00', '10:01', '10:02'].entries()) {
      const [t] = tokensOf(
        await call(f.server, f.a, 'POST', '/v1/tokens', credit(DRN, `2025-01-01T${minute}`, i + 1)),
      );
      issued.push(t!.token_no);
    }
    tokensOf(await call(f.server, f.a, 'POST', '/v1/tokens', credit(OTHER_DRN, '2025-01-01T10:00', 9)));

    const all = await call(f.server, f.a, 'GET', `/v1/tokens?meter=${DRN}`);
    expect(all.status).toBe(200);
    const rows = all.body.data!.data as (TokenView & {
      meter_no: string;
      value: string;
      config_ref: string;
    })[];
    expect(rows.map((r) => r.token_no)).toEqual([...issued].reverse());
    expect(rows.map((r) => r.value)).toEqual(['3', '2', '1']);
    expect(new Set(rows.map((r) => r.meter_no))).toEqual(new Set([DRN]));
    expect(rows[0]!.config_ref).toBe(cfg);

    const two = await call(f.server, f.a, 'GET', `/v1/tokens?meter=${DRN}&limit=2`);
    expect((two.body.data!.data as TokenView[]).map((r) => r.token_no)).toEqual([issued[2], issued[1]]);
  });

  test("another tenant's meter has no tokens for it: an empty list, never the other tenant's rows", async () => {
    const r = await call(f.server, f.b, 'GET', `/v1/tokens?meter=${DRN}`);
    expect(r.status).toBe(200);
    expect(r.body.data!.data).toEqual([]);
  });

  test.each([
    { query: 'meter=', message: 'meter must be a meter number (1 to 20 digits)' },
    { query: 'meter=4750015023x', message: 'meter must be a meter number (1 to 20 digits)' },
    { query: `meter=${'1'.repeat(21)}`, message: 'meter must be a meter number (1 to 20 digits)' },
    { query: `meter=${DRN}&limit=0`, message: 'limit must be a whole number from 1 to 200' },
    { query: `meter=${DRN}&limit=201`, message: 'limit must be a whole number from 1 to 200' },
    { query: `meter=${DRN}&limit=-1`, message: 'limit must be a whole number from 1 to 200' },
    { query: `meter=${DRN}&limit=ten`, message: 'limit must be a whole number from 1 to 200' },
  ])('?$query is 400 invalid-field: $message', async ({ query, message }) => {
    const r = await call(f.server, f.a, 'GET', `/v1/tokens?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid-field', message });
  });

  test('without meter or ref: 400 missing-field, as before', async () => {
    const r = await call(f.server, f.a, 'GET', '/v1/tokens');
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'missing-field', message: 'the query parameter ref is required' });
  });

  test('a credential without get_token is 403', async () => {
    const c = await createCredential(f.data, 'vend-only', [
      '--tenant',
      'tenant-a',
      '--permissions',
      'generate_token',
    ]);
    const r = await call(f.server, c, 'GET', `/v1/tokens?meter=${DRN}`);
    expect(r.status).toBe(403);
    expect(r.body.error).toEqual({
      code: 'forbidden',
      message: 'this API key lacks the permission get_token',
    });
  });
});

describe('GET /v1/configurations without ref', () => {
  test("the tenant's configurations, oldest first, with KCV and no key; another tenant sees none of them", async () => {
    const second = await upload(f, f.a, { ...CONFIG_2014, name: 'second', key_revision_no: 2 });
    const r = await call(f.server, f.a, 'GET', '/v1/configurations');
    expect(r.status).toBe(200);
    const list = r.body.data!.data as { ref: string; name: string; vending_key_kcv: string }[];
    expect(list.map((c) => [c.ref, c.name])).toEqual([
      [cfg, 'today'],
      [second, 'second'],
    ]);
    expect(list[0]!.vending_key_kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(r.text).not.toContain(CONFIG_2014.vending_key);
    const b = await call(f.server, f.b, 'GET', '/v1/configurations');
    expect(b.body.data!.data).toEqual([]);
  });

  test('/openapi.json documents both lists (meter and limit of /v1/tokens, ref optional on /v1/configurations)', async () => {
    const doc = (await (await fetch(`${f.server.url}/openapi.json`)).json()) as typeof OPENAPI;
    const names = (p: { parameters: readonly { name: string; required?: boolean }[] }) =>
      p.parameters.map((x) => `${x.name}${x.required ? '*' : ''}`);
    expect(names(doc.paths['/v1/tokens'].get)).toEqual(['ref', 'meter', 'limit']);
    expect(names(doc.paths['/v1/configurations'].get)).toEqual(['ref', 'detailed']);
  });
});

describe('X-Date (what a browser sends: it may not set Date)', () => {
  test('a request signed over its X-Date text, with no Date header, is accepted', async () => {
    const r = await call(f.server, f.a, 'GET', '/v1/configurations', undefined, {
      tamper: (h) => {
        h['X-Date'] = h.Date!;
        delete h.Date;
      },
    });
    expect(r.status).toBe(200);
  });

  test('an X-Date more than 5 minutes away is refused like a stale Date', async () => {
    const r = await call(f.server, f.a, 'GET', '/v1/configurations', undefined, {
      date: new Date(Date.now() - 10 * 60_000).toUTCString(),
      tamper: (h) => {
        h['X-Date'] = h.Date!;
        delete h.Date;
      },
    });
    expect(r.status).toBe(401);
    expect(r.body.error!.code).toBe('stale-date');
  });
});
