// The vending key never shows: not in errors, warnings, JSON.stringify, String() or util.inspect.
// Project rule (ARCHITECTURE.md "Secrets", brief): show a key's length only.

import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { configFromJson } from '../src/json.ts';
import { parseStsConfig } from '../src/parse.ts';
import { SecretBytes } from '../src/secret.ts';
import { configArb, toJsonObject } from './arbitraries.ts';
import { BASE_LINES, edit, edits, KEY_40 } from './helpers.ts';

const KEY_16 = '0123456789abcdef';

/** The ways the key's bytes could leak into text. */
function leakForms(hex: string): string[] {
  const bytes = hex.match(/../g)!.map((h) => Number.parseInt(h, 16));
  return [
    hex.toLowerCase(),
    hex.toUpperCase(),
    bytes.join(','),
    bytes.join(', '),
    Buffer.from(bytes).toString('base64'),
  ];
}

function expectNoLeak(text: string, hex: string): void {
  for (const form of leakForms(hex)) expect(text).not.toContain(form);
}

describe('SecretBytes', () => {
  const secret = SecretBytes.copyOf(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));

  test.each([
    { how: 'String()', text: () => String(secret) },
    { how: 'template string', text: () => `${secret}` },
    { how: 'toLocaleString()', text: () => secret.toLocaleString() },
    { how: 'JSON.stringify', text: () => JSON.parse(JSON.stringify(secret)) as string },
    { how: 'util.inspect', text: () => inspect(secret) },
    {
      how: 'util.inspect nested',
      text: () =>
        inspect({ a: { b: secret } }, { depth: 9 })
          .replace('{ a: { b: ', '')
          .replace(' } }', ''),
    },
    { how: 'subarray inspect', text: () => inspect(secret.subarray(0, 8)) },
  ])('$how shows only the length', ({ text }) => {
    expect(text()).toBe('[secret, 8 bytes]');
  });

  test('is a Uint8Array with the bytes', () => {
    expect(secret).toBeInstanceOf(Uint8Array);
    expect(Array.from(secret)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('copyOf copies, wipe zeroes', () => {
    const source = new Uint8Array([9, 9]);
    const copy = SecretBytes.copyOf(source);
    source[0] = 0;
    expect(Array.from(copy)).toEqual([9, 9]);
    copy.wipe();
    expect(Array.from(copy)).toEqual([0, 0]);
    expect(String(copy)).toBe('[secret, 2 bytes]');
  });

  test('copyOf refuses what is not bytes', () => {
    expect(() => SecretBytes.copyOf('00' as never)).toThrow(new TypeError('bytes must be a Uint8Array'));
  });
});

describe('a parsed configuration does not show its vending key', () => {
  const text = edits({
    decoder_key_generation_algorithm: 'decoder_key_generation_algorithm: 04',
    vending_key: `vending_key: ${KEY_40}`,
  });
  const result = parseStsConfig(text);

  test.each([
    { how: 'JSON.stringify', show: (c: object) => JSON.stringify(c) },
    { how: 'String()', show: (c: object) => String(c) },
    { how: 'util.inspect', show: (c: object) => inspect(c, { depth: 9 }) },
    { how: 'util.inspect with showHidden', show: (c: object) => inspect(c, { depth: 9, showHidden: true }) },
  ])('$how', ({ show }) => {
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const shown = show(result.config);
    expectNoLeak(shown, KEY_40);
    if (!shown.startsWith('[object')) expect(shown).toContain('[secret, 20 bytes]');
  });
});

describe('errors and warnings never hold the vending key', () => {
  const faults: { name: string; text: string }[] = [
    {
      name: 'DKGA04 with the 16-digit key',
      text: edit('decoder_key_generation_algorithm', 'decoder_key_generation_algorithm: 04'),
    },
    { name: 'key with an extra digit', text: edit('vending_key', `vending_key: ${KEY_16}0`) },
    { name: 'key with a bad character', text: edit('vending_key', `vending_key: ${KEY_16}z`) },
    { name: 'key in quotes, unterminated', text: edit('vending_key', `vending_key: "${KEY_16}`) },
    { name: 'key after a quoted empty string', text: edit('vending_key', `vending_key: "" ${KEY_16}`) },
    { name: 'key without a blank after the colon', text: edit('vending_key', `vending_key:${KEY_16}`) },
    { name: 'key with = instead of :', text: edit('vending_key', `vending_key=${KEY_16}`) },
    { name: 'key without a key name', text: edit('vending_key', KEY_16) },
    { name: 'key as a key name', text: edit('vending_key', `${KEY_16}: x`) },
    { name: 'key under a misspelt key', text: edit('vending_key', `vending-key: ${KEY_16}`) },
    { name: 'key twice', text: `${BASE_LINES.join('\n')}\nvending_key: ${KEY_16}\n` },
    { name: 'key in the wrong field', text: edit('supply_group_code', `supply_group_code: ${KEY_16}`) },
    { name: 'key in the name field with a control character', text: edit('name', `name: "${KEY_16}\\t"`) },
    { name: 'key indented', text: edit('vending_key', `  vending_key: ${KEY_16}`) },
    { name: 'key as a list', text: edit('vending_key', `vending_key: [${KEY_16}]`) },
    { name: 'key as an anchor', text: edit('vending_key', `vending_key: &k ${KEY_16}`) },
    { name: 'key after a second ---', text: `${BASE_LINES.join('\n')}\n---\nvending_key: ${KEY_16}\n` },
    { name: 'key with dea warning', text: edit('encryption_algorithm', 'encryption_algorithm: dea') },
  ];

  test.each(faults)('$name', ({ text }) => {
    const result = parseStsConfig(text, { source: 'x.yml' });
    const everything = JSON.stringify(result) + inspect(result, { depth: 9 });
    expectNoLeak(everything, KEY_16);
  });

  test('property: errors of arbitrary configs with one field broken never hold the key', () => {
    const breakers: ((j: Record<string, unknown>) => void)[] = [
      (j) => {
        j.tariff_index = '1';
      },
      (j) => {
        j.decoder_key_generation_algorithm = j.decoder_key_generation_algorithm === '02' ? '04' : '02';
      },
      (j) => {
        j.vending_key = `${j.vending_key}0`;
      },
      (j) => {
        j.vending_key = `${j.vending_key}`.replace(/.$/, 'g');
      },
      (j) => {
        j.vending_key = Number.parseInt(`${j.vending_key}`.slice(0, 12), 16);
      },
      (j) => {
        j.vending_kye = j.vending_key;
        delete j.vending_key;
      },
      (j) => {
        j.encryption_algorithm = 'misty1';
      },
    ];
    fc.assert(
      fc.property(configArb, fc.integer({ min: 0, max: breakers.length - 1 }), (config, which) => {
        const json = toJsonObject(config);
        const hex = String(json.vending_key);
        breakers[which]!(json);
        const result = configFromJson(json);
        const shown = JSON.stringify({ ...result, config: undefined }) + inspect(result, { depth: 9 });
        for (const form of leakForms(hex)) {
          if (form.length >= 8) expect(shown).not.toContain(form);
        }
      }),
      { numRuns: 300 },
    );
  });
});
