// `sts-keygen rsa`: a real RSA-4096 pair, checked with openssl; modes; never overwrites; passphrase.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_CONFIG, run, tempDir } from './cli-helpers.ts';

let dir: string;
let out: string;
let first: ReturnType<typeof run>;
beforeAll(() => {
  dir = tempDir();
  out = path.join(dir, 'keys');
  first = run(['rsa', '--out', out, '--json']);
}, 60_000);

describe('rsa', () => {
  test('writes key.pem (0600) and public.pub (0644), RSA-4096 e=65537 as openssl reads them', () => {
    expect(first.code).toBe(0);
    const key = path.join(out, 'key.pem');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(out, 'public.pub')).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const text = execFileSync('openssl', ['pkey', '-in', key, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('Private-Key: (4096 bit, 2 primes)');
    expect(text).toContain('publicExponent: 65537 (0x10001)');
  });

  test('the fingerprint is openssl dgst -sha256 -c of the DER public key', () => {
    const der = execFileSync('openssl', [
      'pkey',
      '-pubin',
      '-in',
      path.join(out, 'public.pub'),
      '-outform',
      'DER',
    ]);
    const expected = execFileSync('openssl', ['dgst', '-sha256', '-c'], { input: der, encoding: 'utf8' })
      .trim()
      .split('= ')[1];
    expect(JSON.parse(first.stdout).fingerprint).toBe(expected);
  });

  test('never overwrites: a second run into the same directory → exit 2, files unchanged', () => {
    const before = fs.readFileSync(path.join(out, 'key.pem'));
    const r = run(['rsa', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: ${path.join(out, 'key.pem')} already exists (never overwritten)\n`);
    expect(fs.readFileSync(path.join(out, 'key.pem')).equals(before)).toBe(true);
  });

  test('--passphrase-file: an encrypted PKCS#8 key that openssl opens with the passphrase', () => {
    const pass = path.join(dir, 'pass.txt');
    fs.writeFileSync(pass, 'correct horse battery staple\n');
    const o = path.join(dir, 'enc');
    const r = run(['rsa', '--out', o, '--passphrase-file', pass]);
    expect(r.code).toBe(0);
    const key = path.join(o, 'key.pem');
    expect(fs.readFileSync(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const text = execFileSync('openssl', ['pkey', '-in', key, '-passin', `file:${pass}`, '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text).toContain('Private-Key: (4096 bit, 2 primes)');
    // The bundle command needs the passphrase for it, and names a wrong one.
    const cfg = path.join(dir, 'c.yml');
    fs.writeFileSync(cfg, EXAMPLE_CONFIG);
    const wrong = path.join(dir, 'wrong.txt');
    fs.writeFileSync(wrong, 'nope\n');
    const bundle = [
      'bundle',
      '--config',
      cfg,
      '--signing-key',
      key,
      '--recipient',
      path.join(o, 'public.pub'),
      '--out',
      path.join(dir, 'b'),
    ];
    const noPass = run(bundle);
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toBe(
      `sts-keygen: signing key ${key} is encrypted: give its passphrase with --passphrase-file\n`,
    );
    const wrongPass = run([...bundle, '--passphrase-file', wrong]);
    expect(wrongPass.code).toBe(2);
    expect(wrongPass.stderr).toBe(`sts-keygen: cannot decrypt signing key ${key}: wrong passphrase\n`);
    const rightPass = run([...bundle, '--passphrase-file', pass]);
    expect(rightPass.code).toBe(0);
  }, 60_000);

  test('a missing passphrase file: exit 2 before any key is generated', () => {
    const o = path.join(dir, 'nopass');
    const r = run(['rsa', '--out', o, '--passphrase-file', path.join(dir, 'missing.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `sts-keygen: cannot read passphrase file ${path.join(dir, 'missing.txt')}: no such file or directory\n`,
    );
    expect(fs.existsSync(o)).toBe(false);
  });
});
