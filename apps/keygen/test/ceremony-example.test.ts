// examples/ceremony.yml run in REHEARSAL from a clean folder (issue 13): components → key → config →
// upload bundle → shares; every output marked REHEARSAL inside; `ceremony verify` accepts it and names tampering.

import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { keygen } from './ceremony-helpers.ts';
import { tempDir } from './cli-helpers.ts';

const EXAMPLE = fileURLToPath(new URL('../examples/ceremony.yml', import.meta.url));
const SLOW = { timeout: 120_000 };

let dir: string;
let out: string;
let kmcPrivate: string;
let transcript: string;
let run: Awaited<ReturnType<typeof keygen>>;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const read = (rel: string): string => fs.readFileSync(path.join(out, rel), 'utf8');

beforeAll(async () => {
  dir = tempDir();
  out = path.join(dir, 'out');
  fs.copyFileSync(EXAMPLE, path.join(dir, 'ceremony.yml'));
  // The KMC's pair: the ceremony gets only its public half, as kmc_public.pub next to the file.
  const kmc = generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, 'kmc_public.pub'), kmc.publicKey.export({ type: 'spki', format: 'pem' }));
  kmcPrivate = path.join(dir, 'kmc_key.pem');
  fs.writeFileSync(kmcPrivate, kmc.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  run = await keygen(['ceremony', 'run', 'ceremony.yml', '--rehearsal', '--yes'], { cwd: dir });
  transcript = path.join(out, 'REHEARSAL-transcript.jsonl');
}, 120_000);

describe('examples/ceremony.yml in rehearsal', SLOW, () => {
  test('runs its seven steps from components to verified shares', () => {
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('step '))).toEqual([
      'step 1 of 7: vending-key components (each custodian sees one component on the terminal; only KCVs are recorded)',
      'step 2 of 7: config new (the STS configuration carrying the new vending key)',
      'step 3 of 7: config check',
      "step 4 of 7: rsa (the utility's RSA-4096 pair that signs the upload)",
      'step 5 of 7: bundle (the Nectar upload bundle, encrypted for the KMC)',
      'step 6 of 7: shares split (a 2-of-3 backup of the vending key)',
      'step 7 of 7: shares verify',
    ]);
    expect(fs.readdirSync(out).sort()).toEqual([
      'REHEARSAL-bundle',
      'REHEARSAL-shares',
      'REHEARSAL-signer',
      'REHEARSAL-sts_config.yml',
      'REHEARSAL-summary.txt',
      'REHEARSAL-transcript.jsonl',
      'REHEARSAL-vending.key',
    ]);
  });

  test('every output whose format has room says REHEARSAL inside, not only in its name', () => {
    expect(read('REHEARSAL-vending.key')).toMatch(/^# REHEARSAL: not a production key\n[0-9A-F]{16}\n$/);
    expect(read('REHEARSAL-sts_config.yml')).toMatch(
      /^---\n# REHEARSAL: not a production configuration\nname: /,
    );
    expect(read('REHEARSAL-signer/key.pem')).toMatch(
      /^# REHEARSAL: not a production key\n-----BEGIN PRIVATE KEY-----\n/,
    );
    expect(read('REHEARSAL-signer/public.pub')).toMatch(
      /^# REHEARSAL: not a production key\n-----BEGIN PUBLIC KEY-----\n/,
    );
    // The mark sits above the PEM block, where openssl reads past it.
    const pem = path.join(out, 'REHEARSAL-signer/key.pem');
    const text = execFileSync('openssl', ['pkey', '-in', pem, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('Private-Key: (4096 bit, 2 primes)');
    expect(read('REHEARSAL-shares/share-1-of-3.txt')).toContain('# REHEARSAL: not a production share\n');
    expect(read('REHEARSAL-summary.txt')).toMatch(/^=+\nREHEARSAL: STS KEY CEREMONY SUMMARY/);
    for (const secret of ['REHEARSAL-vending.key', 'REHEARSAL-sts_config.yml', 'REHEARSAL-signer/key.pem']) {
      expect(fs.statSync(path.join(out, secret)).mode & 0o777).toBe(0o600);
    }
  });

  test('the KMC opens the bundle: the configuration of step 2, marked REHEARSAL, same KCV as the key', async () => {
    const received = path.join(dir, 'received.yml');
    const r = await keygen([
      ...['bundle', 'open', '--dir', path.join(out, 'REHEARSAL-bundle'), '--recipient-key', kmcPrivate],
      ...['--signer', path.join(out, 'REHEARSAL-signer', 'public.pub'), '--out', received],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REHEARSAL: the configuration inside is not a production configuration\n/);
    expect(fs.readFileSync(received, 'utf8')).toBe(read('REHEARSAL-sts_config.yml'));
    const kcv = /combined key: KCV ([0-9A-F]{6}) \(des\)/.exec(run.stdout)?.[1];
    expect(r.stdout).toContain(`vending key KCV ${kcv} (des)`);
  });

  test('ceremony verify --files accepts the transcript and prints the head the summary shows', async () => {
    const r = await keygen([
      'ceremony',
      'verify',
      transcript,
      '--files',
      '--ceremony',
      path.join(dir, 'ceremony.yml'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = fs.readFileSync(transcript, 'utf8').trimEnd().split('\n');
    const head = sha256(lines.at(-1)!);
    expect(read('REHEARSAL-summary.txt')).toContain(`head of chain:   ${head}`);
    expect(r.stdout.split('\n')).toEqual([
      `${transcript}: chain intact, ${lines.length} entries (REHEARSAL)`,
      `head of chain: ${head} (${lines.length} entries)`,
      'ceremony: SGC 123456 vending key ceremony: completed',
      `ceremony file ${path.join(dir, 'ceremony.yml')}: SHA-256 as recorded`,
      expect.stringMatching(/^files: \d+ checked, every SHA-256 as recorded$/),
      '',
    ]);
  });
});

describe('ceremony verify names what was tampered with', SLOW, () => {
  /** Write `lines` as a transcript beside the real one and verify it (exit code and stderr). */
  async function verifyTampered(name: string, lines: string[], extra: string[] = []) {
    const file = path.join(out, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return { file, r: await keygen(['ceremony', 'verify', file, ...extra]) };
  }
  const original = (): string[] => fs.readFileSync(transcript, 'utf8').trimEnd().split('\n');

  test('one edited byte in a line: the next line names it', async () => {
    const lines = original();
    const k = lines.findIndex((l) => l.includes('"event":"file"')); // 0-based
    const at = lines[k]!.indexOf('"sha256":"') + 10;
    const c = lines[k]![at] === '0' ? '1' : '0';
    lines[k] = lines[k]!.slice(0, at) + c + lines[k]!.slice(at + 1);
    const { file, r } = await verifyTampered('edited.jsonl', lines);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[1]).toBe(
      `sts-keygen: ${file} does not verify: line ${k + 2}: prev is not the SHA-256 of line ${k + 1} (line ${k + 1} was altered)`,
    );
  });

  test('a deleted line', async () => {
    const lines = original();
    lines.splice(4, 1); // line 5
    const { file, r } = await verifyTampered('deleted.jsonl', lines);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[1]).toBe(
      `sts-keygen: ${file} does not verify: line 5: seq is 5, expected 4 (a line before it was removed, inserted or moved)`,
    );
  });

  test('two swapped lines', async () => {
    const lines = original();
    [lines[6], lines[7]] = [lines[7]!, lines[6]!]; // lines 7 and 8
    const { file, r } = await verifyTampered('swapped.jsonl', lines);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[1]).toBe(
      `sts-keygen: ${file} does not verify: line 7: seq is 7, expected 6 (a line before it was removed, inserted or moved)`,
    );
  });

  test('the last line cut off: the end is missing', async () => {
    const { file, r } = await verifyTampered('cut.jsonl', original().slice(0, -1));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `sts-keygen: ${file} does not verify: line ${original().length - 1}: the transcript ends without ceremony-done or ceremony-failed (lines are missing at its end)`,
    );
  });

  test('a changed output file, with --files (and the intact transcript otherwise verifies)', async () => {
    const share = path.join(out, 'REHEARSAL-shares', 'share-3-of-3.txt');
    const before = fs.readFileSync(share);
    try {
      fs.appendFileSync(share, '# a note\n');
      const plain = await keygen(['ceremony', 'verify', transcript]);
      expect(plain.code).toBe(0);
      const r = await keygen(['ceremony', 'verify', transcript, '--files']);
      expect(r.code).toBe(1);
      const lines = original();
      const line =
        lines.findLastIndex((l) => l.includes('"path":"out/REHEARSAL-shares/share-3-of-3.txt"')) + 1;
      const recorded = sha256(before);
      const now = sha256(fs.readFileSync(share));
      expect(r.stderr.split('\n')[1]).toBe(
        `sts-keygen: ${transcript} does not verify: out/REHEARSAL-shares/share-3-of-3.txt: SHA-256 ${now} is not the ${recorded} of line ${line} (the file changed)`,
      );
    } finally {
      fs.writeFileSync(share, before);
    }
  });

  test('--ceremony with another ceremony file', async () => {
    const other = path.join(dir, 'other.yml');
    fs.writeFileSync(other, `${fs.readFileSync(path.join(dir, 'ceremony.yml'), 'utf8')}# edited\n`);
    const r = await keygen(['ceremony', 'verify', transcript, '--ceremony', other]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[1]).toMatch(
      new RegExp(
        `does not verify: ceremony file ${other}: SHA-256 [0-9a-f]{64} is not the [0-9a-f]{64} of line 1 \\(the file changed\\)$`,
      ),
    );
  });
});
