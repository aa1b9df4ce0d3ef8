// sts-keygen shares split | verify | combine as real processes: every 3-subset of a 3-of-5 split
// recovers the key, too few / mixed / duplicate shares are refused, a one-character typo is caught.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeShare, encodeShare, Share } from 'sts-crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { desKcv, keygen, keygenInProcess, tempDir } from './ceremony-helpers.ts';

const SLOW = { timeout: 60_000 }; // real processes on a shared 2-core machine

const KEY = '0123456789ABCDEF'; // KCV D5D44F (key-ceremony.md)

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first!, ...s]), ...subsets(rest, k)];
}

/** Split KEY 3-of-5 into `dir/shares`; returns the share file paths. */
async function splitKey(
  dir: string,
  run: typeof keygen = keygen,
): Promise<{ files: string[]; json: Record<string, unknown> }> {
  const keyFile = path.join(dir, 'vending.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
  const out = path.join(dir, 'shares');
  const r = await run([
    'shares',
    'split',
    '--threshold',
    '3',
    '--shares',
    '5',
    '--in',
    keyFile,
    '--out',
    out,
    '--label',
    'SGC 123456',
    '--json',
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return {
    files: [1, 2, 3, 4, 5].map((i) => path.join(out, `share-${i}-of-5.txt`)),
    json: JSON.parse(r.stdout),
  };
}

/** `shares split …options --in <tmp>/k --out <tmp>/shares` in-process, `k` holding keyHex. */
async function splitInTemp(
  keyHex: string,
  options: string[],
): Promise<{ r: Awaited<ReturnType<typeof keygenInProcess>>; keyFile: string; out: string }> {
  const dir = tempDir();
  const keyFile = path.join(dir, 'k');
  const out = path.join(dir, 'shares');
  writeFileSync(keyFile, `${keyHex}\n`);
  const r = await keygenInProcess(['shares', 'split', ...options, '--in', keyFile, '--out', out]);
  return { r, keyFile, out };
}

describe('shares split 3-of-5', SLOW, () => {
  let dir: string;
  let files: string[];
  let json: Record<string, unknown>;
  beforeAll(async () => {
    dir = tempDir();
    ({ files, json } = await splitKey(dir));
  }, 60_000);

  test('writes five 0600 share files carrying the set, M, N, index, label and the key KCV', () => {
    expect(readdirSync(path.join(dir, 'shares')).sort()).toEqual(files.map((f) => path.basename(f)).sort());
    expect(json).toMatchObject({
      ok: true,
      threshold: 3,
      shares: 5,
      kcv: 'D5D44F',
      kcvMethod: 'des',
      subsetsChecked: 10,
      subsetsTotal: 10,
    });
    for (const [i, f] of files.entries()) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
      const text = readFileSync(f, 'utf8');
      expect(text).toMatch(
        new RegExp(
          `^STS-SHARE v1\\nset: ${json.setId}\\nlabel: SGC 123456\\nthreshold: 3\\nshares: 5\\nindex: ${i + 1}\\nkcv: D5D44F des\\n`,
        ),
      );
      expect(text).not.toContain(KEY);
    }
  });

  test('every 3-subset combines to the key', async () => {
    const runs = subsets(files, 3).map(async (set, n) => {
      const out = path.join(dir, `recovered-${n}.key`);
      const r = await keygenInProcess(['shares', 'combine', ...set, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(`${KEY}\n`);
      expect(statSync(out).mode & 0o777).toBe(0o600);
    });
    expect(runs).toHaveLength(10);
    await Promise.all(runs);
  });

  test('all five shares combine too', async () => {
    const out = path.join(dir, 'all.key');
    const r = await keygen(['shares', 'combine', ...files, '--out', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kcv: 'D5D44F', indices: [1, 2, 3, 4, 5] });
  });

  test('two shares are refused, naming how many are missing; nothing written', async () => {
    const out = path.join(dir, 'two.key');
    const r = await keygen(['shares', 'combine', files[0]!, files[3]!, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: need 3 shares of set ${json.setId}, got 2: 1 more is missing\n`);
    expect(existsSync(out)).toBe(false);
  });

  test('the same share twice is refused', async () => {
    const out = path.join(dir, 'dup.key');
    const r = await keygenInProcess(['shares', 'combine', files[0]!, files[0]!, files[1]!, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sts-keygen: share 1 is given twice\n');
    expect(existsSync(out)).toBe(false);
  });

  test('shares of two different sets are refused', async () => {
    const other = tempDir();
    const { files: otherFiles, json: otherJson } = await splitKey(other, keygenInProcess);
    const out = path.join(dir, 'mixed.key');
    const r = await keygenInProcess([
      'shares',
      'combine',
      files[0]!,
      files[1]!,
      otherFiles[2]!,
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `sts-keygen: share 3 belongs to another set: set ${otherJson.setId} instead of ${json.setId}\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  test('verify passes intact shares and catches a one-character typo with its line', async () => {
    const ok = await keygen(['shares', 'verify', ...files]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      `${files[0]}: OK, share 1 of 5 (threshold 3), set ${json.setId}, "SGC 123456", key KCV D5D44F (des)`,
    );
    expect(ok.stdout).toContain('5 share file(s) intact');

    const text = readFileSync(files[1]!, 'utf8');
    const lines = text.split('\n');
    const dataLine = lines.findIndex((l) => l.startsWith('data: '));
    const at = 'data: '.length + 2; // a hex digit of the first group
    const line = lines[dataLine]!;
    const typo = line[at] === '7' ? '8' : '7';
    lines[dataLine] = line.slice(0, at) + typo + line.slice(at + 1);
    const bad = path.join(dir, 'typo.txt');
    writeFileSync(bad, lines.join('\n'));
    const r = await keygen(['shares', 'verify', files[0]!, bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${files[0]}: OK`);
    expect(r.stderr).toBe(
      `sts-keygen: ${bad}: line ${dataLine + 1}, data: line check does not match: a character on this line was mistyped\nsts-keygen: 1 of 2 share file(s) did not verify\n`,
    );
  });

  test('a typo in the index field is caught by the checksum', async () => {
    const bad = path.join(dir, 'typo-index.txt');
    writeFileSync(bad, readFileSync(files[0]!, 'utf8').replace('index: 1', 'index: 4'));
    const r = await keygenInProcess(['shares', 'verify', bad, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toMatch(/line 10, checksum: does not match the fields above/);
  });

  test('a share whose bytes were replaced (with a valid checksum) fails the KCV proof: exit 1, nothing written', async () => {
    const decoded = decodeShare(readFileSync(files[2]!, 'utf8'));
    if (!decoded.ok) throw new Error('share 3 does not decode');
    const data = Uint8Array.from(decoded.share.data);
    data[0] = data[0]! ^ 0x5a; // a wrong share byte, but x coordinate kept
    const forged = path.join(dir, 'forged.txt');
    writeFileSync(forged, encodeShare(new Share(decoded.share.info(), data)));
    const out = path.join(dir, 'forged.key');
    const r = await keygenInProcess(['shares', 'combine', files[0]!, files[1]!, forged, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'sts-keygen: the recovered key does not match the KCV D5D44F (des) in the shares: a share is wrong; nothing written\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  test('combine refuses an output that is one of its inputs', async () => {
    const r = await keygenInProcess([
      'shares',
      'combine',
      files[0]!,
      files[1]!,
      files[2]!,
      '--out',
      files[0]!,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: ${files[0]} is both an input (${files[0]}) and an output\n`);
  });
});

describe('shares split refusals', SLOW, () => {
  test.each([
    { args: ['--threshold', '4', '--shares', '3'], error: '--threshold 4 is more than --shares 3' },
    {
      args: ['--threshold', '1', '--shares', '3'],
      error: "--threshold must be from 2 to 255, got '1'",
    },
    {
      args: ['--threshold', '2', '--shares', '3', '--seed', 'x'],
      error: '--seed is only allowed with --rehearsal (real keys need real randomness)',
    },
    // Regression: the label rule was written three times; split refused C1 controls the encoder took.
    {
      args: ['--threshold', '2', '--shares', '3', '--label', 'SGC \u202Eyek'],
      error: '--label must be 1 to 80 printable characters',
    },
    {
      args: ['--threshold', '2', '--shares', '3', '--label', 'SGC\u0085x'],
      error: '--label must be 1 to 80 printable characters',
    },
    {
      args: ['--threshold', '2', '--shares', '3', '--label', 'x'.repeat(81)],
      error: '--label must be 1 to 80 printable characters',
    },
  ])('$error', async ({ args, error }) => {
    const { r, out } = await splitInTemp(KEY, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: ${error}\n`);
    expect(existsSync(out)).toBe(false);
  });

  test('a key of the wrong length: exit 2, no share directory left behind', async () => {
    const { r, keyFile, out } = await splitInTemp('0123456789ABCD', ['--threshold', '2', '--shares', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `sts-keygen: key file ${keyFile} must hold 8 bytes (DKGA02) or 20 bytes (DKGA04), got 7\n`,
    );
    expect(existsSync(out)).toBe(false);
  });

  test('an existing share file is never overwritten, and nothing else is written', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'k'), `${KEY}\n`);
    const r1 = await keygen(
      ['shares', 'split', '--threshold', '2', '--shares', '3', '--in', 'k', '--out', '.'],
      { cwd: dir },
    );
    expect(r1.code).toBe(0);
    const before = readFileSync(path.join(dir, 'share-2-of-3.txt'), 'utf8');
    const r2 = await keygen(
      ['shares', 'split', '--threshold', '2', '--shares', '3', '--in', 'k', '--out', '.'],
      { cwd: dir },
    );
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe('sts-keygen: share-1-of-3.txt already exists (never overwritten)\n');
    expect(readFileSync(path.join(dir, 'share-2-of-3.txt'), 'utf8')).toBe(before);
  });

  test('a DKGA04 key, 2-of-7 with the sample check (21 subsets, all checked)', async () => {
    const { r } = await splitInTemp('A1'.repeat(20), ['--threshold', '2', '--shares', '7', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      kcvMethod: 'hmac-sha256',
      subsetsChecked: 21,
      subsetsTotal: 21,
    });
  });

  test('more than 500 subsets: a sample of 500 is recombined', async () => {
    const { r } = await splitInTemp(KEY, ['--threshold', '5', '--shares', '12', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kcv: desKcv(KEY), subsetsChecked: 500, subsetsTotal: 792 });
  });
});
