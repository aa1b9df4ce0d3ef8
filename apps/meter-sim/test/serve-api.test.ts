// `sts-meter serve` as a real process: POST /tokens results, exact error bodies, GET /state without key
// material, the state file after a POST, group commit under concurrent posts, --verbose, SIGTERM.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processTokenRequest } from 'sts-token';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, CTSA_CONFIG, configText, initMeter, tempDir } from './helpers.ts';

const dir = tempDir('serve');
const CONFIG = join(dir, 'sts.yml');
const STATE = join(dir, 'meter.json');
/** The CTSA01 decoder key of PAN 600727 00000000000 (sts-reference §13, "CTSA01 2004-03-01 13:55"). */
const DECODER_KEY_HEX = 'E653341F9D5BF36F';
/** Its KCV by node:crypto: single DES (DES-EDE with K‖K) of 8 zero bytes, first 3 bytes; method 'des'. */
const DES_KCV = (() => {
  const k = Buffer.from(DECODER_KEY_HEX, 'hex');
  const c = createCipheriv('des-ede-ecb', Buffer.concat([k, k]), null).setAutoPadding(false);
  return c.update(Buffer.alloc(8)).subarray(0, 3).toString('hex').toUpperCase();
})();

/** A credit token from the vending side (sts-token), never from the meter under test. */
function vend(type: string, time: string, amount: string, random = 5): string {
  const r = processTokenRequest({ type, config: CTSA_CONFIG, drn: '00000000000', time, random, amount });
  if (!('tokens' in r)) throw new Error(r.error.message);
  return r.tokens[0]!.token;
}

interface Served {
  child: ChildProcess;
  base: string;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

function serve(state: string, ...extra: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--state', state, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve({ child, base: m[1]!, stderr: () => err, stdout: () => out, exited });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

function post(base: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${base}/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

function diskState(path = STATE) {
  return JSON.parse(readFileSync(path, 'utf8')) as {
    registers: Record<string, number>;
    tidMemory: { tids: number[] };
    eventLog: { entries: { token: string; result: string }[] };
    key: { decoderKey: string };
  };
}

function init(state: string): void {
  initMeter(state, CONFIG);
}

let s: Served;

beforeAll(async () => {
  writeFileSync(CONFIG, configText(CTSA_CONFIG));
  init(STATE);
  s = await serve(STATE, '--verbose');
}, 30_000);

afterAll(async () => {
  if (s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

describe('POST /tokens', () => {
  const t1355 = vend('electricity', '2004-03-01T13:55:00Z', '0.1');

  test('the published CTSA01 token is the one sts-token vends (the fixture is sound)', () => {
    expect(t1355).toBe('23716100501183194197');
  });

  test('a valid token: 200, accept, the register rises, and the file on disk holds it before the answer', async () => {
    const t = vend('electricity', '2004-03-01T14:10:00Z', '25.6');
    const res = await post(s.base, JSON.stringify({ token: t }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const r = (await res.json()) as Record<string, unknown>;
    expect(r).toMatchObject({
      token: t,
      result: 'accept',
      accepted: true,
      display: 'Accept',
      class: 0,
      subclass: 0,
      type: 'electricity',
      amount: '25.6',
      register: 'electricity',
      balance: '25.6',
      tid: 5871730,
      issuedAt: '2004-03-01T14:10:00.000Z',
    });
    // Read right after the answer: the durability guarantee says it is already on disk.
    const d = diskState();
    expect(d.registers.electricity).toBe(256);
    expect(d.tidMemory.tids).toContain(5871730);
    expect(d.eventLog.entries.at(-1)).toMatchObject({ token: t, result: 'accept' });
  });

  test('spaces and dashes between groups are allowed; a replay is 200 "used"', async () => {
    const grouped = `${t1355.slice(0, 4)}-${t1355.slice(4, 8)} ${t1355.slice(8, 12)}-${t1355.slice(12, 16)} ${t1355.slice(16)}`;
    const first = (await (await post(s.base, JSON.stringify({ token: grouped }))).json()) as Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ token: t1355, result: 'accept', balance: '25.7' });
    const again = await post(s.base, JSON.stringify({ token: t1355 }));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({
      result: 'used',
      accepted: false,
      display: 'Used',
      changed: false,
    });
    expect(diskState().registers.electricity).toBe(257);
  });

  test.each([
    { name: 'one digit changed', token: '23716100501183194198', display: 'CRC Err', result: 'crc-error' },
    { name: '19 digits', token: '2371610050118319419', display: 'Format Err', result: 'format-error' },
    { name: 'letters', token: 'not a token', display: 'Format Err', result: 'format-error' },
  ])(
    'a processed but rejected token ($name) is 200 with the result in the body',
    async ({ token, display, result }) => {
      const res = await post(s.base, JSON.stringify({ token }));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: false, display, result, changed: false });
      expect(diskState().eventLog.entries.at(-1)).toMatchObject({ result });
    },
  );

  test.each([
    {
      name: 'not JSON',
      body: '{"token": ',
      status: 400,
      error: { code: 'invalid-json', message: 'body is not valid JSON' },
    },
    {
      name: 'empty body',
      body: '',
      status: 400,
      error: { code: 'invalid-json', message: 'body is not valid JSON' },
    },
    {
      name: 'an array',
      body: '["23716100501183194197"]',
      status: 400,
      error: { code: 'invalid-request', message: 'body must be a JSON object like {"token": "…"}' },
    },
    {
      name: 'no token',
      body: '{}',
      status: 400,
      error: { code: 'missing-token', message: 'body has no "token" field' },
    },
    {
      name: 'a numeric token',
      body: '{"token": 23716100501183194197}',
      status: 400,
      error: { code: 'invalid-token', message: '"token" must be a string of 20 digits' },
    },
    {
      name: 'an unknown field',
      body: '{"token": "23716100501183194197", "amount": 5}',
      status: 400,
      error: { code: 'unknown-field', message: 'unknown field "amount"' },
    },
    {
      name: 'a body over 1024 bytes',
      body: JSON.stringify({ token: '1'.repeat(1100) }),
      status: 413,
      error: { code: 'body-too-large', message: 'body is larger than 1024 bytes' },
    },
  ])('$name → $status with the exact error body', async ({ body, status, error }) => {
    const before = readFileSync(STATE, 'utf8');
    const res = await post(s.base, body);
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(JSON.stringify({ error }));
    expect(readFileSync(STATE, 'utf8')).toBe(before);
  });

  test('a chunked body over the limit is cut off with 413 too', async () => {
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(100)));
        c.close();
      },
    });
    const res = await fetch(`${s.base}/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: { code: 'body-too-large', message: 'body is larger than 1024 bytes' },
    });
  });

  test('415 without Content-Type: application/json (a cross-site form cannot post tokens)', async () => {
    const res = await post(s.base, '{"token":"23716100501183194197"}', { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.text()).toBe(
      '{"error":{"code":"unsupported-media-type","message":"Content-Type must be application/json"}}',
    );
  });
});

describe('routes', () => {
  test.each([
    { method: 'GET', path: '/tokens', status: 405, allow: 'POST', message: '/tokens allows POST only' },
    { method: 'POST', path: '/state', status: 405, allow: 'GET', message: '/state allows GET only' },
    { method: 'DELETE', path: '/', status: 405, allow: 'GET, HEAD', message: '/ allows GET only' },
  ])('$method $path → 405 with Allow: $allow', async ({ method, path, status, allow, message }) => {
    const res = await fetch(`${s.base}${path}`, { method });
    expect(res.status).toBe(status);
    expect(res.headers.get('allow')).toBe(allow);
    expect(await res.json()).toEqual({ error: { code: 'method-not-allowed', message } });
  });

  test.each(['/nope', '/tokens/1', '/state.json', '/../meter.json'])('GET %s → 404', async (path) => {
    const res = await fetch(`${s.base}${path}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not-found', message: 'no such resource' } });
  });

  test('a foreign Host header (DNS rebinding) → 403', async () => {
    const { request } = await import('node:http');
    const url = new URL(s.base);
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: url.hostname, port: url.port, path: '/state', headers: { Host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  test('GET / is the page, under a CSP that allows only this server', async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('aria-live="polite"');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/meter.css', '/meter.js', '/favicon.svg']) {
      const a = await fetch(`${s.base}${asset}`);
      expect(a.status, asset).toBe(200);
      expect(await a.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    }
  });
});

describe('GET /state', () => {
  test('the listening line names the meter and its KCV with the method', () => {
    expect(s.stdout().split('\n')[0]).toMatch(
      new RegExp(
        `^sts-meter: meter 00000000000 \\(KCV ${DES_KCV}, des\\) listening on http://127\\.0\\.0\\.1:\\d+/$`,
      ),
    );
  });

  test('the state with the KCV, its method and no key material', async () => {
    const onDisk = diskState();
    expect(onDisk.key.decoderKey).toBe(DECODER_KEY_HEX);
    const res = await fetch(`${s.base}/state`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text.toUpperCase()).not.toContain(DECODER_KEY_HEX);
    expect(text).not.toContain('decoderKey');
    const v = JSON.parse(text) as { key: Record<string, unknown>; registers: Record<string, number> };
    expect(v.key).toEqual({
      encryptionAlgorithm: 'sta',
      keyType: 2,
      keyRevisionNo: 1,
      keyExpiryNo: 255,
      tariffIndex: '01',
      supplyGroupCode: '123456',
      baseDate: 1993,
      kcv: DES_KCV,
      kcvMethod: 'des',
    });
    expect(v.registers).toEqual(onDisk.registers);
  });
});

describe('group commit', () => {
  test('100 concurrent distinct tokens: every one answered, each durable', async () => {
    const before = diskState().registers.electricity!;
    const tokens = Array.from({ length: 100 }, (_, i) =>
      vend('electricity', new Date(Date.UTC(2004, 3, 1, 1, i)).toISOString(), '1', i & 15),
    );
    const results = await Promise.all(
      tokens.map(
        async (token) => (await (await post(s.base, JSON.stringify({ token }))).json()) as { result: string },
      ),
    );
    // TID memory holds 50: arrival order can differ from send order, so a token may be Old; none is lost.
    const accepted = results.filter((r) => r.result === 'accept').length;
    expect(results.every((r) => r.result === 'accept' || r.result === 'old')).toBe(true);
    expect(accepted).toBeGreaterThan(50);
    expect(diskState().registers.electricity).toBe(before + accepted * 10);
  }, 30_000);

  test('--verbose logs one line per request, never the key', async () => {
    // The child's stderr reaches us through a pipe, asynchronously: wait for the lines to arrive.
    for (let i = 0; i < 50 && s.stderr().split('\n').length < 100; i++)
      await new Promise((r) => setTimeout(r, 100));
    const lines = s.stderr().trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines)
      expect(l).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z [A-Z]+ \S+ \d{3} [\d.]+ms( [a-z-]+)?$/);
    expect(s.stderr().toUpperCase()).not.toContain(DECODER_KEY_HEX);
    expect(lines.some((l) => / POST \/tokens 200 [\d.]+ms accept$/.test(l))).toBe(true);
  });
});

describe('process', () => {
  test('SIGTERM: answers what it took, saves, exits 0', async () => {
    const pending = post(s.base, JSON.stringify({ token: vend('water', '2004-05-01T00:00:00Z', '2.5') }));
    const r = (await (await pending).json()) as { result: string };
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(r.result).toBe('accept');
    expect(s.stdout()).toContain('sts-meter: stopped; state saved');
    expect(diskState().registers.water).toBe(25);
  }, 20_000);

  test.each([
    { args: ['--port', '0'], err: 'sts-meter: --state is required\n', code: 2 },
    { args: ['--state', STATE], err: 'sts-meter: --port is required\n', code: 2 },
    {
      args: ['--state', STATE, '--port', '70000'],
      err: "sts-meter: --port must be from 0 to 65535, got '70000'\n",
      code: 2,
    },
    {
      args: ['--state', join(dir, 'missing.json'), '--port', '0'],
      err: `sts-meter: cannot read state file ${join(dir, 'missing.json')}: no such file or directory\n`,
      code: 2,
    },
  ])('bad arguments: $err', ({ args, err, code }) => {
    const r = spawnSync(process.execPath, [BIN, 'serve', ...args], { encoding: 'utf8' });
    expect(r.stderr).toBe(err);
    expect(r.status).toBe(code);
  });

  test('a port in use is one line, exit 2', async () => {
    const state2 = join(dir, 'meter2.json');
    init(state2);
    const first = await serve(state2);
    try {
      const port = new URL(first.base).port;
      const state3 = join(dir, 'meter3.json'); // another meter: this file is locked by the first server
      init(state3);
      const r = spawnSync(process.execPath, [BIN, 'serve', '--state', state3, '--port', port], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe(`sts-meter: cannot listen on 127.0.0.1:${port}: address in use\n`);
      expect(r.status).toBe(2);
    } finally {
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
    }
  }, 30_000);
});
