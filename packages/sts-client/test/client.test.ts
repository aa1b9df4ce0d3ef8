// The idiomatic client over a real signed HTTP server: request bodies, error mapping to StsApiError,
// retries with one Idempotency-Key, time and size limits, argument errors, and the secret kept out of sight.
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { isStsApiError, StsClient, type TokenRequest } from '../src/index.ts';
import { failure } from './support/failure.ts';
import {
  envelope,
  KEY,
  type Received,
  SECRET,
  startServer,
  type TestServer,
} from './support/nectar-server.ts';

const TOKEN_RECORD = {
  ref: 'tok-1',
  token_no: '12345678901234567890',
  user_ref: 'u',
  token_type: 'Electricity_00',
  meter_no: '47500150231',
  created_at: '2026-12-02T08:27:00Z',
  class: 0,
  subclass: 0,
  tid: 100,
};

let server: TestServer;
let client: StsClient;
beforeAll(async () => {
  server = await startServer(() => ({ data: null }));
  client = new StsClient({
    host: server.url,
    key: KEY,
    secret: SECRET,
    retryDelayMs: 1,
    maxRetryDelayMs: 20,
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  server.refused.length = 0;
});

describe('tokens.create sends Nectar’s body for each type', () => {
  const meter = { configRef: 'cfg-1', drn: '47500150231' };
  const common = {
    type: 'native',
    decoder_reference_number: '47500150231',
    config_ref: 'cfg-1',
    is_stid: false,
    debug: false,
  };
  test.each([
    {
      request: { type: 'electricity', amount: '25.5', ...meter },
      body: { class: '0', subclass: '0', amount: 25.5 },
    },
    {
      request: {
        type: 'water-currency',
        amount: 3,
        tokenId: '2026-12-02T08:27',
        randomNo: 7,
        isStid: true,
        ...meter,
      },
      body: {
        class: '0',
        subclass: '5',
        amount: 3,
        token_id: '2026-12-02T08:27',
        random_no: 7,
        is_stid: true,
      },
    },
    {
      request: { type: 'time', amount: 1, tokenId: new Date('2026-12-02T08:27:59Z'), ...meter },
      body: { class: '0', subclass: '3', amount: 1, token_id: '2026-12-02T08:27' },
    },
    {
      request: { type: 'key-change', newConfigRef: 'cfg-2', ...meter },
      body: { class: '2', subclass: '3', new_config_ref: 'cfg-2' },
    },
    {
      request: { type: 'max-phase-power-unbalance-limit', mppul: 250, ...meter },
      body: { class: '2', subclass: '6', mppul: 250 },
    },
  ] as { request: TokenRequest; body: Record<string, unknown> }[])(
    '$request.type',
    async ({ request, body }) => {
      server.respond = () => ({ data: [TOKEN_RECORD] });
      const [token] = await client.tokens.create(request);
      expect(token!.tokenNo).toBe('12345678901234567890');
      expect(server.received[0]!.json).toEqual({ ...common, ...body });
    },
  );
});

describe('request errors are named before anything is sent', () => {
  test.each([
    {
      request: { type: 'electricity', configRef: 'c', drn: 'd' },
      error: 'amount is required for a electricity request',
    },
    {
      request: { type: 'electricity', configRef: 'c', drn: 'd', amount: -1 },
      error: 'amount must be a non-negative decimal number, got -1',
    },
    {
      request: { type: 'electricity', configRef: 'c', drn: 'd', amount: '1e3' },
      error: 'amount must be a non-negative decimal number, got "1e3"',
    },
    {
      request: { type: 'electricity', configRef: 'c', drn: 'd', amount: 1, wmFactor: 2 },
      error: 'wmFactor is not a field of a electricity request',
    },
    {
      request: { type: 'key-change', configRef: 'c', drn: 'd', newVendingKey: 'ABABABABABABABAB' },
      error: 'newVendingKey is not a field of a key-change request',
    },
    {
      request: { type: 'bitcoin', configRef: 'c', drn: 'd' },
      error:
        'type must be one of electricity, water, gas, time, electricity-currency, water-currency, gas-currency, time-currency, test-display-1, test-display-2, max-power-limit, clear-credit, tariff-rate, key-change, clear-tamper, max-phase-power-unbalance-limit, water-meter-factor, got bitcoin',
    },
    { request: { type: 'electricity', drn: 'd', amount: 1 }, error: 'configRef must be a non-empty string' },
    {
      request: { type: 'electricity', configRef: 'c', drn: 'd', amount: 1, tokenId: new Date(Number.NaN) },
      error: 'tokenId must be a valid Date or a date-time text',
    },
  ])('$error', async ({ request, error }) => {
    await expect(client.tokens.create(request as TokenRequest)).rejects.toThrow(new TypeError(error).message);
    expect(server.received).toEqual([]);
  });
  test.each([
    {
      options: { host: 'ftp://x', key: 'k', secret: 's' },
      error: 'host must be an http(s) URL without query, e.g. http://127.0.0.1:8080',
    },
    {
      options: { host: 'http://x?a=1', key: 'k', secret: 's' },
      error: 'host must be an http(s) URL without query, e.g. http://127.0.0.1:8080',
    },
    {
      options: { host: 'http://x', key: 'k:1', secret: 's' },
      error: 'key must be a non-empty string without colon or white space',
    },
    { options: { host: 'http://x', key: 'k', secret: '' }, error: 'secret must be a non-empty string' },
    {
      options: { host: 'http://x', key: 'k', secret: 's', retries: -1 },
      error: 'retries must be a whole number from 0 to 100, got -1',
    },
    {
      options: { host: 'http://x', key: 'k', secret: 's', timeoutMs: 1.5 },
      error: 'timeoutMs must be a whole number from 0 to 3600000, got 1.5',
    },
  ])('new StsClient: $error', ({ options, error }) => {
    expect(() => new StsClient(options)).toThrow(error);
  });
  test('decode wants 20 digits', async () => {
    await expect(client.tokens.decode('1234', { drn: 'd', configRef: 'c' })).rejects.toThrow(
      'tokenNo must be 20 digits (spaces and dashes allowed)',
    );
  });
});

describe('error answers become one StsApiError with status, code, message and request id', () => {
  test('the service’s envelope', async () => {
    server.respond = () => ({
      status: 409,
      envelope: envelope(409, 'meter 47500150231 already has a token with TID 100', { code: 'tid-used' }),
    });
    const error = await failure(client.tokens.get('tok-1'));
    expect({ ...error, message: error.message }).toEqual({
      name: 'StsApiError',
      status: 409,
      code: 'tid-used',
      message: 'meter 47500150231 already has a token with TID 100',
      requestId: 'req-409',
      details: undefined,
    });
    expect(isStsApiError(error)).toBe(true);
  });
  test('a configuration’s problems come as details', async () => {
    const details = [{ path: 'vending_key', message: 'must be 16 hex characters', line: 9, column: 14 }];
    server.respond = () => ({
      status: 400,
      envelope: envelope(400, 'invalid configuration', { code: 'invalid-config', details }),
    });
    const error = await failure(
      client.configurations.upload({
        'encrypted_sts_config_with_iv_base64.txt': 'A',
        'encrypted_digest.txt': 'B',
        'encrypted_symmetric.txt': 'C',
      }),
    );
    expect([error.status, error.code, error.details]).toEqual([400, 'invalid-config', details]);
  });
  test('Nectar’s own HTTP 200 with status.code 500 is an error too', async () => {
    server.respond = () => ({ status: 200, envelope: envelope(500, 'Error generating token') });
    const error = await failure(client.tokens.get('tok-1'));
    expect([error.status, error.code, error.message, error.requestId]).toEqual([
      500,
      'http-500',
      'Error generating token',
      'req-500',
    ]);
  });
  test('an error status without an envelope', async () => {
    server.respond = () => ({
      status: 502,
      raw: '<html>bad gateway</html>',
      headers: { 'x-request-id': 'edge-7' },
    });
    const error = await failure(client.tokens.get('tok-1'));
    expect([error.status, error.code, error.message, error.requestId]).toEqual([
      502,
      'http-502',
      'HTTP 502 Bad Gateway',
      'edge-7',
    ]);
  });
  test('a success that is not the envelope', async () => {
    server.respond = () => ({ status: 200, raw: 'OK' });
    const error = await failure(client.tokens.get('tok-1'));
    expect([error.status, error.code, error.message]).toEqual([
      200,
      'bad-response',
      "HTTP 200 answer is not the service's JSON envelope",
    ]);
  });
  test('an envelope whose data is not a token', async () => {
    server.respond = () => ({ data: { ref: 'x' } });
    const error = await failure(client.tokens.get('tok-1'));
    expect([error.code, error.message]).toEqual([
      'bad-response',
      'token record lacks ref, token_no or a valid created_at',
    ]);
  });
  test('a wrong secret: the server’s 401, and the secret in no part of the error', async () => {
    const wrong = new StsClient({ host: server.url, key: KEY, secret: 'not-the-secret' });
    const error = await failure(wrong.tokens.get('tok-1'));
    expect([error.status, error.code, error.message]).toEqual([
      401,
      'unauthorized',
      'wrong key or signature',
    ]);
    expect(server.refused).toEqual(['bad signature']);
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain('not-the-secret');
  });
  test('an answer over maxResponseBytes is refused without reading on', async () => {
    const small = new StsClient({ host: server.url, key: KEY, secret: SECRET, maxResponseBytes: 1000 });
    server.respond = () => ({ data: { ref: 'x'.repeat(5000) } });
    const error = await failure(small.tokens.get('tok-1'));
    expect([error.code, error.message]).toEqual([
      'response-too-large',
      'answer larger than maxResponseBytes (1000 bytes)',
    ]);
  });
  test('a huge server message is cut to 500 characters', async () => {
    server.respond = () => ({
      status: 400,
      envelope: envelope(400, 'x'.repeat(100_000), { code: 'invalid-field' }),
    });
    expect((await failure(client.tokens.get('t'))).message).toHaveLength(500);
  });
});

describe('retries keep the Idempotency-Key and sign each try afresh', () => {
  test('503 twice, then the token: three signed tries, one key, three nonces', async () => {
    let tries = 0;
    server.respond = () =>
      ++tries <= 2 ? { status: 503, envelope: envelope(503, 'busy') } : { data: [TOKEN_RECORD] };
    const [token] = await client.tokens.create({ type: 'electricity', configRef: 'c', drn: 'd', amount: 1 });
    expect(token!.ref).toBe('tok-1');
    expect(server.received).toHaveLength(3);
    const keys = new Set(server.received.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(server.received.map((r) => r.headers.nonce)).size).toBe(3);
    expect(new Set(server.received.map((r) => r.body)).size).toBe(1);
    for (const r of server.received) expect(r.headers['x-date']).toBe(r.headers.date);
  });

  test('a dropped connection: the retry with the same key gets the stored token, not a second one', async () => {
    const stored = new Map<string, unknown>();
    let issued = 0;
    server.respond = (request: Received) => {
      const key = String(request.headers['idempotency-key']);
      if (!stored.has(key)) stored.set(key, { ...TOKEN_RECORD, ref: `tok-${++issued}` });
      // The first answer is lost on the way back: the token is issued, the client sees a reset.
      return server.received.length === 1 ? 'destroy' : { data: [stored.get(key)] };
    };
    const [token] = await client.tokens.create({ type: 'electricity', configRef: 'c', drn: 'd', amount: 1 });
    expect([token!.ref, issued, server.received.length]).toEqual(['tok-1', 1, 2]);
  });

  test('the caller’s Idempotency-Key is the one sent', async () => {
    server.respond = () => ({ data: [TOKEN_RECORD] });
    await client.tokens.create(
      { type: 'gas', configRef: 'c', drn: 'd', amount: 1 },
      { idempotencyKey: 'order-42' },
    );
    expect(server.received[0]!.headers['idempotency-key']).toBe('order-42');
  });

  test('a GET is retried without an Idempotency-Key', async () => {
    let tries = 0;
    server.respond = () => (++tries === 1 ? { status: 503, raw: '' } : { data: TOKEN_RECORD });
    await client.tokens.get('tok-1');
    expect(server.received.map((r) => r.headers['idempotency-key'])).toEqual([undefined, undefined]);
  });

  test('Retry-After is followed (capped by maxRetryDelayMs)', async () => {
    let tries = 0;
    server.respond = () =>
      ++tries === 1 ? { status: 503, raw: '', headers: { 'retry-after': '3600' } } : { data: TOKEN_RECORD };
    const started = Date.now();
    await client.tokens.get('tok-1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('retries run out: the last 503 is the error', async () => {
    server.respond = () => ({ status: 503, envelope: envelope(503, 'draining', { code: 'unavailable' }) });
    const error = await failure(client.tokens.get('tok-1'));
    expect([error.status, error.code, server.received.length]).toEqual([503, 'unavailable', 4]);
  });

  test('retries: 0 tries once', async () => {
    const once = new StsClient({ host: server.url, key: KEY, secret: SECRET, retries: 0 });
    server.respond = () => ({ status: 503, raw: '' });
    expect((await failure(once.tokens.get('tok-1'))).code).toBe('http-503');
    expect(server.received).toHaveLength(1);
  });

  test('other errors are not retried', async () => {
    server.respond = () => ({ status: 500, envelope: envelope(500, 'internal error', { code: 'internal' }) });
    await failure(client.tokens.get('tok-1'));
    expect(server.received).toHaveLength(1);
  });
});

describe('no answer', () => {
  test('a closed port: network-error, status 0, after the retries', async () => {
    const port = await freePort();
    const error = await failure(
      new StsClient({
        host: `http://127.0.0.1:${port}`,
        key: KEY,
        secret: SECRET,
        retries: 2,
        retryDelayMs: 1,
      }).tokens.get('t'),
    );
    expect([error.status, error.code, error.message]).toEqual([
      0,
      'network-error',
      'GET /v1/tokens: no answer (ECONNREFUSED)',
    ]);
  });
  test('a server that never answers: the time limit', async () => {
    server.respond = () => 'hang';
    const slow = new StsClient({
      host: server.url,
      key: KEY,
      secret: SECRET,
      timeoutMs: 100,
      retries: 1,
      retryDelayMs: 1,
    });
    const error = await failure(slow.tokens.get('t'));
    expect([error.status, error.code, error.message]).toEqual([
      0,
      'network-error',
      'GET /v1/tokens: no answer within 100 ms',
    ]);
    expect(server.received).toHaveLength(2);
  });
  test('the caller’s abort signal stops it at once', async () => {
    const controller = new AbortController();
    // aborted once the server has the request (a fixed delay raced the request's arrival on a loaded box)
    server.respond = () => {
      setTimeout(() => controller.abort(), 10);
      return 'hang';
    };
    const error = await failure(client.tokens.get('t', { signal: controller.signal }));
    expect([error.status, error.code, error.message]).toEqual([0, 'aborted', 'GET /v1/tokens: aborted']);
    expect(server.received).toHaveLength(1);
  });
});

describe('other calls', () => {
  test('serviceKey', async () => {
    server.respond = () => ({ data: { key: '-----BEGIN PUBLIC KEY-----\n', fingerprint: 'SHA256:ab' } });
    expect(await client.serviceKey()).toEqual({
      key: '-----BEGIN PUBLIC KEY-----\n',
      fingerprint: 'SHA256:ab',
    });
    expect(server.received[0]).toMatchObject({ method: 'GET', path: '/v1/service_key' });
  });
  test('configurations.upload takes the bundle folder’s files (bytes or text) and leaves VERIFY.md out', async () => {
    server.respond = () => ({ data: { ref: 'cfg-9', activated: false } });
    const text = new TextEncoder();
    const configuration = await client.configurations.upload({
      'encrypted_sts_config_with_iv_base64.txt': text.encode('REFUQQ==\n'),
      'encrypted_digest.txt': 'RElHRVNU\n',
      'encrypted_symmetric.txt': 'S0VZ\n',
      'encrypted_mac.txt': 'TUFD\n',
      'profile.txt': 'sts-keygen-bundle strong v1\n',
      'VERIFY.md': '# openssl commands',
    });
    expect(configuration).toMatchObject({ ref: 'cfg-9', activated: false });
    expect(server.received[0]!.json).toEqual({
      data: 'REFUQQ==\n',
      digest: 'RElHRVNU\n',
      key: 'S0VZ\n',
      mac: 'TUFD\n',
      profile: 'sts-keygen-bundle strong v1\n',
    });
  });
  test('configurations.upload names a missing file', async () => {
    await expect(client.configurations.upload({ 'encrypted_digest.txt': 'x' })).rejects.toThrow(
      'bundle lacks encrypted_sts_config_with_iv_base64.txt',
    );
  });
  test('publicKeys.list without a filter sends no query', async () => {
    server.respond = () => ({ data: [] });
    expect(await client.publicKeys.list()).toEqual([]);
    expect(server.received[0]!.query).toEqual({});
  });
  test('tokens.forMeter sends the meter, and the limit only when given', async () => {
    server.respond = () => ({ data: [TOKEN_RECORD] });
    expect((await client.tokens.forMeter('47500150231')).map((t) => t.ref)).toEqual(['tok-1']);
    await client.tokens.forMeter('47500150231', { limit: 5 });
    expect(server.received.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/v1/tokens', { meter: '47500150231' }],
      ['GET', '/v1/tokens', { meter: '47500150231', limit: '5' }],
    ]);
  });
  test.each([
    { call: () => client.tokens.forMeter('47500150231'), message: 'meter tokens answer is not a list' },
    { call: () => client.configurations.list(), message: 'configurations answer is not a list' },
  ])(
    'a listing answered with one record instead of a list: bad-response ($message)',
    async ({ call, message }) => {
      server.respond = () => ({ data: TOKEN_RECORD });
      const error = await failure(call());
      expect([error.code, error.message]).toEqual(['bad-response', message]);
    },
  );
  test('configurations.list sends no query', async () => {
    server.respond = () => ({ data: [{ ref: 'cfg-1', name: 'site', activated: true }] });
    expect((await client.configurations.list()).map((c) => [c.ref, c.name])).toEqual([['cfg-1', 'site']]);
    expect(server.received.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/v1/configurations', {}],
    ]);
  });
});

test('the secret is in no JSON, inspection or header of the client', async () => {
  server.respond = () => ({ data: TOKEN_RECORD });
  await client.tokens.get('tok-1');
  expect(JSON.stringify(client)).not.toContain(SECRET);
  expect(inspect(client, { showHidden: true, depth: 10 })).not.toContain(SECRET);
  expect(JSON.stringify(server.received[0]!.headers)).not.toContain(SECRET);
});

test('every request of this file was signed well enough for the server', () => {
  expect(server.refused).toEqual([]);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
