// formatStsConfig writes the canonical file; parseStsConfig(formatStsConfig(c)) gives c back.
// Canonical form: `---`, then the fields in the order of nectar-compat §1's example.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatStsConfig } from '../src/format.ts';
import { configFromJson } from '../src/json.ts';
import { parseStsConfig } from '../src/parse.ts';
import { configArb, plain, toJsonObject } from './arbitraries.ts';
import { BASE } from './helpers.ts';

describe('formatStsConfig', () => {
  test("Nectar's example file is already canonical", () => {
    const result = parseStsConfig(BASE);
    expect(result.ok).toBe(true);
    if (result.ok) expect(formatStsConfig(result.config)).toBe(BASE);
  });

  test('variants of a file format to the same canonical text', () => {
    const messy = `\uFEFF# mine\r\nname: 'example_config'   \r\n${BASE.split('\n').slice(2).reverse().join('\r\n')}`;
    const result = parseStsConfig(messy);
    expect(result.ok).toBe(true);
    if (result.ok) expect(formatStsConfig(result.config)).toBe(BASE);
  });

  test.each([
    { name: 'plain_name', line: 'name: plain_name' },
    { name: 'with space', line: 'name: with space' },
    { name: 'a: b', line: 'name: "a: b"' },
    { name: 'say "hi"', line: 'name: "say \\"hi\\""' },
    { name: 'back\\slash', line: 'name: "back\\\\slash"' },
    { name: '---', line: 'name: "---"' },
    { name: ' padded ', line: 'name: " padded "' },
    { name: '#1', line: 'name: "#1"' },
  ])('name $name is written as $line', ({ name, line }) => {
    const result = parseStsConfig(BASE);
    if (!result.ok) throw new Error('base must parse');
    expect(formatStsConfig({ ...result.config, name }).split('\n')[1]).toBe(line);
  });

  test('refuses a vending key of the wrong length without showing it', () => {
    const result = parseStsConfig(BASE);
    if (!result.ok) throw new Error('base must parse');
    expect(() => formatStsConfig({ ...result.config, vendingKey: new Uint8Array(7) as never })).toThrow(
      new RangeError('config.vendingKey must be 8 or 20 bytes, got 7'),
    );
  });

  test('property: parse(format(c)) equals c for arbitrary valid configs', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const text = formatStsConfig(config);
        const result = parseStsConfig(text);
        if (!result.ok) throw new Error(`did not parse back: ${JSON.stringify(result.errors)}\n${text}`);
        expect(plain(result.config)).toEqual(plain(config));
        expect(formatStsConfig(result.config)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('property: configFromJson and parseStsConfig agree', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const fromJson = configFromJson(toJsonObject(config));
        const fromText = parseStsConfig(formatStsConfig(config));
        expect(fromJson.ok && fromText.ok).toBe(true);
        if (fromJson.ok && fromText.ok) expect(plain(fromJson.config)).toEqual(plain(fromText.config));
      }),
      { numRuns: 300 },
    );
  });
});
