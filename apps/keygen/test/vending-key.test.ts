// sts-keygen vending-key generate | components | combine, run as real processes with stdin piped.
// Expected KCVs: key-ceremony.md (0123456789ABCDEF → D5D44F) and node:crypto, never sts-crypto.
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { desKcv, hmacKcv, keygen, keygenInProcess, keyOfFile, tempDir, xorHex } from './ceremony-helpers.ts';

const SLOW = { timeout: 60_000 }; // real processes on a shared 2-core machine

const KEY = '0123456789ABCDEF'; // key-ceremony.md: KCV D5D44F
const C1 = '1111111111111111';
const C2 = xorHex(KEY, C1); // 1032547698BADCFE

function oddParity(hex: string): boolean {
  return Buffer.from(hex, 'hex').every((b) => b.toString(2).split('1').length % 2 === 0);
}

describe('the KCV oracle used by these tests', () => {
  test('gives the documented KCV of 0123456789ABCDEF', () => {
    expect(desKcv(KEY)).toBe('D5D44F');
  });
});

describe('vending-key generate', SLOW, () => {
  test.each([
    { dkga: '02', hexLength: 16, method: 'des' },
    { dkga: '04', hexLength: 40, method: 'hmac-sha256' },
  ])('DKGA$dkga: a 0600 hex key file and its KCV with the method', async ({ dkga, hexLength, method }) => {
    const dir = tempDir();
    const out = path.join(dir, 'vending.key');
    const r = await keygen(['vending-key', 'generate', '--dkga', dkga, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const key = keyOfFile(readFileSync(out, 'utf8'));
    expect(key).toMatch(new RegExp(`^[0-9A-F]{${hexLength}}$`));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ ok: true, dkga, kcvMethod: method, out });
    expect(json.kcv).toBe(dkga === '02' ? desKcv(key) : hmacKcv(key));
    expect(r.stdout).not.toContain(key);
    if (dkga === '02') {
      expect(oddParity(key)).toBe(true);
      expect(json.parity).toBe('odd');
    }
  });

  test('text output names the KCV method and says that parity was set', async () => {
    const out = path.join(tempDir(), 'k');
    const r = await keygenInProcess(['vending-key', 'generate', '--dkga', '02', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^vending key written to .* \(DKGA02, 64-bit DES key, odd parity set\)\nKCV [0-9A-F]{6} \(des\)\n$/,
    );
  });

  test('never overwrites a file', async () => {
    const out = path.join(tempDir(), 'k');
    expect((await keygenInProcess(['vending-key', 'generate', '--dkga', '02', '--out', out])).code).toBe(0);
    const before = readFileSync(out, 'utf8');
    const r = await keygenInProcess(['vending-key', 'generate', '--dkga', '02', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: ${out} already exists (never overwritten)\n`);
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  test.each([
    { args: ['--dkga', '03', '--out', 'x'], error: "--dkga must be 02 or 04, got '03'" },
    { args: ['--out', 'x'], error: '--dkga is required (02 for a 64-bit DES key, 04 for a 160-bit key)' },
    { args: ['--dkga', '02'], error: '--out is required' },
    {
      args: ['--dkga', '02', '--out', 'x', '--seed', 'abc'],
      error: '--seed is only allowed with --rehearsal (real keys need real randomness)',
    },
  ])('usage error: $error', async ({ args, error }) => {
    const dir = tempDir();
    const r = await keygenInProcess([
      'vending-key',
      'generate',
      ...args.map((a) => (a === 'x' ? path.join(dir, 'x') : a)),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`sts-keygen: ${error}\n`);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });

  test('a rehearsal with a seed is repeatable and marked REHEARSAL', async () => {
    const [a, b] = [path.join(tempDir(), 'k'), path.join(tempDir(), 'k')];
    for (const out of [a, b]) {
      const r = await keygenInProcess([
        'vending-key',
        'generate',
        '--dkga',
        '04',
        '--out',
        out,
        '--rehearsal',
        '--seed',
        's1',
      ]);
      expect(r.code).toBe(0);
    }
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).toMatch(/^# REHEARSAL: not a production key\n[0-9A-F]{40}\n$/);
  });
});

/** stdin for `combine`: component, KCV, component, KCV… one per line. */
function lines(...items: string[]): string {
  return `${items.join('\n')}\n`;
}

describe('vending-key combine', SLOW, () => {
  test('right components and KCVs give the XOR key, its KCV, and a 0600 file', async () => {
    const out = path.join(tempDir(), 'combined.key');
    const r = await keygen(['vending-key', 'combine', '--components', '2', '--dkga', '02', '--out', out], {
      input: lines(C1, desKcv(C1), C2, desKcv(C2)),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        `component 1 of 2: KCV ${desKcv(C1)} (des) confirmed`,
        `component 2 of 2: KCV ${desKcv(C2)} (des) confirmed`,
        'combined key (DKGA02, 64-bit DES key, odd parity set): KCV D5D44F (des)',
        `combined key written to ${out}`,
        '',
      ].join('\n'),
    );
    expect(readFileSync(out, 'utf8')).toBe(`${KEY}\n`);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  test('three DKGA04 components with spaces and CRLF, --json', async () => {
    const parts = ['11'.repeat(20), '2233'.repeat(10), 'A5'.repeat(20)];
    const key = xorHex(xorHex(parts[0]!, parts[1]!), parts[2]!);
    const spaced = (h: string) => h.replace(/(.{4})/g, '$1 ').toLowerCase();
    const input = parts.map((p) => `${spaced(p)}\r\n${hmacKcv(p).toLowerCase()}\r\n`).join('');
    const r = await keygenInProcess(
      ['vending-key', 'combine', '--components', '3', '--dkga', '04', '--json'],
      { input },
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.kcv).toBe(hmacKcv(key));
    expect(json.kcvMethod).toBe('hmac-sha256');
    expect(json.components.map((c: { kcv: string }) => c.kcv)).toEqual(parts.map(hmacKcv));
    expect(r.stdout + r.stderr).not.toMatch(/1111|2233|A5A5|a5a5/i);
  });

  test('a wrong KCV: exit 1 naming the custodian, nothing written', async () => {
    const out = path.join(tempDir(), 'combined.key');
    const r = await keygen(['vending-key', 'combine', '--components', '2', '--dkga', '02', '--out', out], {
      input: lines(C1, desKcv(C1), C2, 'ABCDEF'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'sts-keygen: custodian 2: the component does not match the KCV ABCDEF (des): re-enter it; nothing was written\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  test.each([
    {
      name: 'a duplicate component',
      input: lines(C1, desKcv(C1), C1, desKcv(C1)),
      error: 'component 2 is the same as component 1: each custodian must bring a different component',
    },
    {
      name: 'a duplicate that differs only in parity bits',
      input: lines(C1, desKcv(C1), '1010101010101010', desKcv('1010101010101010')),
      error: 'component 2 is the same as component 1: each custodian must bring a different component',
    },
    {
      name: 'an all-zero component',
      input: lines('0000000000000000', desKcv('0000000000000000'), C2, desKcv(C2)),
      error: 'component 1 is all zeros (parity bits aside): refused',
    },
    {
      name: 'a combined DES weak key',
      input: lines(
        KEY,
        desKcv(KEY),
        xorHex(KEY, '1F1F1F1F0E0E0E0E'),
        desKcv(xorHex(KEY, '1F1F1F1F0E0E0E0E')),
      ),
      error: 'the combined key is a DES weak key: refused (generate new components)',
    },
    {
      name: 'a combined DES semi-weak key',
      input: lines(
        KEY,
        desKcv(KEY),
        xorHex(KEY, '01FE01FE01FE01FE'),
        desKcv(xorHex(KEY, '01FE01FE01FE01FE')),
      ),
      error: 'the combined key is a DES semi-weak key: refused (generate new components)',
    },
    {
      name: 'a short component',
      input: lines(C1, desKcv(C1), '12345678901234', 'ABCDEF'),
      error: 'component 2 must be 16 hex digits (8 bytes) for DKGA02, got 14',
    },
    {
      name: 'a component that is not hex',
      input: lines('01234567890123XZ'),
      error: 'component 1: not hex (only 0-9, A-F and spaces)',
    },
    { name: 'missing lines', input: lines(C1, desKcv(C1)), error: 'not enough lines on standard input' },
  ])('refuses $name (exit 2, exact message, no file)', async ({ input, error }) => {
    const out = path.join(tempDir(), 'combined.key');
    const r = await keygenInProcess(
      ['vending-key', 'combine', '--components', '2', '--dkga', '02', '--out', out],
      { input },
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toBe(`sts-keygen: ${error}`);
    expect(r.stderr).not.toContain('XZ');
    expect(existsSync(out)).toBe(false);
  });

  test('regression: a component typed where its KCV belongs is not echoed in the error', async () => {
    const r = await keygenInProcess(['vending-key', 'combine', '--components', '2', '--dkga', '02'], {
      input: lines(C1, C2),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'sts-keygen: custodian 1: the KCV must be 6 hex digits, got 16 character(s)',
    );
    expect(r.stderr).not.toContain(C2.slice(0, 6));
  });

  test('the KCV of each accepted component is shown as it is confirmed', async () => {
    const r = await keygenInProcess(['vending-key', 'combine', '--components', '2', '--dkga', '02'], {
      input: lines(C1, desKcv(C1), C2, desKcv(C2)),
    });
    expect(r.stderr).toBe(
      `custodian 1 of 2: component accepted, KCV ${desKcv(C1)} (des)\ncustodian 2 of 2: component accepted, KCV ${desKcv(C2)} (des)\n`,
    );
  });
});

describe('vending-key components', SLOW, () => {
  test('without a terminal and without --rehearsal: refused, nothing revealed', async () => {
    const r = await keygen(['vending-key', 'components', '--count', '3', '--dkga', '02', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'usage' } });
    expect(JSON.parse(r.stdout).error.message).toContain('must be a terminal');
    expect(r.stderr).toBe('');
  });

  test('rehearsal: components XOR to the written key; KCVs of each and of the key', async () => {
    const out = path.join(tempDir(), 'k');
    const r = await keygen([
      'vending-key',
      'components',
      '--count',
      '3',
      '--dkga',
      '02',
      '--out',
      out,
      '--rehearsal',
      '--seed',
      'x',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const parts: string[] = json.revealed.map((c: { component: string }) => c.component.replace(/ /g, ''));
    expect(parts).toHaveLength(3);
    for (const [i, p] of parts.entries()) {
      expect(oddParity(p)).toBe(true);
      expect(json.components[i].kcv).toBe(desKcv(p));
      expect(json.revealed[i].kcv).toBe(desKcv(p));
    }
    const key = keyOfFile(readFileSync(out, 'utf8'));
    // The XOR of three odd-parity components has odd parity already; the written key equals it.
    expect(key).toBe(xorHex(xorHex(parts[0]!, parts[1]!), parts[2]!));
    expect(json.kcv).toBe(desKcv(key));
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  test('rehearsal text mode reveals each component with its KCV, then lists only KCVs', async () => {
    const r = await keygenInProcess([
      'vending-key',
      'components',
      '--count',
      '2',
      '--dkga',
      '04',
      '--rehearsal',
    ]);
    expect(r.code).toBe(0);
    const out = r.stdout.split('\n');
    expect(out[0]).toMatch(
      /^REHEARSAL component 1 of 2: ([0-9A-F]{4} ){9}[0-9A-F]{4} {3}KCV [0-9A-F]{6} \(hmac-sha256\)$/,
    );
    expect(out[3]).toMatch(/^component 1 of 2: KCV [0-9A-F]{6} \(hmac-sha256\)$/);
    expect(out[5]).toMatch(/^combined key \(DKGA04, 160-bit key\): KCV [0-9A-F]{6} \(hmac-sha256\)$/);
  });
});
