// sts-keygen ceremony plan | run on a sample ceremony file: strict YAML errors with lines, a seeded
// rehearsal whose transcript chain verifies (checked here with node:crypto), file hashes, KCVs, no secret.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { desKcv, keygen, keygenInProcess, keyOfFile, tempDir } from './ceremony-helpers.ts';

const SLOW = { timeout: 90_000 }; // real processes on a shared 2-core machine

const SAMPLE = `# Sample ceremony: a DKGA02 vending key, backed up 2-of-3, recovered as a check.
title: SGC 123456 vending key ceremony
roles:
  - name: Ann Admin
    role: administrator
  - name: Carl Custodian
    role: custodian
  - name: Wendy Witness
    role: witness
transcript: out/transcript.jsonl
summary: out/summary.txt
steps:
  - command: vending-key generate
    note: the new vending key
    args:
      dkga: 02
      out: out/vending.key
  - command: shares split
    args:
      in: out/vending.key
      threshold: 2
      shares: 3
      out: out/shares
      label: SGC 123456 vending key
  - command: shares verify
    args:
      files: [out/shares/share-1-of-3.txt, out/shares/share-2-of-3.txt, out/shares/share-3-of-3.txt]
  - command: shares combine
    args:
      files: [out/shares/share-1-of-3.txt, out/shares/share-3-of-3.txt]
      out: out/recovered.key
`;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function sample(text = SAMPLE): { dir: string; file: string } {
  const dir = tempDir();
  const file = path.join(dir, 'ceremony.yml');
  writeFileSync(file, text);
  return { dir, file };
}

describe('ceremony plan', SLOW, () => {
  test('prints the plan and the SHA-256 of the file, touches nothing', async () => {
    const { dir, file } = sample();
    const r = await keygen(['ceremony', 'plan', 'ceremony.yml'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`SHA-256: ${sha256(readFileSync(file))}\n`);
    expect(r.stdout).toContain(
      '  1. sts-keygen vending-key generate --dkga 02 --out out/vending.key   # the new vending key\n',
    );
    expect(r.stdout).toContain('     writes out/shares/share-3-of-3.txt (secret, 0600)\n');
    expect(r.stdout).toContain('  Wendy Witness (witness)\n');
    expect(r.stdout).toContain('plan OK: 4 step(s) checked, nothing touched\n');
    expect(readdirSync(dir)).toEqual(['ceremony.yml']);
  });

  test('strict YAML: unknown keys, bad values and missing fields, all at once with lines', async () => {
    const bad = SAMPLE.replace('title: SGC', 'titel: SGC')
      .replace('    role: witness', '    role: witness\n    email: w@example.org')
      .replace('      dkga: 02', '      dkga: 03')
      .replace('      threshold: 2', '      threshold: 4')
      .replace('command: shares verify', 'command: shares check');
    const { file } = sample(bad);
    const r = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `sts-keygen: ${file}:`,
        'sts-keygen: titel: unknown key (expected one of title, roles, transcript, summary, steps) (line 2)',
        'sts-keygen: title: missing (line 2)',
        'sts-keygen: roles[2].email: unknown key (expected one of name, role) (line 10)',
        'sts-keygen: steps[0].args.dkga: must be "02" or "04" (line 17)',
        'sts-keygen: steps[1].args.threshold: must not exceed shares (line 19)',
        "sts-keygen: steps[2].command: unknown command 'shares check' (expected one of config check, config new, rsa, bundle, bundle open, vending-key generate, vending-key components, vending-key combine, shares split, shares verify, shares combine) (line 26)",
        '',
      ].join('\n'),
    );
  });

  test.each([
    {
      name: 'a duplicate key',
      edit: (t: string) => t.replace('summary: out/summary.txt', 'summary: out/summary.txt\nsummary: x'),
      error: '(yaml): duplicate key (line 12)',
    },
    {
      name: 'a trailing document',
      edit: (t: string) => `${t}---\ntitle: another\n`,
      error: '(file): has a second YAML document: one ceremony per file (line 32)',
    },
    {
      name: 'an alias',
      edit: (t: string) => t.replace('out: out/recovered.key', 'out: &r out/recovered.key\n      x: *r'),
      error: '(yaml): aliases (*name) are not allowed: write every value out (line 32)',
    },
  ])('strict YAML: $name', async ({ edit, error }) => {
    const { file } = sample(edit(SAMPLE));
    const r = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[1]).toBe(`sts-keygen: ${error}`);
  });

  test.each([
    {
      name: 'an input nobody writes',
      edit: (t: string) => t.replace('in: out/vending.key', 'in: out/other.key'),
      error: (dir: string) =>
        `steps[1].args: ${dir}/out/other.key is not a readable file, and no earlier step writes it (line 18)`,
    },
    {
      name: 'an output written twice',
      edit: (t: string) => t.replace('out: out/recovered.key', 'out: out/vending.key'),
      error: (dir: string) =>
        `steps[3].args: ${dir}/out/vending.key is also written by step 1 (vending-key generate) (line 28)`,
    },
    {
      name: 'an input that is its own output',
      edit: (t: string) => t.replace('out: out/recovered.key', 'out: out/shares/share-1-of-3.txt'),
      error: (dir: string) =>
        `steps[3].args: ${dir}/out/shares/share-1-of-3.txt is both read and written (line 28)`,
    },
  ])('paths: $name', async ({ edit, error }) => {
    const { dir, file } = sample(edit(SAMPLE));
    const r = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toContain(`sts-keygen: ${error(dir)}`);
  });

  test('an output that exists already is refused', async () => {
    const { dir, file } = sample();
    writeFileSync(path.join(dir, 'summary-exists'), '');
    const r = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r.code).toBe(0);
    const { file: file2 } = sample(SAMPLE.replace('summary: out/summary.txt', 'summary: ceremony.yml'));
    const r2 = await keygenInProcess(['ceremony', 'plan', file2]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('summary: is the ceremony file itself');
  });
});

describe('ceremony run --rehearsal --seed', SLOW, () => {
  test('runs every step; the transcript chain verifies, logs file hashes and KCVs, never the secret', async () => {
    const { dir, file } = sample();
    const r = await keygen(
      ['ceremony', 'run', 'ceremony.yml', '--rehearsal', '--seed', 'dry-run-1', '--yes'],
      { cwd: dir },
    );
    expect(r.stderr).toMatch(/^step 1 of 4: vending-key generate \(the new vending key\)\n/);
    expect(r.code).toBe(0);
    const out = path.join(dir, 'out');
    // Every output is stamped REHEARSAL in its name; secrets are 0600.
    expect(readdirSync(out).sort()).toEqual([
      'REHEARSAL-recovered.key',
      'REHEARSAL-shares',
      'REHEARSAL-summary.txt',
      'REHEARSAL-transcript.jsonl',
      'REHEARSAL-vending.key',
    ]);
    const keyFile = path.join(out, 'REHEARSAL-vending.key');
    const keyText = readFileSync(keyFile, 'utf8');
    expect(keyText).toMatch(/^# REHEARSAL: not a production key\n[0-9A-F]{16}\n$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = keyOfFile(keyText);
    expect(readFileSync(path.join(out, 'REHEARSAL-recovered.key'), 'utf8')).toBe(keyText);
    const share = readFileSync(path.join(out, 'REHEARSAL-shares', 'share-2-of-3.txt'), 'utf8');
    expect(share).toContain('# REHEARSAL: not a production share\n');
    expect(share).toContain('rehearsal: yes\n');
    expect(statSync(path.join(out, 'REHEARSAL-shares', 'share-2-of-3.txt')).mode & 0o777).toBe(0o600);

    const transcriptText = readFileSync(path.join(out, 'REHEARSAL-transcript.jsonl'), 'utf8');
    const lines = transcriptText.trimEnd().split('\n');
    let prev = '0'.repeat(64);
    const entries = lines.map((line, i) => {
      const entry = JSON.parse(line);
      expect(entry.seq).toBe(i);
      expect(entry.prev).toBe(prev);
      prev = sha256(line);
      return entry;
    });
    expect(entries[0]).toMatchObject({
      event: 'ceremony-start',
      tool: 'sts-keygen 0.1.0',
      title: 'SGC 123456 vending key ceremony',
      ceremonySha256: sha256(readFileSync(file)),
      rehearsal: true,
      seedSha256: sha256('dry-run-1'),
    });
    expect(entries.at(-1).event).toBe('ceremony-done');
    const written = entries.filter((e) => e.event === 'file' && e.op === 'write');
    expect(written.find((e) => e.path === 'out/REHEARSAL-vending.key')?.sha256).toBe(sha256(keyText));
    expect(written.map((e) => e.path)).toContain('out/REHEARSAL-shares/share-3-of-3.txt');
    const read = entries.filter((e) => e.event === 'file' && e.op === 'read').map((e) => e.path);
    expect(read).toEqual(
      expect.arrayContaining(['out/REHEARSAL-vending.key', 'out/REHEARSAL-shares/share-1-of-3.txt']),
    );
    const done = entries.filter((e) => e.event === 'step-done');
    expect(done.map((e) => e.command)).toEqual([
      'vending-key generate',
      'shares split',
      'shares verify',
      'shares combine',
    ]);
    expect(done[0].result).toMatchObject({ kcv: desKcv(key), kcvMethod: 'des' });
    expect(done[3].result).toMatchObject({ kcv: desKcv(key) });
    expect(transcriptText.toUpperCase()).not.toContain(key);
    expect(transcriptText).not.toContain('dry-run-1');

    const summary = readFileSync(path.join(out, 'REHEARSAL-summary.txt'), 'utf8');
    expect(summary).toMatch(/^=+\nREHEARSAL: STS KEY CEREMONY SUMMARY/);
    expect(summary).toContain(`key: KCV ${desKcv(key)} (des)`);
    expect(summary).toContain(`head of chain:   ${prev}`);
    expect(summary).toMatch(/Ann Admin \(administrator\) +signature _+ {2}date _+/);
    expect(summary).toMatch(/Wendy Witness \(witness\) +signature _+ {2}date _+/);
    expect(summary.toUpperCase()).not.toContain(key);
    expect(r.stdout.toUpperCase()).not.toContain(key);

    // The same seed gives the same key in another directory (deterministic dry runs).
    const again = sample();
    const r2 = await keygen(
      ['ceremony', 'run', 'ceremony.yml', '--rehearsal', '--seed', 'dry-run-1', '--yes'],
      { cwd: again.dir },
    );
    expect(r2.code).toBe(0);
    expect(readFileSync(path.join(again.dir, 'out', 'REHEARSAL-vending.key'), 'utf8')).toBe(keyText);
  });

  test('a seed without --rehearsal is a usage error; nothing is written', async () => {
    const { dir, file } = sample();
    const r = await keygenInProcess(['ceremony', 'run', file, '--seed', 'x', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'sts-keygen: --seed is only allowed with --rehearsal (real keys need real randomness)\n',
    );
    expect(readdirSync(dir)).toEqual(['ceremony.yml']);
  });

  test('without a terminal and without --yes: refused before anything is written', async () => {
    const { dir, file } = sample();
    const r = await keygenInProcess(['ceremony', 'run', file, '--rehearsal']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sts-keygen: no terminal to confirm the steps on: pass --yes for a scripted run\n');
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('a failing step stops the ceremony with its exit code; the transcript and summary record it', async () => {
    const text = SAMPLE.replace(
      'files: [out/shares/share-1-of-3.txt, out/shares/share-3-of-3.txt]',
      'files: [out/shares/share-1-of-3.txt]',
    );
    const { dir, file } = sample(text);
    const r = await keygenInProcess(['ceremony', 'run', file, '--rehearsal', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sts-keygen: step 4 \(shares combine\): need 2 shares of set [0-9A-F]{16}, got 1: 1 more is missing\n$/,
    );
    const out = path.join(dir, 'out');
    expect(existsSync(path.join(out, 'REHEARSAL-recovered.key'))).toBe(false);
    const entries = readFileSync(path.join(out, 'REHEARSAL-transcript.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries.at(-2)).toMatchObject({ event: 'step-failed', step: 4, exitCode: 2 });
    expect(entries.at(-1)).toMatchObject({ event: 'ceremony-failed', exitCode: 2 });
    expect(readFileSync(path.join(out, 'REHEARSAL-summary.txt'), 'utf8')).toContain(
      'Result:         FAILED: step 4 (shares combine)',
    );
  });
});
