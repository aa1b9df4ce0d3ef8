// The state file survives a crash at any point: stale temp files are ignored, a killed writer leaves
// the old or the new state, never a torn one; files are 0600 and created exclusively.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from 'sts-cli-kit';
import { hexToBytes } from 'sts-crypto';
import { expect, test } from 'vitest';
import { Meter } from '../src/meter.ts';
import { createStateFile, loadMeter, saveMeter } from '../src/state-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'sts-meter-state-'));

function meter(): Meter {
  return Meter.create({
    key: { decoderKey: hexToBytes('0ABC12DEF3456789'), encryptionAlgorithm: 'sta', baseDate: 1993 },
    drn: '00000000000',
    now: new Date('1996-01-01T00:00:00Z'),
  });
}

test('create is exclusive and 0600; save replaces atomically; load gives the same meter', async () => {
  const path = join(dir, 'a.json');
  const m = meter();
  await createStateFile(path, m);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  await expect(createStateFile(path, m)).rejects.toThrow(`cannot write state file ${path}: already exists`);
  m.enter('29054347139309851356', new Date('1996-03-26T00:00:00Z'));
  await saveMeter(path, m);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect((await loadMeter(path)).stateHash()).toBe(m.stateHash());
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('a stale temp file from a crashed write is ignored: the old state loads', async () => {
  const path = join(dir, 'b.json');
  const m = meter();
  await createStateFile(path, m);
  // what a crash between "write temp" and "rename" leaves behind: a half-written temp file
  writeFileSync(join(dir, '.b.json.12345.abcdef.tmp'), '{"format":"sts-meter-st', { mode: 0o600 });
  expect((await loadMeter(path)).stateHash()).toBe(m.stateHash());
  // and the next save still works beside it
  await saveMeter(path, m);
  expect((await loadMeter(path)).stateHash()).toBe(m.stateHash());
});

test('killing a writer mid-write never leaves a torn state file', async () => {
  const path = join(dir, 'c.json');
  const m = meter();
  await createStateFile(path, m);
  const old = readFileSync(path, 'utf8');
  // A child process that saves a big state over and over; SIGKILL it at a random moment, several times.
  const script = `
    import { writeFileAtomic } from 'sts-cli-kit';
    const big = JSON.stringify({ ...JSON.parse(${JSON.stringify(old)}), padding: 'x'.repeat(2_000_000) });
    process.stdout.write('ready\\n');
    for (;;) await writeFileAtomic(${JSON.stringify(path)}, big);
  `;
  for (let round = 0; round < 3; round++) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((r) => setTimeout(r, 50 + round * 70));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const text = readFileSync(path, 'utf8');
    const parsed = JSON.parse(text); // never torn: always complete JSON
    expect(parsed.format).toBe('sts-meter-state');
    expect((await loadMeter(path)).stateHash()).toBe(m.stateHash());
  }
});

test('errors name the file, one line', async () => {
  await expect(loadMeter(join(dir, 'none.json'))).rejects.toThrow(CliError);
  await expect(loadMeter(join(dir, 'none.json'))).rejects.toThrow(
    `cannot read state file ${join(dir, 'none.json')}: no such file or directory`,
  );
  await expect(saveMeter(join(dir, 'no-such-dir', 'x.json'), meter())).rejects.toThrow(
    `cannot write ${join(dir, 'no-such-dir', 'x.json')}: no such file or directory`,
  );
});
