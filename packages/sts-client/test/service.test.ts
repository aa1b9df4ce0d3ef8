// Both surfaces against the real sts-service process on loopback: a bundle made by the real sts-keygen CLI,
// every call, errors mapped, a lost answer retried with its Idempotency-Key, signatures with and without leading zeros.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BatchResult,
  type BundleFiles,
  md5Hex,
  Nectar,
  newNonce,
  StsClient,
  signRequest,
} from '../src/index.ts';
import { failure } from './support/failure.ts';

const SERVICE = fileURLToPath(new URL('../../../apps/service/bin/sts-service.js', import.meta.url));
const KEYGEN = fileURLToPath(new URL('../../../apps/keygen/bin/sts-keygen.js', import.meta.url));

// sts-config's README example (the seed example's configuration), and two 2014 configurations
// (TIDs for today) before and after a key change.
const EXAMPLE_CONFIG = `name: example_config
key_expiry_no: 255
encryption_algorithm: sta
token_carrier_type: numeric
decoder_key_generation_algorithm: 02
tariff_index: 01
key_revision_no: 1
vending_key: 0123456789abcdef
supply_group_code: 123456
key_type: 3
base_date: 1993
issuer_identification_no: 600727
`;
const TODAY = (revision: number, key: string) => `name: today_${revision}
key_expiry_no: 255
encryption_algorithm: sta
token_carrier_type: numeric
decoder_key_generation_algorithm: 02
tariff_index: 01
key_revision_no: ${revision}
vending_key: ${key}
supply_group_code: 123456
key_type: 2
base_date: 2014
issuer_identification_no: 600727
`;
const VENDING_KEYS = ['0123456789abcdef', 'abababababababab', '1122334455667788'];

let dir: string;
let server: ChildProcess;
let url: string;
let credential: { key: string; secret: string };
let client: StsClient;
let nectar: Nectar;
let signerPem: string;
const transcript: string[] = [];

function run(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      transcript.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

async function ok(bin: string, args: string[]): Promise<string> {
  const r = await run(bin, args);
  if (r.code !== 0) throw new Error(`${path.basename(bin)} ${args[0]} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** A new API credential by the real `credentials create --json`. */
async function newCredential(name: string, options: string[]): Promise<{ key: string; secret: string }> {
  const args = ['credentials', 'create', '--data', path.join(dir, 'data'), '--name', name, ...options];
  return JSON.parse(await ok(SERVICE, [...args, '--json']));
}

function pemPair(name: string): { key: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = path.join(dir, `${name}.pem`);
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return { key, pub };
}

/** A bundle of `config` for the service, by the real `sts-keygen bundle`, as the files of its folder. */
async function bundle(name: string, config: string, signerKey: string): Promise<BundleFiles> {
  const configFile = path.join(dir, `${name}.yml`);
  writeFileSync(configFile, config, { mode: 0o600 });
  const out = path.join(dir, `bundle-${name}`);
  await ok(KEYGEN, [
    'bundle',
    '--config',
    configFile,
    '--signing-key',
    signerKey,
    '--recipient',
    path.join(dir, 'data', 'service.pub'),
    '--out',
    out,
  ]);
  return Object.fromEntries(readdirSync(out).map((file) => [file, readFileSync(path.join(out, file))]));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sts-client-service-'));
  const serviceKey = pemPair('service');
  const signer = pemPair('signer');
  signerPem = readFileSync(signer.pub, 'utf8');
  await ok(SERVICE, ['init', '--data', path.join(dir, 'data'), '--rsa-key', serviceKey.key]);
  credential = await newCredential('sdk', []);
  server = spawn(process.execPath, [SERVICE, 'serve', '--data', path.join(dir, 'data'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stderr!.on('data', (d) => transcript.push(String(d)));
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]!);
      else reject(new Error(`unexpected first line: ${line}`));
    });
    server.once('exit', (code) => reject(new Error(`sts-service exited with ${code}`)));
  });
  client = new StsClient({ host: url, key: credential.key, secret: credential.secret, retryDelayMs: 10 });
  nectar = new Nectar(credential.key, credential.secret, url);
  bundles = {
    example: await bundle('example', EXAMPLE_CONFIG, signer.key),
    today1: await bundle('today1', TODAY(1, VENDING_KEYS[1]!), signer.key),
    today2: await bundle('today2', TODAY(2, VENDING_KEYS[2]!), signer.key),
  };
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

let bundles: Record<'example' | 'today1' | 'today2', BundleFiles>;
const refs: Record<string, string> = {};

describe('setting up through the SDK', () => {
  test('serviceKey is the service.pub that init wrote', async () => {
    const { key, fingerprint } = await client.serviceKey();
    expect(key).toBe(readFileSync(path.join(dir, 'data', 'service.pub'), 'utf8'));
    expect(fingerprint).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/);
  });

  test('publicKeys: create the signer, list it, deactivate and activate it', async () => {
    const key = await nectar.getPublicKeysFactory().createPublicKey('ceremony', signerPem, true);
    expect([key.name, key.key, key.activated]).toEqual(['ceremony', signerPem, true]);
    expect((await client.publicKeys.list({ activated: true })).map((k) => k.ref)).toContain(key.ref);
    await nectar.getPublicKeysFactory().deactivatePublicKey(key.ref);
    expect((await nectar.getPublicKeysFactory().getPublicKeys(true)).map((k) => k.ref)).not.toContain(
      key.ref,
    );
    await client.publicKeys.activate(key.ref);
    expect((await client.publicKeys.list()).find((k) => k.ref === key.ref)?.activated).toBe(true);
  });

  test('configurations.upload takes the bundle folder; no answer carries the vending key', async () => {
    const example = await client.configurations.upload(bundles.example);
    expect([example.name, example.activated]).toEqual(['example_config', true]);
    refs.example = example.ref;
    refs.today1 = (await client.configurations.upload(bundles.today1)).ref;
    const files = bundles.today2;
    const text = (name: string) => new TextDecoder().decode(files[name] as Uint8Array);
    const today2 = await nectar
      .getConfigurationsFactory()
      .createConfiguration(
        text('encrypted_sts_config_with_iv_base64.txt'),
        text('encrypted_digest.txt'),
        text('encrypted_symmetric.txt'),
      );
    refs.today2 = today2.ref;
    const detailed = await nectar.getConfigurationsFactory().getConfiguration(refs.example, true);
    expect(detailed.record.vending_key_kcv).toBe('D5D44F');
    for (const configuration of [example, today2, detailed]) {
      for (const key of VENDING_KEYS) expect(JSON.stringify(configuration).toLowerCase()).not.toContain(key);
    }
  });

  test('a tampered bundle is refused with one error', async () => {
    const data = new TextDecoder().decode(
      bundles.today1['encrypted_sts_config_with_iv_base64.txt'] as Uint8Array,
    );
    const flipped = (data[10] === 'A' ? 'B' : 'A') + data.slice(11);
    const error = await failure(
      client.configurations.upload({
        ...bundles.today1,
        'encrypted_sts_config_with_iv_base64.txt': data.slice(0, 10) + flipped,
      }),
    );
    expect([error.status, error.code]).toEqual([422, 'bundle-does-not-verify']);
    expect(error.requestId).toMatch(/\S/);
  });
});

describe('the seed example', () => {
  test('water meter factor 10 for meter 47500150231 gives the README’s token', async () => {
    const token = await nectar
      .getTokenFactory()
      .generateNativeSetWaterMeterFactorToken(
        new Date('2018-05-16T07:29:00Z'),
        10,
        5,
        false,
        '47500150231',
        refs.example!,
        false,
      );
    expect([token.tokenNo, token.tokenType, token.meterNo, token.tid]).toEqual([
      '16839947154541585710',
      'SetWaterMeterFactor_27',
      '47500150231',
      13_343_489,
    ]);
    expect(await nectar.getTokenFactory().getToken(token.ref)).toEqual(token);
    const decoded = await nectar
      .getTokenFactory()
      .decodeToken('47500150231', refs.example!, token.tokenNo, false);
    expect(decoded).toMatchObject({ class: 2, subclass: 7, factor: 10, tid: 13_343_489, crcOk: true });
  });
});

describe('every generateNative… method through the service', () => {
  // Noon: minute 00:01 of a day is the reserved STID minute, which the service moves off.
  const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
  const drn = '00000000000';
  test.each([
    {
      name: 'generateNativeElectricityToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeElectricityToken(t(1), 25.5, 1, false, drn, refs.today1!, false),
      type: 'Electricity_00',
    },
    {
      name: 'generateNativeWaterToken',
      call: () =>
        nectar.getTokenFactory().generateNativeWaterToken(t(2), 3, 1, false, drn, refs.today1!, false),
      type: 'Water_01',
    },
    {
      name: 'generateNativeGasToken',
      call: () =>
        nectar.getTokenFactory().generateNativeGasToken(t(3), 1.5, 1, false, drn, refs.today1!, false),
      type: 'Gas_02',
    },
    {
      name: 'generateNativeInitiateMeterTestDisplay10Token',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeInitiateMeterTestDisplay10Token(t(4), '1', 0, false, drn, refs.today1!, false),
      type: 'InitiateMeterTestOrDisplay1_10',
    },
    {
      name: 'generateNativeInitiateMeterTestDisplay11Token',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeInitiateMeterTestDisplay11Token(t(5), '1', 0, false, drn, refs.today1!, false),
      type: 'InitiateMeterTestOrDisplay2_11',
    },
    {
      name: 'generateNativeSetMaximumPowerLimitToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeSetMaximumPowerLimitToken(t(6), 5000, 1, false, drn, refs.today1!, false),
      type: 'SetMaximumPowerLimit_20',
    },
    {
      name: 'generateNativeClearCreditToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeClearCreditToken(t(7), 65535, 1, false, drn, refs.today1!, false),
      type: 'ClearCredit_21',
    },
    {
      name: 'generateNativeSetTariffRateToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeSetTariffRateToken(t(8), 150, 1, false, drn, refs.today1!, false),
      type: 'SetTariffRate_22',
    },
    {
      name: 'generateNativeClearTamperConditionToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeClearTamperConditionToken(t(9), 0, 1, false, drn, refs.today1!, false),
      type: 'ClearTamperCondition_25',
    },
    {
      name: 'generateNativeSetMaximumPhasePowerUnbalanceLimitToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeSetMaximumPhasePowerUnbalanceLimitToken(
            t(10),
            300,
            1,
            false,
            drn,
            refs.today1!,
            false,
          ),
      type: 'SetMaximumPhasePowerUnbalanceLimit_26',
    },
    {
      name: 'generateNativeSetWaterMeterFactorToken',
      call: () =>
        nectar
          .getTokenFactory()
          .generateNativeSetWaterMeterFactorToken(t(11), 10, 1, false, drn, refs.today1!, false),
      type: 'SetWaterMeterFactor_27',
    },
  ])('$name', async ({ call, type }) => {
    const token = await call();
    expect(token.tokenType).toBe(type);
    expect(token.tokenNo).toMatch(/^\d{20}$/);
    const decoded = await client.tokens.decode(token.tokenNo, { drn, configRef: refs.today1! });
    expect(decoded.nectarType).toBe(type);
  });
});

describe('errors are mapped', () => {
  test('a TID already issued to the meter: 409 tid-taken', async () => {
    const error = await failure(
      nectar
        .getTokenFactory()
        .generateNativeElectricityToken(
          new Date(Date.UTC(2026, 0, 1, 12, 1)),
          1,
          1,
          false,
          '00000000000',
          refs.today1!,
          false,
        ),
    );
    expect([error.status, error.code]).toEqual([409, 'tid-taken']);
    expect(error.message).toContain('TID');
    expect(error.requestId).toMatch(/\S/);
  });
  test('an unknown ref: 404 not-found', async () => {
    const error = await failure(client.tokens.get('tok_does_not_exist'));
    expect([error.status, error.code]).toEqual([404, 'not-found']);
  });
  test('a wrong secret: 401, the same answer as an unknown key', async () => {
    const wrong = await failure(
      new StsClient({ host: url, key: credential.key, secret: 'wrong' }).tokens.get('x'),
    );
    const unknown = await failure(
      new StsClient({ host: url, key: 'key_nobody', secret: 'wrong' }).tokens.get('x'),
    );
    expect([wrong.status, wrong.code, wrong.message]).toEqual([
      unknown.status,
      unknown.code,
      unknown.message,
    ]);
    expect(wrong.status).toBe(401);
  });
  test('a missing permission: 403', async () => {
    const limited = await newCredential('reader', ['--permissions', 'get_token']);
    // The server reads credentials from the database on each request: the new one is known at once.
    const error = await failure(
      new StsClient({ host: url, key: limited.key, secret: limited.secret }).configurations.get(
        refs.example!,
      ),
    );
    expect([error.status, error.code]).toEqual([403, 'forbidden']);
  });
  test('a body over the service’s limit: 413 body-too-large', async () => {
    const error = await failure(
      client.configurations.upload({
        ...bundles.today1,
        'encrypted_sts_config_with_iv_base64.txt': 'A'.repeat(400_000),
      }),
    );
    expect([error.status, error.code]).toEqual([413, 'body-too-large']);
  });
  test('a request naming a field the type lacks never leaves the SDK', async () => {
    await expect(
      client.tokens.create({
        type: 'electricity',
        configRef: refs.today1!,
        drn: '00000000000',
        amount: 1,
        wmFactor: 2,
      } as never),
    ).rejects.toThrow('wmFactor is not a field of a electricity request');
  });
});

describe('retries', () => {
  test('an answer lost on the way back: the retry with the same Idempotency-Key returns the same token', async () => {
    let calls = 0;
    const losing: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (++calls === 1) {
        await response.arrayBuffer(); // the service answered; the client never sees it
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    };
    const flaky = new StsClient({
      host: url,
      key: credential.key,
      secret: credential.secret,
      fetch: losing,
      retryDelayMs: 1,
    });
    const [token] = await flaky.tokens.create({
      type: 'electricity',
      configRef: refs.today1!,
      drn: '00000000000',
      amount: 7,
      randomNo: 3,
    });
    expect(calls).toBe(2);
    // The first try issued it; the retry got the stored answer, not a second token with a new TID.
    const again = await client.tokens.get(token!.ref);
    expect(again.tokenNo).toBe(token!.tokenNo);
  });
  test('the same Idempotency-Key asked twice gives the same tokens; with another body, 422', async () => {
    const request = { type: 'water', configRef: refs.today1!, drn: '00000000000', amount: 2 } as const;
    const [first] = await client.tokens.create(request, { idempotencyKey: 'sdk-test-1' });
    const [second] = await client.tokens.create(request, { idempotencyKey: 'sdk-test-1' });
    expect(second).toEqual(first);
    const error = await failure(
      client.tokens.create({ ...request, amount: 3 }, { idempotencyKey: 'sdk-test-1' }),
    );
    expect(error.status).toBe(422);
  });
});

describe('signatures the service accepts', () => {
  /** A signed GET of a ref whose HMAC hex starts with a zero, sent with the zeros kept or dropped. */
  async function getWithSignature(dropZeros: boolean, date: string): Promise<number> {
    for (;;) {
      const nonce = newNonce();
      const headers = await signRequest({
        method: 'GET',
        path: '/v1/tokens',
        body: '',
        contentType: 'application/json',
        date,
        nonce,
        key: credential.key,
        secret: credential.secret,
      });
      const signature = headers.Authorization!.slice(headers.Authorization!.indexOf(':') + 1);
      const hex = atob(signature);
      if (!hex.startsWith('0')) continue;
      const sent = dropZeros ? btoa(hex.replace(/^0+/, '')) : signature;
      const response = await fetch(`${url}/v1/tokens?ref=tok_none`, {
        headers: { ...headers, Authorization: `nectar ${credential.key}:${sent}` },
      });
      await response.arrayBuffer();
      return response.status;
    }
  }
  test.each([
    { form: 'the hex with its leading zeros (Python SDK, ours)', dropZeros: false },
    { form: 'the hex without its leading zeros (Java SDK)', dropZeros: true },
  ])('$form', async ({ dropZeros }) => {
    // 404: authenticated, then the ref is not found (401 would mean the signature was refused).
    expect(await getWithSignature(dropZeros, new Date().toUTCString())).toBe(404);
  });
  test('Java’s Date.toString() as the Date', async () => {
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const javaDate = `${now.toUTCString().slice(0, 3)} ${now.toUTCString().slice(8, 11)} ${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} UTC ${now.getUTCFullYear()}`;
    expect(await getWithSignature(true, javaDate)).toBe(404);
  });
  test('md5Hex is the Content-MD5 the service checks', async () => {
    const body = JSON.stringify({
      decoder_reference_number: '00000000000',
      config_ref: refs.today1!,
      debug: false,
    });
    const headers = await signRequest({
      method: 'POST',
      path: '/v1/tokens/12345678901234567890',
      body,
      contentType: 'application/json',
      date: new Date().toUTCString(),
      nonce: newNonce(),
      key: credential.key,
      secret: credential.secret,
    });
    expect(headers['Content-MD5']).toBe(md5Hex(body));
    const tampered = await fetch(`${url}/v1/tokens/12345678901234567890`, {
      method: 'POST',
      headers,
      body: `${body} `,
    });
    expect(tampered.status).toBe(400);
    await tampered.arrayBuffer();
  });
});

describe('batch', () => {
  test('JSON Lines both ways: tokens in order, a bad line answered in place', async () => {
    const items = [
      { type: 'electricity', configRef: refs.today1!, drn: '00000000000', amount: 1, id: 'a' },
      { type: 'electricity', configRef: refs.today1!, drn: '00000000000', amount: 'lots', id: 'b' },
      { type: 'gas', configRef: refs.today1!, drn: '00000000000', amount: '2.5', id: 'c' },
    ] as const;
    const results: BatchResult[] = [];
    for await (const result of client.tokens.batch(items as never, { linesPerRequest: 2 }))
      results.push(result);
    expect(results.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect('tokens' in results[0]! && results[0].tokens[0]!.token).toMatch(/^\d{20}$/);
    expect('error' in results[1]! && results[1].error.message).toMatch(/^line 2: /);
    expect('tokens' in results[2]! && results[2].tokens[0]!.nectarType).toBe('Gas_02');
  });
});

describe('key change and configurations', () => {
  test('generateNativeDecoderKeyTokens by newConfigRef, then the old configuration is refused for that meter', async () => {
    const set = await nectar
      .getTokenFactory()
      .generateNativeDecoderKeyTokens(new Date(), refs.today2!, 0, false, '01234567897', refs.today1!, false);
    expect(set.map((t) => t.tokenType)).toEqual(['Set1stSectionDecoderKey_23', 'Set2ndSectionDecoderKey_24']);
    const error = await failure(
      client.tokens.create({ type: 'electricity', configRef: refs.today1!, drn: '01234567897', amount: 1 }),
    );
    expect(error.status).toBe(409);
    expect(error.message).toContain(refs.today2!);
    const [credit] = await client.tokens.create({
      type: 'electricity',
      configRef: refs.today2!,
      drn: '01234567897',
      amount: 1,
    });
    expect(credit!.tokenType).toBe('Electricity_00');
  });
  test('deactivate stops a configuration vending; activate brings it back', async () => {
    await nectar.getConfigurationsFactory().deactivateConfiguration(refs.example!);
    expect((await client.configurations.get(refs.example!)).activated).toBe(false);
    const error = await failure(
      client.tokens.create({
        type: 'water',
        configRef: refs.example!,
        drn: '47500150231',
        amount: 1,
        tokenId: '2018-05-16T08:00',
      }),
    );
    expect(error.status).toBeGreaterThanOrEqual(400);
    await client.configurations.activate(refs.example!);
    expect((await nectar.getConfigurationsFactory().getConfiguration(refs.example!, false)).activated).toBe(
      true,
    );
  });
});

describe('listings: configurations.list and tokens.forMeter', () => {
  // A meter no other test vends to (its check digit is the Luhn digit of its first ten).
  const drn = '22222222220';
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 2, 12, minute));

  test('configurations.list: the tenant’s three uploads, oldest first, without their detail or key', async () => {
    const list = await client.configurations.list();
    expect(list.map((c) => [c.ref, c.name, c.activated])).toEqual([
      [refs.example, 'example_config', true],
      [refs.today1, 'today_1', true],
      [refs.today2, 'today_2', true],
    ]);
    expect(list[0]!.record.vending_key_kcv).toBe('D5D44F');
    expect(list[0]!.record).not.toHaveProperty('supply_group_code');
    for (const key of VENDING_KEYS) expect(JSON.stringify(list).toLowerCase()).not.toContain(key);
  });

  test('tokens.forMeter: the meter’s tokens newest first, with their configuration and value; limit cuts it', async () => {
    const issued = [];
    for (const [minute, request] of [
      [1, { type: 'electricity', amount: 1.5 }],
      [2, { type: 'water', amount: '2' }],
      [3, { type: 'max-power-limit', maximumPowerLimit: 5000 }],
    ] as const) {
      const [token] = await client.tokens.create({
        ...request,
        configRef: refs.today1!,
        drn,
        tokenId: at(minute),
      });
      issued.push(token!);
    }
    const listed = await client.tokens.forMeter(drn);
    expect(listed.map((t) => [t.tokenNo, t.tokenType, t.value, t.configRef, t.meterNo])).toEqual([
      [issued[2]!.tokenNo, 'SetMaximumPowerLimit_20', '5000', refs.today1, drn],
      [issued[1]!.tokenNo, 'Water_01', '2', refs.today1, drn],
      [issued[0]!.tokenNo, 'Electricity_00', '1.5', refs.today1, drn],
    ]);
    expect(listed[0]).toEqual(issued[2]);
    expect((await client.tokens.forMeter(drn, { limit: 2 })).map((t) => t.ref)).toEqual([
      issued[2]!.ref,
      issued[1]!.ref,
    ]);
  });

  test('tokens.forMeter of a meter without tokens is an empty list', async () => {
    expect(await client.tokens.forMeter('99999999999')).toEqual([]);
  });

  test('another tenant sees neither the meter’s tokens nor the configurations', async () => {
    const other = await newCredential('neighbour', ['--tenant', 'other']);
    const neighbour = new StsClient({ host: url, key: other.key, secret: other.secret });
    expect(await neighbour.tokens.forMeter(drn)).toEqual([]);
    expect(await neighbour.configurations.list()).toEqual([]);
  });

  test.each([
    { what: 'zero', limit: 0, message: 'limit must be a whole number from 1 to 200' },
    { what: 'over 200', limit: 201, message: 'limit must be a whole number from 1 to 200' },
    { what: 'negative', limit: -1, message: 'limit must be a whole number from 1 to 200' },
  ])('a limit $what: the service’s 400 invalid-field', async ({ limit, message }) => {
    const error = await failure(client.tokens.forMeter(drn, { limit }));
    expect([error.status, error.code, error.message]).toEqual([400, 'invalid-field', message]);
  });

  test('a meter number that is not 1 to 20 digits: the service’s 400 invalid-field', async () => {
    const error = await failure(client.tokens.forMeter('4750015023x'));
    expect([error.status, error.code, error.message]).toEqual([
      400,
      'invalid-field',
      'meter must be a meter number (1 to 20 digits)',
    ]);
  });

  test('a limit that is not a whole number, or an empty drn, never leaves the SDK', async () => {
    let sent = 0;
    const counting = new StsClient({
      host: url,
      key: credential.key,
      secret: credential.secret,
      fetch: (input, init) => {
        sent++;
        return fetch(input, init);
      },
    });
    await expect(counting.tokens.forMeter(drn, { limit: 1.5 })).rejects.toThrow(
      new TypeError('limit must be a whole number'),
    );
    await expect(counting.tokens.forMeter('')).rejects.toThrow(
      new TypeError('drn must be a non-empty string'),
    );
    expect(sent).toBe(0);
  });
});

test('no process output of this run carries a vending key or the secret', () => {
  const all = transcript.join('\n').toLowerCase();
  for (const key of VENDING_KEYS) expect(all).not.toContain(key);
  // The secret is printed once, by `credentials create --json`, on purpose: it must not appear again.
  expect(all.split(credential.secret.toLowerCase()).length - 1).toBe(1);
});
