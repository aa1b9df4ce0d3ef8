// Compatibility proof with the real openssl CLI (OpenSSL 3), nectar-compat §2:
// our bundle opens with openssl; an openssl-built bundle opens with us; the README's strong-profile commands run.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type BundleFixture,
  bundleArgs,
  bundleFixture,
  EXAMPLE_CONFIG,
  type KeyPairFiles,
  openArgs,
  run,
  runInProcess,
  tempDir,
} from './cli-helpers.ts';

function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

let fixture: BundleFixture;
let dir: string;
let config: string;
let user: KeyPairFiles;
let kmc: KeyPairFiles;

beforeAll(() => {
  fixture = bundleFixture();
  ({ dir, config, user, kmc } = fixture);
});

describe('1. a bundle from sts-keygen opens with openssl', () => {
  let out: string;
  beforeAll(async () => {
    out = path.join(dir, 'ours');
    const r = await runInProcess(bundleArgs(fixture, out));
    expect(r.code).toBe(0);
  });
  const b64d = (f: string) => openssl(['base64', '-d', '-in', path.join(out, f)]);

  test.each([
    { tool: 'pkeyutl', decrypt: ['pkeyutl', '-decrypt'], recover: ['pkeyutl', '-verifyrecover', '-pubin'] },
    { tool: 'rsautl', decrypt: ['rsautl', '-decrypt'], recover: ['rsautl', '-verify', '-pubin'] },
  ])(
    'with $tool: the key unwraps, the config decrypts byte for byte, the digest recovers',
    ({ decrypt, recover }) => {
      const wrapped = path.join(dir, `sym-${decrypt[0]}.bin`);
      fs.writeFileSync(wrapped, b64d('encrypted_symmetric.txt'));
      const key = openssl([...decrypt, '-inkey', kmc.privateFile, '-in', wrapped]);
      expect(key.length).toBe(16);
      const data = b64d('encrypted_sts_config_with_iv_base64.txt');
      const ct = path.join(dir, `ct-${decrypt[0]}.bin`);
      fs.writeFileSync(ct, data.subarray(16));
      const plain = openssl([
        'enc',
        '-d',
        '-aes-128-cbc',
        '-K',
        key.toString('hex'),
        '-iv',
        data.subarray(0, 16).toString('hex'),
        '-in',
        ct,
      ]);
      expect(plain.toString('utf8')).toBe(EXAMPLE_CONFIG);
      const sig = path.join(dir, `sig-${decrypt[0]}.bin`);
      fs.writeFileSync(sig, b64d('encrypted_digest.txt'));
      const digest = openssl([...recover, '-inkey', user.publicFile, '-in', sig]);
      expect(digest.equals(sha256(EXAMPLE_CONFIG))).toBe(true);
    },
  );

  test('base64 -d (coreutils) reads our files too', () => {
    const viaCoreutils = execFileSync('base64', ['-d', path.join(out, 'encrypted_digest.txt')]);
    expect(viaCoreutils.equals(b64d('encrypted_digest.txt'))).toBe(true);
  });

  test('the printed fingerprint is what openssl dgst -sha256 -c prints of the DER public key', async () => {
    const r = await runInProcess(bundleArgs(fixture, path.join(dir, 'fp'), ['--json']));
    const der = openssl(['pkey', '-pubin', '-in', kmc.publicFile, '-outform', 'DER']);
    const expected = openssl(['dgst', '-sha256', '-c'], der).toString().trim().split('= ')[1];
    expect(JSON.parse(r.stdout).recipientFingerprint).toBe(expected);
  });
});

describe('2. a bundle built with the openssl commands opens with sts-keygen bundle open', () => {
  // The Nectar guide's fixed key and IV (nectar-compat §2).
  const keyHex = Buffer.from('v8y/B?E(H+MbQeTh').toString('hex');
  const ivHex = Buffer.from('1234567812345678').toString('hex');

  function build(base64: (file: string) => Buffer, sign: 'rsautl' | 'pkeyutl'): string {
    const b = tempDir();
    const ct = openssl(['enc', '-aes-128-cbc', '-in', config, '-K', keyHex, '-iv', ivHex]);
    const dataBin = path.join(b, 'data.bin');
    fs.writeFileSync(dataBin, Buffer.concat([Buffer.from('1234567812345678'), ct]));
    const digestBin = path.join(b, 'digest.bin');
    fs.writeFileSync(digestBin, openssl(['dgst', '-binary', '-sha256'], fs.readFileSync(config)));
    const sig = openssl(
      sign === 'rsautl'
        ? ['rsautl', '-sign', '-inkey', user.privateFile, '-in', digestBin]
        : ['pkeyutl', '-sign', '-inkey', user.privateFile, '-in', digestBin],
    );
    const sigBin = path.join(b, 'sig.bin');
    fs.writeFileSync(sigBin, sig);
    const symTxt = path.join(b, 'sym.txt');
    fs.writeFileSync(symTxt, 'v8y/B?E(H+MbQeTh');
    const wrapped = openssl(
      sign === 'rsautl'
        ? ['rsautl', '-encrypt', '-pubin', '-inkey', kmc.publicFile, '-in', symTxt]
        : ['pkeyutl', '-encrypt', '-pubin', '-inkey', kmc.publicFile, '-in', symTxt],
    );
    const wrappedBin = path.join(b, 'wrapped.bin');
    fs.writeFileSync(wrappedBin, wrapped);
    const out = path.join(b, 'bundle');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'encrypted_sts_config_with_iv_base64.txt'), base64(dataBin));
    fs.writeFileSync(path.join(out, 'encrypted_digest.txt'), base64(sigBin));
    fs.writeFileSync(path.join(out, 'encrypted_symmetric.txt'), base64(wrappedBin));
    return out;
  }

  test.each([
    {
      name: 'base64 (76 columns), rsautl',
      base64: (f: string) => execFileSync('base64', [f]),
      sign: 'rsautl' as const,
    },
    {
      name: 'openssl base64 (64 columns), pkeyutl',
      base64: (f: string) => openssl(['base64', '-in', f]),
      sign: 'pkeyutl' as const,
    },
    {
      name: 'unwrapped (base64 -w0), pkeyutl',
      base64: (f: string) => execFileSync('base64', ['-w0', f]),
      sign: 'pkeyutl' as const,
    },
  ])('$name', async ({ base64, sign }) => {
    const bundle = build(base64, sign);
    const out = path.join(path.dirname(bundle), 'config.yml');
    const r = await runInProcess(
      openArgs(bundle, { recipientKey: kmc.privateFile, signer: user.publicFile }, ['--out', out]),
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(EXAMPLE_CONFIG);
  });

  test('as a real process too', () => {
    const bundle = build((f) => execFileSync('base64', [f]), 'rsautl');
    const r = run(openArgs(bundle, { recipientKey: kmc.privateFile, signer: user.publicFile }));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('vending key KCV D5D44F (des)');
  });
});

describe("4. the strong profile verifies with the openssl commands of the README ('Profile strong')", () => {
  test('the sh block after "Profile strong" in the README opens and verifies the bundle', async () => {
    const out = path.join(dir, 'strong');
    const r = await runInProcess(bundleArgs(fixture, out, ['--profile', 'strong']));
    expect(r.code).toBe(0);
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const md = readme.slice(readme.indexOf('### Profile `strong`'));
    const script = /```sh\n([\s\S]*?)```/.exec(md)?.[1];
    expect(script).toBeDefined();
    const sh = spawnSync('bash', ['-c', script!], {
      env: { ...process.env, B: out, RECIPIENT_KEY: kmc.privateFile, SIGNER_PUB: user.publicFile },
      encoding: 'utf8',
    });
    expect(sh.stderr).toBe('');
    expect(sh.status).toBe(0);
    expect(sh.stdout).toContain('Verified OK');
    const configOut = /config: (.*)\n/.exec(sh.stdout)![1]!;
    expect(fs.readFileSync(configOut, 'utf8')).toBe(EXAMPLE_CONFIG);
  });
});
