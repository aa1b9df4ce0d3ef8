// Nectar's Java-SDK surface over a real signed HTTP server: each method sends the body, path and query that
// Nectar's Java SDK sends for the same arguments (read from its TokensFactory/ConfigurationsFactory/PublicKeysFactory).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { Nectar, type Token } from '../src/index.ts';
import { KEY, SECRET, startServer, type TestServer } from './support/nectar-server.ts';

const TOKEN_RECORD = {
  ref: 'tok-1',
  token_no: '58764913827541296170',
  user_ref: 'user-1',
  token_type: 'SetWaterMeterFactor_27',
  meter_no: '47500150231',
  created_at: '2026-12-02T08:27:01.000Z',
  class: 2,
  subclass: 7,
  tid: 13_098_029,
};
const TOKEN: Token = {
  ref: 'tok-1',
  tokenNo: '58764913827541296170',
  userRef: 'user-1',
  tokenType: 'SetWaterMeterFactor_27',
  meterNo: '47500150231',
  createdAt: new Date('2026-12-02T08:27:01.000Z'),
  class: 2,
  subclass: 7,
  tid: 13_098_029,
  // Nectar's record has no config_ref or value (sts-service's ledger adds them).
  configRef: undefined,
  value: undefined,
};
const CONFIG_RECORD = {
  ref: 'cfg-1',
  name: 'site',
  user_ref: 'user-1',
  activated: true,
  created_at: '2026-12-01T00:00:00Z',
};
const KEY_RECORD = {
  ref: 'pk-1',
  name: 'ops',
  key: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
  user_ref: 'user-1',
  activated: true,
  created_at: '2026-12-01T00:00:00Z',
};

let server: TestServer;
let nectar: Nectar;
beforeAll(async () => {
  server = await startServer(() => ({ data: null }));
  nectar = new Nectar(KEY, SECRET, server.url);
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  server.refused.length = 0;
});

const when = new Date('2018-05-16T07:29:00Z');
const common = {
  type: 'native',
  token_id: '2018-05-16T07:29',
  is_stid: false,
  decoder_reference_number: '47500150231',
  config_ref: 'cfg-1',
  debug: false,
};
const tokens = () => nectar.getTokenFactory();

describe('TokensFactory.generateNative… send Nectar’s POST /v1/tokens body', () => {
  test.each([
    {
      method: 'generateNativeElectricityToken',
      call: () =>
        tokens().generateNativeElectricityToken(when, 25.5, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '0', subclass: '0', amount: 25.5, random_no: 5 },
    },
    {
      method: 'generateNativeWaterToken',
      call: () => tokens().generateNativeWaterToken(when, 12, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '0', subclass: '1', amount: 12, random_no: 5 },
    },
    {
      method: 'generateNativeGasToken',
      call: () => tokens().generateNativeGasToken(when, 0.1, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '0', subclass: '2', amount: 0.1, random_no: 5 },
    },
    {
      method: 'generateNativeInitiateMeterTestDisplay10Token',
      call: () =>
        tokens().generateNativeInitiateMeterTestDisplay10Token(
          when,
          '68719476735',
          0,
          false,
          '47500150231',
          'cfg-1',
          false,
        ),
      body: { class: '1', subclass: '0', control: 68_719_476_735, manufacturer_code: '00' },
    },
    {
      method: 'generateNativeInitiateMeterTestDisplay11Token',
      call: () =>
        tokens().generateNativeInitiateMeterTestDisplay11Token(
          when,
          '1',
          96,
          false,
          '47500150231',
          'cfg-1',
          false,
        ),
      body: { class: '1', subclass: '1', control: 1, manufacturer_code: '0096' },
    },
    {
      method: 'generateNativeSetMaximumPowerLimitToken',
      call: () =>
        tokens().generateNativeSetMaximumPowerLimitToken(when, 1000, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '2', subclass: '0', maximum_power_limit: 1000, random_no: 5 },
    },
    {
      method: 'generateNativeClearCreditToken',
      call: () =>
        tokens().generateNativeClearCreditToken(when, 65535, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '2', subclass: '1', register: 65535, random_no: 5 },
    },
    {
      method: 'generateNativeSetTariffRateToken',
      call: () =>
        tokens().generateNativeSetTariffRateToken(when, 150, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '2', subclass: '2', tariff_rate: 150, random_no: 5 },
    },
    {
      method: 'generateNativeClearTamperConditionToken',
      call: () =>
        tokens().generateNativeClearTamperConditionToken(when, 0, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '2', subclass: '5', pad: 0, random_no: 5 },
    },
    {
      method: 'generateNativeSetMaximumPhasePowerUnbalanceLimitToken',
      call: () =>
        tokens().generateNativeSetMaximumPhasePowerUnbalanceLimitToken(
          when,
          300,
          5,
          false,
          '47500150231',
          'cfg-1',
          false,
        ),
      body: { class: '2', subclass: '6', mppul: 300, random_no: 5 },
    },
    {
      method: 'generateNativeSetWaterMeterFactorToken',
      call: () =>
        tokens().generateNativeSetWaterMeterFactorToken(when, 10, 5, false, '47500150231', 'cfg-1', false),
      body: { class: '2', subclass: '7', wm_factor: 10, random_no: 5 },
    },
  ])('$method', async ({ call, body }) => {
    server.respond = () => ({ data: [TOKEN_RECORD] });
    expect(await call()).toEqual(TOKEN);
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v1/tokens');
    expect(request!.json).toEqual({ ...common, ...body });
  });

  test('generateNativeDecoderKeyTokens names the new configuration and returns every token of the set', async () => {
    const second = {
      ...TOKEN_RECORD,
      ref: 'tok-2',
      token_no: '12345678901234567890',
      token_type: 'Set2ndSectionDecoderKey_24',
      subclass: 4,
    };
    server.respond = () => ({
      data: [{ ...TOKEN_RECORD, token_type: 'Set1stSectionDecoderKey_23', subclass: 3 }, second],
    });
    const set = await tokens().generateNativeDecoderKeyTokens(
      when,
      'cfg-2',
      0,
      false,
      '47500150231',
      'cfg-1',
      false,
    );
    expect(set.map((t) => t.tokenType)).toEqual(['Set1stSectionDecoderKey_23', 'Set2ndSectionDecoderKey_24']);
    expect(server.received[0]!.json).toEqual({
      ...common,
      class: '2',
      subclass: '3',
      new_config_ref: 'cfg-2',
      ro: false,
    });
  });

  test('token_id is the UTC minute of the Instant, seconds dropped as Nectar’s SDKs do', async () => {
    server.respond = () => ({ data: [TOKEN_RECORD] });
    await tokens().generateNativeElectricityToken(
      new Date('2026-03-01T23:59:59.999+02:00'),
      1,
      0,
      false,
      'd',
      'c',
      false,
    );
    expect((server.received[0]!.json as { token_id: string }).token_id).toBe('2026-03-01T21:59');
  });
});

describe('TokensFactory reads', () => {
  test('getToken: GET /v1/tokens?ref=, the query left out of the signature', async () => {
    server.respond = () => ({ data: TOKEN_RECORD });
    expect(await tokens().getToken('tok 1&x=y')).toEqual(TOKEN);
    expect(server.received[0]).toMatchObject({
      method: 'GET',
      path: '/v1/tokens',
      query: { ref: 'tok 1&x=y' },
      body: '',
    });
  });
  test('decodeToken(drn, configRef, token, debug): POST /v1/tokens/{token}', async () => {
    server.respond = () => ({ data: { class: 2, subclass: 7, tid: 13_098_029, wm_factor: 10 } });
    const decoded = await tokens().decodeToken('47500150231', 'cfg-1', '5876 4913 8275 4129 6170', false);
    expect(decoded).toEqual({ class: 2, subclass: 7, tid: 13_098_029, wm_factor: 10 });
    expect(server.received[0]).toMatchObject({ method: 'POST', path: '/v1/tokens/58764913827541296170' });
    expect(server.received[0]!.json).toEqual({
      decoder_reference_number: '47500150231',
      config_ref: 'cfg-1',
      debug: false,
    });
  });
});

describe('ConfigurationsFactory', () => {
  test('createConfiguration(data, digest, key): POST /v1/configurations with the three texts', async () => {
    server.respond = () => ({ data: CONFIG_RECORD });
    const configuration = await nectar
      .getConfigurationsFactory()
      .createConfiguration('DATA==', 'DIGEST==', 'KEY==');
    expect(configuration).toMatchObject({
      ref: 'cfg-1',
      name: 'site',
      userRef: 'user-1',
      activated: true,
      createdAt: new Date('2026-12-01T00:00:00Z'),
    });
    expect(server.received[0]).toMatchObject({ method: 'POST', path: '/v1/configurations' });
    expect(server.received[0]!.json).toEqual({ data: 'DATA==', digest: 'DIGEST==', key: 'KEY==' });
  });
  test.each([
    {
      call: (f: ReturnType<Nectar['getConfigurationsFactory']>) => f.getConfiguration('cfg-1', true),
      method: 'GET',
      query: { ref: 'cfg-1', detailed: 'true' },
    },
    {
      call: (f: ReturnType<Nectar['getConfigurationsFactory']>) => f.getConfiguration('cfg-1', false),
      method: 'GET',
      query: { ref: 'cfg-1', detailed: 'false' },
    },
    {
      call: (f: ReturnType<Nectar['getConfigurationsFactory']>) => f.activateConfiguration('cfg-1'),
      method: 'PUT',
      query: { ref: 'cfg-1' },
    },
    {
      call: (f: ReturnType<Nectar['getConfigurationsFactory']>) => f.deactivateConfiguration('cfg-1'),
      method: 'DELETE',
      query: { ref: 'cfg-1' },
    },
  ])('$method ?$query', async ({ call, method, query }) => {
    server.respond = () => ({ data: CONFIG_RECORD });
    await call(nectar.getConfigurationsFactory());
    expect(server.received[0]).toMatchObject({
      method,
      path: '/v1/configurations',
      query,
      body: method === 'GET' ? '' : '',
    });
  });
});

describe('PublicKeysFactory', () => {
  test('createPublicKey(name, key, activated)', async () => {
    server.respond = () => ({ data: KEY_RECORD });
    const key = await nectar.getPublicKeysFactory().createPublicKey('ops', KEY_RECORD.key, true);
    expect(key).toMatchObject({ ref: 'pk-1', name: 'ops', key: KEY_RECORD.key, activated: true });
    expect(server.received[0]!.json).toEqual({ name: 'ops', key: KEY_RECORD.key, activated: true });
  });
  test('getPublicKeys(activated): GET /v1/public_keys?activated=', async () => {
    server.respond = () => ({ data: [KEY_RECORD, { ...KEY_RECORD, ref: 'pk-2' }] });
    const keys = await nectar.getPublicKeysFactory().getPublicKeys(true);
    expect(keys.map((k) => k.ref)).toEqual(['pk-1', 'pk-2']);
    expect(server.received[0]).toMatchObject({
      method: 'GET',
      path: '/v1/public_keys',
      query: { activated: 'true' },
    });
  });
  test.each([
    { name: 'activatePublicKey', method: 'PUT' },
    { name: 'deactivatePublicKey', method: 'DELETE' },
  ] as const)('$name: $method ?ref=', async ({ name, method }) => {
    server.respond = () => ({ data: KEY_RECORD });
    await nectar.getPublicKeysFactory()[name]('pk-1');
    expect(server.received[0]).toMatchObject({ method, path: '/v1/public_keys', query: { ref: 'pk-1' } });
  });
});

test('every request was signed well enough for the server to accept it', () => {
  expect(server.refused).toEqual([]);
});

test('the secret stays out of the Nectar object', async () => {
  const { inspect } = await import('node:util');
  expect(JSON.stringify(nectar)).not.toContain(SECRET);
  expect(inspect(nectar, { depth: 10, showHidden: true })).not.toContain(SECRET);
  expect(nectar.getKey()).toBe(KEY);
  expect(nectar.getHost()).toBe(server.url);
});
