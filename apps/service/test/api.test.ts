// The REST API over real HTTP on loopback against the real server process and a real SQLite file:
// auth (Nectar's scheme and its faults fixed), tenants, uploads, tokens, TIDs, retries, key changes, limits.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { luhnCheckDigit } from 'sts-crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OPENAPI } from '../src/api/openapi.ts';
import { bundleBody, CONFIG_2014, type Fixture, startFixture, tokensOf, upload } from './fixture.ts';
import { call, cli, createCredential, sendBatch as sendBatchTo, transcript } from './helpers.ts';

let f: Fixture;
let cfg: string;
const DRN = '47500150231';

beforeAll(async () => {
  f = await startFixture();
  cfg = await upload(f, f.a, CONFIG_2014);
});
afterAll(async () => {
  await f?.cleanup();
});

const credit = (extra: Record<string, unknown> = {}) => ({
  class: '0',
  subclass: '0',
  type: 'native',
  amount: 10,
  random_no: 3,
  is_stid: false,
  decoder_reference_number: DRN,
  config_ref: cfg,
  debug: false,
  ...extra,
});

/** Java's Date.toString() of now, as Nectar's Java SDK sends it. */
function javaDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const day = d.toUTCString().slice(0, 3);
  const mon = d.toUTCString().slice(8, 11);
  return `${day} ${mon} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

describe('authentication', () => {
  test('an HTTP date, an HTTP date without zone and a Java Date.toString() are all accepted', async () => {
    for (const date of [new Date().toUTCString(), new Date().toUTCString().replace(' GMT', ''), javaDate()]) {
      const r = await call(f.server, f.a, 'GET', '/v1/public_keys', undefined, { date });
      expect(r.status, date).toBe(200);
    }
  });

  test('the signed date in X-Date is read when there is no Date header (a browser cannot set Date)', async () => {
    const r = await call(f.server, f.a, 'GET', '/v1/public_keys', undefined, {
      tamper: (h) => {
        h['X-Date'] = h.Date!;
        delete h.Date;
      },
    });
    expect(r.status).toBe(200);
  });

  test('a replayed nonce is refused with 401 replayed-nonce', async () => {
    const nonce = randomBytes(16).toString('hex');
    const date = new Date().toUTCString();
    expect((await call(f.server, f.a, 'GET', '/v1/public_keys', undefined, { nonce, date })).status).toBe(
      200,
    );
    const again = await call(f.server, f.a, 'GET', '/v1/public_keys', undefined, { nonce, date });
    expect(again.status).toBe(401);
    expect(again.body.error).toEqual({
      code: 'replayed-nonce',
      message: 'this nonce was already used: every request needs a new one',
    });
    expect(again.body.status.code).toBe(401);
  });

  test.each([
    ['6 minutes old', -6],
    ['6 minutes ahead', 6],
  ])('a Date %s is refused with 401 stale-date', async (_name, minutes) => {
    const date = new Date(Date.now() + minutes * 60_000).toUTCString();
    const r = await call(f.server, f.a, 'GET', '/v1/public_keys', undefined, { date });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({
      code: 'stale-date',
      message: 'the Date header is more than 5 minutes away from the server clock',
    });
  });

  test('a wrong signature and an unknown key get the same 401 message', async () => {
    const wrong = await call(f.server, { key: f.a.key, secret: 'not the secret' }, 'GET', '/v1/public_keys');
    const unknown = await call(f.server, { key: 'key_nobody', secret: f.a.secret }, 'GET', '/v1/public_keys');
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({
        code: 'unauthenticated',
        message: 'unknown API key or wrong signature',
      });
    }
  });

  test('a body that does not match its Content-MD5 is refused with 400', async () => {
    const r = await call(f.server, f.a, 'POST', '/v1/tokens', credit(), {
      tamper: (h) => {
        h['Content-MD5'] = 'D41D8CD98F00B204E9800998ECF8427E';
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: 'content-md5-mismatch',
      message: 'the Content-MD5 header does not match the body',
    });
  });

  test('a signature hex without its leading zeros (Java SDK) is accepted', async () => {
    // Find a nonce whose HMAC hex starts with 0, then sign it the way BigInteger.toString(16) prints it.
    const { createHmac } = await import('node:crypto');
    const date = new Date().toUTCString();
    const md5 = 'D41D8CD98F00B204E9800998ECF8427E';
    let nonce = '';
    let hex = '';
    do {
      nonce = randomBytes(16).toString('hex');
      hex = createHmac('sha256', f.a.secret)
        .update(`GET/v1/public_keys${md5}application/json${date}${nonce}`)
        .digest('hex');
    } while (!hex.startsWith('0'));
    const sig = Buffer.from(hex.replace(/^0+/, '')).toString('base64');
    const res = await fetch(`${f.server.url}/v1/public_keys`, {
      headers: {
        authorization: `nectar ${f.a.key}:${sig}`,
        'content-md5': md5,
        'content-type': 'application/json',
        date,
        nonce,
      },
    });
    expect(res.status).toBe(200);
  });

  test('a missing permission is 403 naming it; a revoked key is 401', async () => {
    const limited = await createCredential(f.data, 'reader', [
      '--tenant',
      'tenant-a',
      '--permissions',
      'get_token',
    ]);
    const r = await call(f.server, limited, 'POST', '/v1/tokens', credit());
    expect(r.status).toBe(403);
    expect(r.body.error).toEqual({
      code: 'forbidden',
      message: 'this API key lacks the permission generate_token',
    });
    const revoke = await cli(['credentials', 'revoke', '--data', f.data, '--key', limited.key]);
    expect(revoke.code).toBe(0);
    const after = await call(f.server, limited, 'GET', '/v1/tokens?ref=tok_x');
    expect(after.status).toBe(401);
    expect(after.body.error).toEqual({ code: 'revoked', message: 'this API key was revoked' });
  });

  test('no Authorization header is 401 with the scheme named', async () => {
    const res = await fetch(`${f.server.url}/v1/public_keys`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: unknown }).error).toEqual({
      code: 'unauthenticated',
      message: 'missing or malformed Authorization header (expected: nectar KEY:SIGNATURE)',
    });
  });
});

describe('tenants', () => {
  test("another tenant's configuration, token and public key are 404, never 403 and never data", async () => {
    const t = tokensOf(await call(f.server, f.a, 'POST', '/v1/tokens', credit()))[0]!;
    const pk = (await call(f.server, f.a, 'GET', '/v1/public_keys')).body.data!.data as { ref: string }[];
    for (const path of [
      `/v1/configurations?ref=${cfg}`,
      `/v1/tokens?ref=${t.ref}`,
      `/v1/public_keys?ref=${pk[0]!.ref}`,
    ]) {
      const r = await call(f.server, f.b, 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.error!.code).toBe('not-found');
      expect(r.body.data).toBeUndefined();
    }
    const vend = await call(f.server, f.b, 'POST', '/v1/tokens', credit());
    expect(vend.status).toBe(404);
    expect(vend.body.error).toEqual({ code: 'not-found', message: `config_ref: no configuration "${cfg}"` });
  });
});

describe('configurations', () => {
  test('GET with and without detailed shows the KCV and never the vending key', async () => {
    for (const q of ['', '&detailed=true']) {
      const r = await call(f.server, f.a, 'GET', `/v1/configurations?ref=${cfg}${q}`);
      expect(r.status).toBe(200);
      expect(r.text).not.toMatch(/abababababababab/i);
      expect(r.body.data!.data).toMatchObject({
        ref: cfg,
        vending_key_kcv: expect.stringMatching(/^[0-9A-F]{6}$/),
      });
    }
    const d = (await call(f.server, f.a, 'GET', `/v1/configurations?ref=${cfg}&detailed=true`)).body.data!
      .data;
    expect(d).toMatchObject({ supply_group_code: '123456', base_date: 2014, tariff_index: '01' });
  });

  test('a strong-profile bundle (RSA-OAEP, encrypt-then-MAC, RSA-PSS) is accepted and vends', async () => {
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const { configFromJson, formatStsConfig } = await import('sts-config');
    const { encodeBase64Lines, sealBundle, STRONG_PROFILE_LINE } = await import('sts-crypto');
    const parsed = configFromJson({ ...CONFIG_2014, name: 'strong' });
    if (!parsed.ok) throw new Error('bad fixture');
    const parts = sealBundle({
      profile: 'strong',
      config: new TextEncoder().encode(formatStsConfig(parsed.config)),
      signingKey: createPrivateKey(readFileSync(f.signer.key)),
      recipientKey: createPublicKey(readFileSync(f.service.pub)),
    });
    const r = await call(f.server, f.a, 'POST', '/v1/configurations', {
      data: encodeBase64Lines(parts.data),
      digest: encodeBase64Lines(parts.digest),
      key: encodeBase64Lines(parts.symmetric),
      mac: encodeBase64Lines(parts.mac!),
      profile: `${STRONG_PROFILE_LINE}\n`,
    });
    expect(r.status).toBe(200);
    const ref = (r.body.data!.data as { ref: string; profile: string }).ref;
    expect(r.body.data!.data).toMatchObject({ profile: 'strong', name: 'strong' });
    expect((await call(f.server, f.a, 'POST', '/v1/tokens', credit({ config_ref: ref }))).status).toBe(200);
  });

  test('every tampered bundle is refused with the one message', async () => {
    const good = bundleBody(f, CONFIG_2014);
    const flip = (b64: string, at: number) => {
      const bytes = Buffer.from(b64.replace(/\s/g, ''), 'base64');
      bytes[at % bytes.length]! ^= 1;
      return bytes.toString('base64');
    };
    const cases = {
      data: { ...good, data: flip(good.data!, 20) },
      'data IV': { ...good, data: flip(good.data!, 0) },
      'data last block': { ...good, data: flip(good.data!, -1 >>> 0) },
      digest: { ...good, digest: flip(good.digest!, 100) },
      key: { ...good, key: flip(good.key!, 50) },
      'not base64': { ...good, digest: `${good.digest}!` },
      swapped: { ...good, key: good.digest!, digest: good.key! },
    };
    for (const [name, body] of Object.entries(cases)) {
      const r = await call(f.server, f.a, 'POST', '/v1/configurations', body);
      expect(r.status, name).toBe(422);
      expect(r.body.error, name).toEqual({
        code: 'bundle-does-not-verify',
        message: 'bundle does not verify: wrong recipient key, wrong signer key, or the files were altered',
      });
    }
  });

  test('a bundle signed by a key the tenant has not uploaded is refused; tenant b has no such bundle', async () => {
    const other = await createCredential(f.data, 'carol', ['--tenant', 'tenant-c']);
    const r = await call(f.server, other, 'POST', '/v1/configurations', bundleBody(f, CONFIG_2014));
    expect(r.status).toBe(422);
    expect(r.body.error).toEqual({
      code: 'no-signer-key',
      message: 'no activated public key to check the bundle with: upload one to /v1/public_keys first',
    });
  });

  test('a bundle that verifies but holds an invalid configuration is 422 with every error and its line', async () => {
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const { encodeBase64Lines, sealBundle } = await import('sts-crypto');
    const text =
      '---\nname: bad\nkey_expiry_no: 255\nencryption_algorithm: sta\ntoken_carrier_type: numeric\ndecoder_key_generation_algorithm: 02\ntariff_index: 01w\nkey_revision_no: 1\nvending_key: 0123456789abcdef\nsupply_group_code: 12345\nkey_type: 2\nbase_date: 1993\nissuer_identification_no: 600727\n';
    const parts = sealBundle({
      config: new TextEncoder().encode(text),
      signingKey: createPrivateKey(readFileSync(f.signer.key)),
      recipientKey: createPublicKey(readFileSync(f.service.pub)),
    });
    const r = await call(f.server, f.a, 'POST', '/v1/configurations', {
      data: encodeBase64Lines(parts.data),
      digest: encodeBase64Lines(parts.digest),
      key: encodeBase64Lines(parts.symmetric),
    });
    expect(r.status).toBe(422);
    expect(r.body.error!.code).toBe('invalid-config');
    expect(r.body.error!.message).toBe('the bundle verifies but its configuration is invalid (2 errors)');
    expect(r.body.error!.details).toEqual([
      expect.stringMatching(/^configuration:7:\d+: tariff_index: /),
      expect.stringMatching(/^configuration:10:\d+: supply_group_code: /),
    ]);
    expect(r.text).not.toContain('0123456789abcdef');
  });

  test('a deactivated signer key no longer admits bundles; activated again, it does', async () => {
    const pk = (
      (await call(f.server, f.b, 'GET', '/v1/public_keys?activated=true')).body.data!.data as {
        ref: string;
      }[]
    )[0]!;
    expect(
      (await call(f.server, f.b, 'DELETE', `/v1/public_keys?ref=${pk.ref}`)).body.data!.data,
    ).toMatchObject({ activated: false });
    const refused = await call(f.server, f.b, 'POST', '/v1/configurations', bundleBody(f, CONFIG_2014));
    expect(refused.status).toBe(422);
    expect(refused.body.error!.code).toBe('no-signer-key');
    expect((await call(f.server, f.b, 'PUT', `/v1/public_keys?ref=${pk.ref}`)).status).toBe(200);
    expect((await call(f.server, f.b, 'POST', '/v1/configurations', bundleBody(f, CONFIG_2014))).status).toBe(
      200,
    );
  });

  test('a deactivated configuration does not vend (409) until it is activated again', async () => {
    const ref = await upload(f, f.a, { ...CONFIG_2014, name: 'short-lived' });
    expect((await call(f.server, f.a, 'POST', '/v1/tokens', credit({ config_ref: ref }))).status).toBe(200);
    expect((await call(f.server, f.a, 'DELETE', `/v1/configurations?ref=${ref}`)).status).toBe(200);
    const r = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ config_ref: ref }));
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({
      code: 'configuration-deactivated',
      message: `config_ref: configuration ${ref} is deactivated`,
    });
    expect((await call(f.server, f.a, 'PUT', `/v1/configurations?ref=${ref}`)).status).toBe(200);
    expect((await call(f.server, f.a, 'POST', '/v1/tokens', credit({ config_ref: ref }))).status).toBe(200);
  });
});

describe('tokens', () => {
  test('the server copies its WAL back into the database file from a thread of its own', async () => {
    // 150 ledger commits, far below SQLite's automatic checkpoint (1000 pages, run inside a commit).
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) => {
        const body = `70${String(i).padStart(8, '0')}`;
        return call(
          f.server,
          f.a,
          'POST',
          '/v1/tokens',
          credit({ decoder_reference_number: `${body}${luhnCheckDigit(body)}` }),
        );
      }),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    // The wal-index header: mxFrame (frames in the WAL) at byte 16, nBackfill (frames copied back) at 96.
    const shm = path.join(f.data, 'service.db-shm');
    let header = readFileSync(shm);
    for (let i = 0; i < 40 && header.readUInt32LE(96) !== header.readUInt32LE(16); i++) {
      await new Promise((r) => setTimeout(r, 50));
      header = readFileSync(shm);
    }
    expect(header.readUInt32LE(16)).toBeGreaterThan(0);
    expect(header.readUInt32LE(96)).toBe(header.readUInt32LE(16));
  });

  test('a request naming a key field is refused; new_vending_key says to upload the configuration', async () => {
    const r = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ vending_key: '0123456789abcdef' }));
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: 'key-field-refused',
      message:
        'vending_key: key fields come from the stored configuration named by config_ref and cannot be given in a request',
    });
    expect(r.text).not.toContain('0123456789abcdef');
    const k = await call(f.server, f.a, 'POST', '/v1/tokens', {
      ...credit(),
      class: '2',
      subclass: '3',
      new_vending_key: 'x',
    });
    expect(k.status).toBe(400);
    expect(k.body.error!.message).toBe(
      'new_vending_key: a key change names its target configuration by new_config_ref; upload the new configuration as a bundle to /v1/configurations instead',
    );
  });

  test('a token_id already issued to the meter is 409; the answered token is in the ledger and decodes', async () => {
    const body = credit({ token_id: '2026-01-05T10:00', decoder_reference_number: '01234567897' });
    const first = tokensOf(await call(f.server, f.a, 'POST', '/v1/tokens', body))[0]!;
    expect(first).toMatchObject({
      token_type: 'Electricity_00',
      meter_no: '01234567897',
      class: '0',
      subclass: '0',
    });
    expect(first.created_at).toMatch(/Z$/);
    const again = await call(f.server, f.a, 'POST', '/v1/tokens', { ...body, amount: 11 });
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('tid-taken');
    const stored = await call(f.server, f.a, 'GET', `/v1/tokens?ref=${first.ref}`);
    expect(stored.body.data!.data).toMatchObject({ token_no: first.token_no, tid: first.tid });
    const decoded = await call(f.server, f.a, 'POST', `/v1/tokens/${first.token_no}`, {
      decoder_reference_number: '01234567897',
      config_ref: cfg,
    });
    expect(decoded.body.data!.data).toMatchObject({ crcOk: true, tid: first.tid, class: 0, subclass: 0 });
  });

  test('200 concurrent requests for one meter without token_id get 200 distinct TIDs', async () => {
    const meter = '00000000000';
    const replies = await Promise.all(
      Array.from({ length: 200 }, () =>
        call(f.server, f.a, 'POST', '/v1/tokens', credit({ decoder_reference_number: meter })),
      ),
    );
    const tids = replies.map((r) => tokensOf(r)[0]!.tid);
    expect(new Set(tids).size).toBe(200);
    expect(new Set(replies.map((r) => tokensOf(r)[0]!.token_no)).size).toBe(200);
  });

  test('an Idempotency-Key retry returns the same tokens and refs; another body with it is 422', async () => {
    const key = `retry-${randomBytes(4).toString('hex')}`;
    const headers = { 'idempotency-key': key };
    const one = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ amount: 7 }), { headers });
    const two = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ amount: 7 }), { headers });
    expect(tokensOf(two)).toEqual(tokensOf(one));
    const other = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ amount: 8 }), { headers });
    expect(other.status).toBe(422);
    expect(other.body.error).toEqual({
      code: 'idempotency-key-reused',
      message: 'this Idempotency-Key was used with another request body',
    });
  });

  test('after a key change, a credit under the old config_ref is 409 naming the new one', async () => {
    const meter = '12345678903';
    const next = await upload(f, f.a, {
      ...CONFIG_2014,
      name: 'next',
      vending_key: 'cdcdcdcdcdcdcdcd',
      key_revision_no: 2,
    });
    const kc = tokensOf(
      await call(f.server, f.a, 'POST', '/v1/tokens', {
        class: '2',
        subclass: '3',
        type: 'native',
        decoder_reference_number: meter,
        config_ref: cfg,
        new_config_ref: next,
      }),
    );
    expect(kc.map((t) => t.token_type)).toEqual(['Set1stSectionDecoderKey_23', 'Set2ndSectionDecoderKey_24']);
    const old = await call(f.server, f.a, 'POST', '/v1/tokens', credit({ decoder_reference_number: meter }));
    expect(old.status).toBe(409);
    expect(old.body.error).toEqual({
      code: 'meter-on-other-configuration',
      message: `meter ${meter} was moved to configuration ${next} by a key change; ask with config_ref ${next}`,
    });
    expect(
      (
        await call(
          f.server,
          f.a,
          'POST',
          '/v1/tokens',
          credit({ decoder_reference_number: meter, config_ref: next }),
        )
      ).status,
    ).toBe(200);
  });

  test('currency credit (class 0 subclass 4) is issued and decodes as currency', async () => {
    const t = tokensOf(
      await call(f.server, f.a, 'POST', '/v1/tokens', credit({ subclass: '4', amount: 12.5 })),
    )[0]!;
    expect(t.token_type).toBe('ElectricityCurrency_04');
    const d = await call(f.server, f.a, 'POST', `/v1/tokens/${t.token_no}`, {
      decoder_reference_number: DRN,
      config_ref: cfg,
    });
    expect(d.body.data!.data).toMatchObject({ crcOk: true, class: 0, subclass: 4 });
  });

  test('every class 2 type Nectar names is issued (maximum power, clear credit, tariff, tamper, MPPUL, water factor)', async () => {
    const rows: [string, Record<string, unknown>, string][] = [
      ['0', { maximum_power_limit: 1000 }, 'SetMaximumPowerLimit_20'],
      ['1', { register: 65535 }, 'ClearCredit_21'],
      ['2', { tariff_rate: 100 }, 'SetTariffRate_22'],
      ['5', { pad: 0 }, 'ClearTamperCondition_25'],
      ['6', { mppul: 10 }, 'SetMaximumPhasePowerUnbalanceLimit_26'],
      ['7', { wm_factor: 10 }, 'SetWaterMeterFactor_27'],
    ];
    for (const [sub, fields, type] of rows) {
      const { amount: _a, ...base } = credit();
      const t = tokensOf(
        await call(f.server, f.a, 'POST', '/v1/tokens', { ...base, class: '2', subclass: sub, ...fields }),
      );
      expect(t[0]!.token_type).toBe(type);
    }
  });
});

describe('limits and documents', () => {
  test('a body over the limit gets 413 without being read to the end', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${f.server.url}/v1/configurations`, {
        method: 'POST',
        headers: { 'content-length': String(50 * 1024 * 1024), 'content-type': 'application/json' },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024, 32)); // 64 KiB of 50 MiB: the answer comes anyway
    });
    expect(status).toBe(413);
  });

  test('/healthz and /v1/service_key answer without a signature; /openapi.json describes every route it serves', async () => {
    expect((await fetch(`${f.server.url}/healthz`)).status).toBe(200);
    const key = (await (await fetch(`${f.server.url}/v1/service_key`)).json()) as {
      data: { data: { key: string; fingerprint: string } };
    };
    expect(key.data.data.key).toContain('BEGIN PUBLIC KEY');
    expect(key.data.data.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    const doc = (await (await fetch(`${f.server.url}/openapi.json`)).json()) as typeof OPENAPI;
    expect(doc.openapi).toBe('3.1.0');
    // The documented required fields of a token are in a real answer.
    const token = tokensOf(await call(f.server, f.a, 'POST', '/v1/tokens', credit()))[0]!;
    for (const field of doc.components.schemas.Token.required) expect(token).toHaveProperty(field);
    const config = (await call(f.server, f.a, 'GET', `/v1/configurations?ref=${cfg}`)).body.data!
      .data as object;
    for (const field of doc.components.schemas.Configuration.required) expect(config).toHaveProperty(field);
    const err = await call(f.server, f.a, 'GET', '/v1/tokens?ref=none');
    for (const field of doc.components.schemas.Error.required) expect(err.body).toHaveProperty(field);
  });
});

const sendBatch = (body: string) => sendBatchTo(f.server, f.a, body);

describe('batch', () => {
  test('a line over 64 KiB ends the batch with one error line naming it', async () => {
    const ok = JSON.stringify({
      id: 1,
      type: 'electricity',
      config_ref: cfg,
      drn: '00000000000',
      amount: '1',
    });
    const r = await sendBatch(`${ok}\n{"id":"${'x'.repeat(70_000)}"}\n${ok}\n`);
    expect(r.status).toBe(200);
    // The line before it is answered (and its token recorded); nothing after it is read.
    expect(r.lines).toHaveLength(2);
    expect(r.lines[0]).toMatchObject({ id: 1, tokens: [expect.objectContaining({ type: 'electricity' })] });
    expect(r.lines[1]).toEqual({
      id: null,
      error: { code: 'line-too-long', message: 'line 2: longer than 65536 bytes' },
    });
  });

  test('a meter moved by a key change is said first, before a TID its old configuration can no longer give', async () => {
    // Base date 1993: its TIDs ran out in 2024, so a token of now under it is out of range.
    const old = await upload(f, f.a, { ...CONFIG_2014, name: 'old-1993', base_date: 1993 });
    const next = await upload(f, f.a, {
      ...CONFIG_2014,
      name: 'new-2014',
      vending_key: '1212121212121212',
      key_revision_no: 2,
    });
    const meter = `3300000000${luhnCheckDigit('3300000000')}`;
    const other = `3300000001${luhnCheckDigit('3300000001')}`;
    const unmoved = await call(
      f.server,
      f.a,
      'POST',
      '/v1/tokens',
      credit({ decoder_reference_number: other, config_ref: old }),
    );
    expect(unmoved.body.error?.code).toBe('tid-out-of-range');
    const kc = await call(f.server, f.a, 'POST', '/v1/tokens', {
      class: '2',
      subclass: '3',
      type: 'native',
      decoder_reference_number: meter,
      config_ref: old,
      new_config_ref: next,
    });
    expect(kc.status).toBe(200);
    const moved = {
      code: 'meter-on-other-configuration',
      message: `meter ${meter} was moved to configuration ${next} by a key change; ask with config_ref ${next}`,
    };
    const r = await call(
      f.server,
      f.a,
      'POST',
      '/v1/tokens',
      credit({ decoder_reference_number: meter, config_ref: old }),
    );
    expect({ status: r.status, error: r.body.error }).toEqual({ status: 409, error: moved });
    const line = (id: string, drn: string) =>
      JSON.stringify({ id, type: 'electricity', config_ref: old, drn, amount: '5' });
    const b = await sendBatch(`${line('m', meter)}\n${line('o', other)}\n`);
    expect(b.lines).toEqual([
      { id: 'm', error: { ...moved, message: `line 1: ${moved.message}` } },
      { id: 'o', error: expect.objectContaining({ code: 'tid-out-of-range' }) },
    ]);
  });

  test('4,000 lines in several chunks: each answered in order, a meter named twice gets two TIDs, one ledger row each', async () => {
    const meters = Array.from({ length: 2000 }, (_, i) => {
      const body = `31${String(i).padStart(8, '0')}`;
      return `${body}${luhnCheckDigit(body)}`;
    });
    const lines = [...meters, ...meters].map((drn, i) =>
      JSON.stringify({
        id: `L${i}`,
        type: 'electricity',
        config_ref: cfg,
        drn,
        amount: String((i % 90) + 1),
      }),
    );
    const r = await sendBatch(`${lines.join('\n')}\n`);
    expect(r.status).toBe(200);
    expect(r.lines.map((l) => l.id)).toEqual(lines.map((_, i) => `L${i}`));
    // biome-ignore lint/suspicious/noExplicitAny: the answer lines are read field by field below
    const out = r.lines as any[];
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [out[i].tokens[0], out[i + 2000].tokens[0]];
      expect(b.tid, meters[i]).toBeGreaterThan(a.tid);
    }
    const stored = await call(f.server, f.a, 'GET', `/v1/tokens?meter=${meters[1999]}`);
    expect((stored.body.data!.data as { token_no: string }[]).map((t) => t.token_no)).toEqual([
      out[3999].tokens[0].token,
      out[1999].tokens[0].token,
    ]);
  });

  test('a meter that already has the TID of now gets the next free one; a meter moved by a key change is refused', async () => {
    const busy = `3200000000${luhnCheckDigit('3200000000')}`;
    const now = Date.now();
    const taken: number[] = [];
    for (let m = 0; m < 3; m++) {
      const at = new Date(now + m * 60_000).toISOString().slice(0, 16);
      const t = tokensOf(
        await call(
          f.server,
          f.a,
          'POST',
          '/v1/tokens',
          credit({ decoder_reference_number: busy, token_id: at }),
        ),
      );
      taken.push(Number((t[0] as unknown as { tid: number }).tid));
    }
    const moved = `3200000001${luhnCheckDigit('3200000001')}`;
    const next = await upload(f, f.a, {
      ...CONFIG_2014,
      name: 'batch-next',
      vending_key: 'efefefefefefefef',
      key_revision_no: 2,
    });
    const kc = await call(f.server, f.a, 'POST', '/v1/tokens', {
      class: '2',
      subclass: '3',
      type: 'native',
      decoder_reference_number: moved,
      config_ref: cfg,
      new_config_ref: next,
    });
    expect(kc.status).toBe(200);
    const line = (id: string, drn: string) =>
      JSON.stringify({ id, type: 'electricity', config_ref: cfg, drn, amount: '5' });
    const r = await sendBatch(`${line('busy', busy)}\n${line('moved', moved)}\n`);
    // biome-ignore lint/suspicious/noExplicitAny: the answer lines are read field by field below
    const out = r.lines as any[];
    expect(out[0].id).toBe('busy');
    expect(taken).not.toContain(out[0].tokens[0].tid);
    expect(out[0].tokens[0].tid).toBeGreaterThan(taken[0]!);
    expect(out[1]).toEqual({
      id: 'moved',
      error: {
        code: 'meter-on-other-configuration',
        message: `line 2: meter ${moved} was moved to configuration ${next} by a key change; ask with config_ref ${next}`,
      },
    });
  });

  test('JSON Lines in, JSON Lines out in order: tokens, errors per line, a taken TID per line', async () => {
    const lines = [
      {
        id: 'a',
        type: 'electricity',
        config_ref: cfg,
        drn: '00000000000',
        time: '2025-03-01T10:00:00Z',
        amount: '1.5',
      },
      {
        id: 'b',
        type: 'electricity',
        config_ref: cfg,
        drn: '00000000000',
        time: '2025-03-01T10:00:00Z',
        amount: '2',
      },
      { id: 'c', type: 'electricity', config_ref: 'cfg_none', drn: '00000000000', amount: '2' },
      { id: 'd', type: 'water', config_ref: cfg, drn: '00000000000', amount: '3' },
      { id: 'e', type: 'electricity', config: {}, config_ref: cfg, drn: '00000000000', amount: '3' },
    ];
    const body = `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`;
    const res = await sendBatch(body);
    expect(res.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: the answer lines are read field by field below
    const out = res.lines as any[];
    expect(out.map((o) => o.id)).toEqual(['a', 'b', 'c', 'd', 'e', null]);
    expect(out[0].tokens[0]).toMatchObject({
      type: 'electricity',
      nectarType: 'Electricity_00',
      ref: expect.any(String),
    });
    expect(out[1].error).toEqual({
      code: 'tid-taken',
      message: `line 2: meter 00000000000 already has a token with TID ${out[0].tokens[0].tid}; the meter would reject a second one`,
    });
    expect(out[2].error).toEqual({
      code: 'not-found',
      message: 'line 3: config_ref: no configuration "cfg_none"',
    });
    expect(out[3].tokens[0].tid).toBeGreaterThan(0);
    expect(out[4].error.code).toBe('key-field-refused');
    expect(out[5].error).toEqual({ code: 'bad-json', message: 'line 6: not valid JSON' });
    const stored = await call(f.server, f.a, 'GET', `/v1/tokens?ref=${out[0].tokens[0].ref}`);
    expect(stored.body.data!.data).toMatchObject({ token_no: out[0].tokens[0].token });
  });
});

describe('audit and secrets', () => {
  test('audit verify passes on the live database, then catches a ledger row edited in the file', async () => {
    const ok = await cli(['audit', 'verify', '--data', f.data, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${f.data}/service.db`);
    const row = db.prepare('SELECT id, audit_seq FROM tokens ORDER BY id LIMIT 1').get() as {
      id: number;
      audit_seq: number;
    };
    db.prepare("UPDATE tokens SET token_no = '11111111111111111111' WHERE id = ?").run(row.id);
    db.close();
    const bad = await cli(['audit', 'verify', '--data', f.data]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      new RegExp(
        `^sts-service: audit log broken: the ledger rows of entry ${row.audit_seq} were altered or removed`,
      ),
    );
  });

  test('no output of the whole run carries a vending key, a decoder key or an API secret', async () => {
    const all = transcript.join('\n') + f.server.stderr();
    for (const secret of [f.a.secret, f.b.secret])
      expect(all.split(secret).length - 1).toBeLessThanOrEqual(1); // printed once by create
    expect(all).not.toMatch(/abababababababab|cdcdcdcdcdcdcdcd/i);
    expect(all).not.toMatch(/vending_key"\s*:\s*"[0-9a-f]{16}/i);
  });
});
