// `sts-vend token --service URL` against a real `sts-service serve` process on loopback: single tokens and
// batches by --config-ref give the public vectors' tokens; credentials only from the environment or a 0600 file.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BundleFiles, StsClient } from 'sts-client';
import { configFromJson, formatStsConfig } from 'sts-config';
import { encodeBase64Lines, sealBundle } from 'sts-crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonLines, type Run, runCli, tempDir, VECTORS, type Vector } from './cli.ts';

const SERVICE = fileURLToPath(new URL('../../service/bin/sts-service.js', import.meta.url));

const tmp = tempDir('sts-vend-service-');
const dir = tmp.dir;
let server: ChildProcess;
let serverExit: Promise<number | null>;
let url = '';
/** Two tenants: the single-token tests and the batch tests each have their own ledger (TIDs per meter). */
const cred: Record<'single' | 'batch', { key: string; secret: string }> = {
  single: { key: '', secret: '' },
  batch: { key: '', secret: '' },
};
/** The config_ref of each vector configuration, per tenant, by its JSON text. */
const refs: Record<'single' | 'batch', Map<string, string>> = { single: new Map(), batch: new Map() };
const outputs: string[] = [];

function runService(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SERVICE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr } as Run));
  });
}

/** sts-vend with `env` (credentials) and nothing inherited that could carry other credentials. */
async function vend(args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  const r = await runCli(args, {
    env: { PATH: process.env.PATH ?? '', ...env },
    ...(input ? { input } : {}),
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}
const envOf = (c: { key: string; secret: string }) => ({ STS_KEY: c.key, STS_SECRET: c.secret });

/** The three bundle files of a vector configuration, sealed for the service by sts-crypto. */
function bundleOf(config: unknown, signer: string, servicePub: string): BundleFiles {
  const parsed = configFromJson(config);
  if (!parsed.ok) throw new Error('bad vector configuration');
  const parts = sealBundle({
    config: new TextEncoder().encode(formatStsConfig(parsed.config)),
    signingKey: createPrivateKey(signer),
    recipientKey: createPublicKey(servicePub),
  });
  return {
    'encrypted_sts_config_with_iv_base64.txt': encodeBase64Lines(parts.data),
    'encrypted_digest.txt': encodeBase64Lines(parts.digest),
    'encrypted_symmetric.txt': encodeBase64Lines(parts.symmetric),
  };
}

const withConfig = VECTORS.filter((v) => v.request.config !== undefined && v.request.type !== 'key-change');
const testDisplay = VECTORS.filter((v) => v.request.type.startsWith('test-display'));
const keyChange = VECTORS.find((v) => v.name.startsWith('CTSA05 step1'))!;
const CTSA = JSON.stringify(withConfig.find((v) => v.name.startsWith('CTSA10'))!.request.config);

beforeAll(async () => {
  const data = join(dir, 'data');
  const service = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceKey = join(dir, 'service.pem');
  writeFileSync(serviceKey, service.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
  });
  const init = await runService(['init', '--data', data, '--rsa-key', serviceKey]);
  if (init.code !== 0) throw new Error(init.stderr);
  for (const tenant of ['single', 'batch'] as const) {
    const c = await runService([
      'credentials',
      'create',
      '--data',
      data,
      '--name',
      tenant,
      '--tenant',
      tenant,
      '--json',
    ]);
    cred[tenant] = JSON.parse(c.stdout) as { key: string; secret: string };
  }
  server = spawn(process.execPath, [SERVICE, 'serve', '--data', data, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  serverExit = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: server.stdout! }).once('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(line));
    });
    void serverExit.then((code) => reject(new Error(`sts-service serve exited ${code}`)));
  });
  const signerPem = signer.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const servicePub = service.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const configs = new Set([...withConfig, keyChange].map((v) => JSON.stringify(v.request.config)));
  configs.add(JSON.stringify(keyChange.request.newConfig));
  for (const tenant of ['single', 'batch'] as const) {
    const client = new StsClient({ host: url, ...cred[tenant] });
    await client.publicKeys.create({
      name: 'signer',
      key: signer.publicKey.export({ type: 'spki', format: 'pem' }) as string,
      activated: true,
    });
    for (const config of configs) {
      const uploaded = await client.configurations.upload(
        bundleOf(JSON.parse(config), signerPem, servicePub),
      );
      refs[tenant].set(config, uploaded.ref);
    }
  }
}, 120_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  await serverExit;
  tmp.cleanup();
});

/** The command line of a vector's request, through the service by the ref of its configuration. */
function commandOf(v: Vector, tenant: 'single' | 'batch'): string[] {
  const r = v.request as Record<string, unknown>;
  const config = JSON.stringify(r.config ?? JSON.parse(CTSA));
  const args = ['token', v.request.type, '--service', url, '--config-ref', refs[tenant].get(config)!];
  args.push('--drn', String(r.drn ?? '00000000000'));
  const options: Record<string, string> = {
    time: 'time',
    random: 'random',
    amount: 'amount',
    watts: 'watts',
    register: 'register',
    pad: 'pad',
    control: 'control',
    manufacturerCode: 'manufacturer-code',
  };
  for (const [field, option] of Object.entries(options))
    if (r[field] !== undefined) args.push(`--${option}`, String(r[field]));
  return args;
}

describe('sts-vend token --service URL --config-ref REF (credentials from STS_KEY and STS_SECRET)', () => {
  test.each([...withConfig.slice(0, 6), ...testDisplay])('$name: the vector token', async (v) => {
    const r = await vend(commandOf(v, 'single'), envOf(cred.single));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`${v.expected.join('\n')}\n`);
  });

  test('--json: the tokens with their type, class, TID and ledger ref; --grouped: groups of four', async () => {
    const v = withConfig.find((x) => x.name.startsWith('CTSA10 sub0 25.6'))!;
    const r = await vend([...commandOf(v, 'single'), '--json', '--grouped'], envOf(cred.single));
    expect(r.code).toBe(0);
    const [token] = (JSON.parse(r.stdout) as { tokens: Record<string, unknown>[] }).tokens;
    expect(token).toEqual({
      token: v.expected[0]!.replace(/(\d{4})(?=\d)/g, '$1 '),
      type: v.request.type,
      nectarType: 'Electricity_00',
      class: 0,
      subclass: 0,
      tid: expect.any(Number),
      ref: expect.stringMatching(/^tok_/),
    });
  });

  test('the same request again: the service refuses the TID it already issued (exit 2, one line)', async () => {
    const r = await vend(commandOf(withConfig[0]!, 'single'), envOf(cred.single));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^sts-vend: the service refused the request: meter 00000000000 already has a token with TID \d+ \(token_id 2004-03-01T13:55:00Z\); the meter would reject a second one \(HTTP 409 tid-taken, request [0-9a-f]+\)\n$/,
    );
  });
});

describe('sts-vend token --batch FILE --service URL', () => {
  test('the vectors as JSON Lines with config_ref: their tokens in input order; bad lines answered in place', async () => {
    const line = (v: Vector) => {
      const { config, ...request } = v.request as Record<string, unknown>;
      return JSON.stringify({
        ...request,
        config_ref: refs.batch.get(JSON.stringify(config ?? JSON.parse(CTSA))),
      });
    };
    const input = [
      ...withConfig.map(line),
      '',
      '{"id":"broken",',
      JSON.stringify({ id: 'what', type: 'espresso', config_ref: 'x' }),
      ...testDisplay.map(line),
      line(withConfig[0]!),
    ].join('\n');
    const file = join(dir, 'batch.jsonl');
    writeFileSync(file, `${input}\n`);
    const r = await vend(['token', '--batch', file, '--service', url], envOf(cred.batch));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const answers = jsonLines(r.stdout);
    const n = withConfig.length;
    expect(answers).toHaveLength(n + 2 + testDisplay.length + 1);
    for (const [i, v] of withConfig.entries()) {
      expect(answers[i]!.id).toBe(v.request.id);
      expect((answers[i]!.tokens as { token: string }[]).map((t) => t.token)).toEqual(v.expected);
    }
    expect(answers[n]).toEqual({
      id: null,
      error: { code: 'bad-json', message: expect.stringMatching(new RegExp(`^line ${n + 2}: `)) },
    });
    expect(answers[n + 1]).toEqual({
      id: null,
      error: {
        code: 'unknown-type',
        message: `line ${n + 3}: type 'espresso' is not a token type (electricity, water, gas, …, key-change)`,
      },
    });
    for (const [i, v] of testDisplay.entries())
      expect((answers[n + 2 + i]!.tokens as { token: string }[]).map((t) => t.token)).toEqual(v.expected);
    const last = answers.at(-1)!;
    expect(last.id).toBe(withConfig[0]!.request.id);
    expect(last.error).toEqual({
      code: 'tid-taken',
      message: expect.stringMatching(new RegExp(`^line ${n + 4 + testDisplay.length}: `)),
    });
  });
});

describe('credentials: never from the command line', () => {
  test('--credentials FILE (0600, the JSON of credentials create --json) is used', async () => {
    const file = join(dir, 'cred.json');
    writeFileSync(file, JSON.stringify({ ...cred.single, tenant: 'single' }), { mode: 0o600 });
    const v = withConfig[9]!;
    const r = await vend([...commandOf(v, 'single'), '--credentials', file]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 0,
      stdout: `${v.expected[0]}\n`,
      stderr: '',
    });
  });

  test('a credentials file others can read is refused, naming its mode and the fix', async () => {
    const file = join(dir, 'open.json');
    writeFileSync(file, JSON.stringify(cred.single));
    chmodSync(file, 0o644);
    const r = await vend([...commandOf(withConfig[8]!, 'single'), '--credentials', file]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `sts-vend: credentials file ${file} can be read by others (mode 0644): chmod 600 ${file}\n`,
    });
  });

  test.each([
    {
      env: {},
      error:
        '--service needs credentials: set STS_KEY and STS_SECRET, or give --credentials FILE (the JSON of sts-service credentials create --json)',
    },
    {
      env: { STS_KEY: 'key_x' },
      error:
        'STS_KEY is set but STS_SECRET is not: set STS_KEY and STS_SECRET, or give --credentials FILE (the JSON of sts-service credentials create --json)',
    },
  ])('without both variables: $error', async ({ env, error }) => {
    const r = await vend(commandOf(withConfig[8]!, 'single'), env);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `sts-vend: ${error}\n`,
    });
  });

  test('--secret is not an option: the secret never goes on a command line', async () => {
    const r = await vend([...commandOf(withConfig[8]!, 'single'), '--secret', cred.single.secret]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sts-vend: .*--secret/);
    expect(r.stderr).not.toContain(cred.single.secret);
  });

  test('a wrong secret: one line, exit 2, the same words as for an unknown key', async () => {
    const r = await vend(commandOf(withConfig[8]!, 'single'), {
      STS_KEY: cred.single.key,
      STS_SECRET: 'wrong',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^sts-vend: the service refused the request: unknown API key or wrong signature \(HTTP 401 unauthenticated, request [0-9a-f]+\)\n$/,
    );
  });
});

/** An electricity credit through the service at `service` (a bad URL, a closed port). */
const creditAt = (service: string) => [
  'token',
  'electricity',
  '--service',
  service,
  '--config-ref',
  'c',
  '--drn',
  '00000000000',
  '--amount',
  '1',
];

describe('bad use', () => {
  test.each([
    {
      extra: ['--config', 'site.yml'],
      error:
        '--config does not apply with --service: give --config-ref REF (the configuration stays in the service)',
    },
    {
      extra: ['--tid', '5'],
      error:
        '--tid does not apply with --service: give --time (the service turns it into the TID; without it, the next free minute)',
    },
    { extra: ['--watts', '5'], error: '--watts does not apply to electricity tokens' },
  ])('$extra: $error', async ({ extra, error }) => {
    const r = await vend([...commandOf(withConfig[8]!, 'single'), ...extra], envOf(cred.single));
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `sts-vend: ${error}\n`,
    });
  });

  test('--config-ref without --service is a usage error', async () => {
    const r = await vend([
      'token',
      'electricity',
      '--config-ref',
      'cfg_x',
      '--drn',
      '00000000000',
      '--amount',
      '1',
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({
      code: 2,
      stderr: 'sts-vend: --config-ref applies with --service URL only\n',
    });
  });

  test('--service that is not an http URL', async () => {
    const r = await vend(creditAt('ftp://x'), envOf(cred.single));
    expect(r.stderr).toBe(
      "sts-vend: --service must be an http(s) URL such as http://127.0.0.1:8080, got 'ftp://x'\n",
    );
    expect(r.code).toBe(2);
  });

  test('a service that does not answer: exit 3, one line naming it', async () => {
    const r = await vend(creditAt('http://127.0.0.1:9'), envOf(cred.single));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^sts-vend: cannot reach the service at http:\/\/127\.0\.0\.1:9: .+\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

// Last: after the key change the meter is on the new configuration, and the tests above need the old one.
describe('a key change through the service', () => {
  test('a key change by --new-config-ref: the vector tokens; then the old configuration is refused for the meter', async () => {
    const old = refs.single.get(JSON.stringify(keyChange.request.config))!;
    const next = refs.single.get(JSON.stringify(keyChange.request.newConfig))!;
    const base = ['token', 'key-change', '--service', url, '--config-ref', old, '--drn', '00000000000'];
    const r = await vend([...base, '--new-config-ref', next], envOf(cred.single));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`${keyChange.expected.join('\n')}\n`);
    const credit = await vend(
      [
        'token',
        'electricity',
        '--service',
        url,
        '--config-ref',
        old,
        '--drn',
        '00000000000',
        '--amount',
        '1',
      ],
      envOf(cred.single),
    );
    expect(credit.code).toBe(2);
    expect(credit.stderr).toContain(`(HTTP 409 meter-on-other-configuration, request `);
    expect(credit.stderr).toContain(`ask with config_ref ${next}`);
  });
  test('no secret in any output of this file', () => {
    for (const c of Object.values(cred)) for (const text of outputs) expect(text).not.toContain(c.secret);
  });
});
