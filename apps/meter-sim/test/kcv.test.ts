// The decoder key's KCV as the meter shows it: sts-crypto's kcvMethodForDecoderKey ('des' for 64-bit keys,
// 'aes-cmac' for MISTY1), the method always beside the value. Expected values come from node:crypto here,
// never from sts-crypto or the meter.
import { createCipheriv } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { Meter } from '../src/meter.ts';
import { config, runMeter, tempDir, VECTORS } from './helpers.ts';

const dir = tempDir('kcv');

/** The CTSA01 decoder key of PAN 600727 00000000000 (sts-reference §13.1). */
const CTSA01_KEY = Buffer.from('E653341F9D5BF36F', 'hex');

/** DES KCV by node:crypto: DES-EDE with K‖K (= single DES under K) of 8 zero bytes, first 3 bytes. */
function desKcv(key: Buffer): string {
  const c = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null).setAutoPadding(false);
  return c.update(Buffer.alloc(8)).subarray(0, 3).toString('hex').toUpperCase();
}

/** AES-CMAC KCV by node:crypto (RFC 4493 for one complete block): AES(K1 XOR 0^128), K1 = dbl(AES(0^128)). */
function aesCmacKcv(key: Buffer): string {
  const aes = (b: Buffer) => createCipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(b);
  const l = aes(Buffer.alloc(16));
  const k1 = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) k1[i] = ((l[i]! << 1) | (i < 15 ? l[i + 1]! >>> 7 : 0)) & 0xff;
  if (l[0]! & 0x80) k1[15] = k1[15]! ^ 0x87;
  return aes(k1).subarray(0, 3).toString('hex').toUpperCase();
}

function vectorConfig(namePrefix: string): Record<string, unknown> {
  const v = VECTORS.find((x) => x.name.startsWith(namePrefix) && x.request.drn === '00000000000');
  if (v?.request.config === undefined) throw new Error(`no ${namePrefix} vector with a configuration`);
  return v.request.config as Record<string, unknown>;
}

function run(...args: string[]) {
  return runMeter(args, dir);
}

describe('CTSA01 meter (vectors/sts-public.json, DRN 00000000000): DES KCV of E653341F9D5BF36F', () => {
  const expected = desKcv(CTSA01_KEY);
  const configFile = join(dir, 'ctsa01.yml');
  const state = join(dir, 'ctsa01.json');

  test('init prints the KCV with its method', () => {
    // The vector's configuration object as a Nectar file: one `key: value` line each, strings quoted.
    const lines = Object.entries(vectorConfig('CTSA01')).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    writeFileSync(configFile, ['---', ...lines, ''].join('\n'));
    const r = run(
      'init',
      '--state',
      state,
      '--config',
      configFile,
      '--drn',
      '00000000000',
      '--now',
      '2004-01-01T00:00:00Z',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe(
      `created ${state}: meter 00000000000 (PAN 600727000000000009), STA key KCV ${expected} (des)`,
    );
  });

  test('show prints the KCV with its method', () => {
    const r = run('show', '--state', state);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe(
      `key          STA KCV ${expected} (des)  KT 2  KRN 1  KEN 255  TI 01  SGC 123456  base date 1993`,
    );
  });

  test('show --json has kcv and kcvMethod, never the key', () => {
    const r = run('show', '--state', state, '--json');
    expect(r.code).toBe(0);
    expect(r.out.toUpperCase()).not.toContain('E653341F9D5BF36F');
    const v = JSON.parse(r.out) as { key: Record<string, unknown> };
    expect(v.key).toMatchObject({ kcv: expected, kcvMethod: 'des' });
  });
});

describe('the model', () => {
  test('CTSA01 meter: toJSON().key and inspect show the DES KCV and its method', () => {
    const m = Meter.create({
      config: config(vectorConfig('CTSA01')),
      drn: '00000000000',
      now: new Date('2004-01-01T00:00:00Z'),
    });
    const expected = desKcv(CTSA01_KEY);
    expect(m.toJSON().key).toMatchObject({ kcv: expected, kcvMethod: 'des' });
    expect(inspect(m)).toBe(`Meter { drn: '00000000000', kcv: '${expected} (des)' }`);
    m.destroy();
  });

  test.each([
    { encryptionAlgorithm: 'dea' as const, hex: '0123456789ABCDEF', method: 'des', want: desKcv },
    { encryptionAlgorithm: 'sta' as const, hex: '0ABC12DEF3456789', method: 'des', want: desKcv },
    {
      encryptionAlgorithm: 'misty1' as const,
      hex: '00112233445566778899AABBCCDDEEFF',
      method: 'aes-cmac',
      want: aesCmacKcv,
    },
  ])('$encryptionAlgorithm key $hex: KCV by $method', ({ encryptionAlgorithm, hex, method, want }) => {
    const m = Meter.create({
      key: { decoderKey: Uint8Array.from(Buffer.from(hex, 'hex')), encryptionAlgorithm, baseDate: 1993 },
      drn: '00000000000',
      now: new Date('2004-01-01T00:00:00Z'),
    });
    expect(m.toJSON().key).toMatchObject({ kcv: want(Buffer.from(hex, 'hex')), kcvMethod: method });
    m.destroy();
  });
});
