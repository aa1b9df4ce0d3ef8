// The CLI as a real process on a real data folder: init, credentials, configs import of a bundle made
// by the real `sts-keygen bundle`, exit codes and exact error lines.
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cli, KEYGEN, rsaFiles, run, tempDir } from './helpers.ts';

const t = tempDir();
const data = path.join(t.dir, 'data');
let service: ReturnType<typeof rsaFiles>;

beforeAll(async () => {
  service = rsaFiles(t.dir, 'service');
  const r = await cli(['init', '--data', data, '--rsa-key', service.key, '--json']);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.servicePub).toBe(path.join(data, 'service.pub'));
  expect(out.fingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
});
afterAll(() => t.cleanup());

describe('init', () => {
  test('makes DIR 0700 with the master key and service key 0600', () => {
    expect(statSync(data).mode & 0o777).toBe(0o700);
    for (const f of ['master.key', 'service.key', 'service.db'])
      expect(statSync(path.join(data, f)).mode & 0o777, f).toBe(0o600);
    expect(statSync(path.join(data, 'master.key')).size).toBe(32);
  });

  test('never overwrites an existing folder (exit 3)', async () => {
    const r = await cli(['init', '--data', data]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`sts-service: ${data} already exists; init never overwrites a data folder\n`);
    expect(r.stdout).toBe('');
  });

  test.each([
    [['init'], 'sts-service: --data is required\n'],
    [
      ['init', '--data', 'x', '--nope'],
      "sts-service: unknown option --nope (see 'sts-service init --help')\n",
    ],
    [
      ['serve', '--data', 'x', '--port', '70000'],
      "sts-service: --port must be a whole number from 0 to 65535, got '70000'\n",
    ],
    [
      ['serve', '--data', '/nonexistent/sts'],
      "sts-service: /nonexistent/sts is not a data folder (run 'sts-service init --data /nonexistent/sts' first)\n",
    ],
    [
      ['frobnicate'],
      "sts-service: unknown command 'frobnicate' (expected init, credentials, configs, serve, audit or migrate; see 'sts-service --help')\n",
    ],
    [
      ['credentials', 'create', '--data', 'x', '--name', 'n', '--permissions', 'fly'],
      expect.stringContaining("sts-service: unknown permission 'fly'"),
    ],
  ])('usage error %j → exit 2 with one line', async (args, stderr) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual(stderr);
  });
});

describe('credentials', () => {
  test('create prints key and secret once; list never shows the secret; revoke marks it', async () => {
    const c = await cli([
      'credentials',
      'create',
      '--data',
      data,
      '--name',
      'ops',
      '--tenant',
      't1',
      '--json',
    ]);
    expect(c.code).toBe(0);
    const { key, secret, tenant } = JSON.parse(c.stdout);
    expect(tenant).toBe('t1');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const list = await cli(['credentials', 'list', '--data', data, '--json']);
    expect(list.stdout).not.toContain(secret);
    expect(JSON.parse(list.stdout).credentials).toEqual([
      expect.objectContaining({ key, name: 'ops', tenant: 't1', revoked_at: null }),
    ]);
    expect((await cli(['credentials', 'revoke', '--data', data, '--key', key])).stdout).toBe(
      `revoked ${key}\n`,
    );
    const again = await cli(['credentials', 'revoke', '--data', data, '--key', key]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`sts-service: no active credential "${key}"\n`);
  });
});

describe('configs import', () => {
  test('a bundle made by sts-keygen bundle for service.pub is imported; a wrong signer is the one bundle error', async () => {
    const signer = path.join(t.dir, 'signer');
    expect((await run(KEYGEN, ['rsa', '--out', signer])).code).toBe(0);
    const cfg = path.join(t.dir, 'site.yml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      cfg,
      '---\nname: site\nkey_expiry_no: 255\nencryption_algorithm: sta\ntoken_carrier_type: numeric\ndecoder_key_generation_algorithm: 02\ntariff_index: 01\nkey_revision_no: 1\nvending_key: 0123456789abcdef\nsupply_group_code: 123456\nkey_type: 2\nbase_date: 2014\nissuer_identification_no: 600727\n',
      { mode: 0o600 },
    );
    const bundle = path.join(t.dir, 'bundle');
    const b = await run(KEYGEN, [
      'bundle',
      '--config',
      cfg,
      '--signing-key',
      path.join(signer, 'key.pem'),
      '--recipient',
      path.join(data, 'service.pub'),
      '--out',
      bundle,
    ]);
    expect(b.code).toBe(0);
    const ok = await cli([
      'configs',
      'import',
      '--data',
      data,
      '--tenant',
      't1',
      '--bundle',
      bundle,
      '--signer',
      path.join(signer, 'public.pub'),
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ref: expect.stringMatching(/^cfg_/),
      name: 'site',
      vending_key_kcv: 'D5D44F',
      vending_key_kcv_method: 'des',
    });
    expect(ok.stdout + ok.stderr).not.toMatch(/0123456789abcdef/i);
    const wrong = await cli([
      'configs',
      'import',
      '--data',
      data,
      '--tenant',
      't1',
      '--bundle',
      bundle,
      '--signer',
      service.pub,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      'sts-service: bundle does not verify: wrong recipient key, wrong signer key, or the files were altered\n',
    );
  });
});

describe('audit verify', () => {
  test('an intact log passes (exit 0)', async () => {
    const r = await cli(['audit', 'verify', '--data', data]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit log intact: \d+ entries, 0 ledger rows\n$/);
  });

  test('an audit row edited in the database file is caught (exit 1, first broken entry named)', async () => {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(data, 'service.db'));
    db.prepare("UPDATE audit SET subject = 'someone-else' WHERE seq = 2").run();
    db.close();
    const r = await cli(['audit', 'verify', '--data', data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('sts-service: audit log broken: entry 2 was altered (its hash does not match)\n');
  });
});
