// What real configuration files contain and must still be read: BOM, CRLF, comments, quotes, `---`.
// Each variant of Nectar's example file (nectar-compat §1) must give the very same configuration.

import { describe, expect, test } from 'vitest';
import { parseStsConfig } from '../src/parse.ts';
import { BASE, BASE_LINES, edit, edits, KEY_40 } from './helpers.ts';

/** The example file's configuration, written out by hand. */
const EXPECTED = {
  name: 'example_config',
  keyExpiryNo: 255,
  encryptionAlgorithm: 'sta',
  tokenCarrierType: 'numeric',
  decoderKeyGenerationAlgorithm: '02',
  tariffIndex: '01',
  keyRevisionNo: 1,
  vendingKey: new Uint8Array([0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]),
  supplyGroupCode: '123456',
  keyType: 3,
  baseDate: 1993,
  issuerIdentificationNo: '600727',
};

function plain(config: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  out.vendingKey = Array.from((config as { vendingKey: Uint8Array }).vendingKey);
  return out;
}

const quoteAll = (q: string) =>
  `${BASE_LINES.map((l, i) => (i === 0 ? l : l.replace(/: (.*)$/, `: ${q}$1${q}`))).join('\n')}\n`;

const variants: { name: string; text: string }[] = [
  { name: 'the example as published', text: BASE },
  { name: 'a UTF-8 BOM', text: `\uFEFF${BASE}` },
  { name: 'CRLF line ends', text: BASE.replace(/\n/g, '\r\n') },
  { name: 'CR line ends', text: BASE.replace(/\n/g, '\r') },
  { name: 'BOM and CRLF together', text: `\uFEFF${BASE.replace(/\n/g, '\r\n')}` },
  { name: 'no --- line', text: BASE.replace('---\n', '') },
  { name: '--- with a comment', text: BASE.replace('---\n', '--- # STS config\n') },
  { name: 'no final newline', text: BASE.trimEnd() },
  { name: 'trailing spaces and tabs', text: BASE.replace(/\n/g, '  \t\n') },
  { name: 'blank lines everywhere', text: BASE.replace(/\n/g, '\n\n') },
  {
    name: 'full-line comments',
    text: `# written by hand\n${BASE.replace('tariff_index', '# the tariff\ntariff_index')}`,
  },
  { name: 'indented comments', text: BASE.replace('tariff_index', '   # the tariff\ntariff_index') },
  { name: 'comments after values', text: BASE.replace(/\n(?!$)/g, ' # note\n') },
  { name: 'every value double-quoted', text: quoteAll('"') },
  { name: 'every value single-quoted', text: quoteAll("'") },
  { name: 'quoted value with a comment after it', text: edit('tariff_index', 'tariff_index: "01" # TI') },
  { name: 'a document end marker', text: `${BASE}...\n` },
  { name: 'a document end marker then comments', text: `${BASE}...\n# the end\n\n` },
  { name: 'blanks before the colon', text: edit('tariff_index', 'tariff_index : 01') },
  { name: 'a tab after the colon', text: edit('tariff_index', 'tariff_index:\t01') },
  { name: 'many blanks after the colon', text: edit('tariff_index', 'tariff_index:      01') },
  { name: 'the vending key in upper case', text: edit('vending_key', 'vending_key: 0123456789ABCDEF') },
  { name: 'fields in another order', text: `---\n${[...BASE_LINES.slice(1)].reverse().join('\n')}\n` },
  {
    name: 'numbers quoted',
    text: edits({ key_expiry_no: 'key_expiry_no: "255"', key_type: "key_type: '3'" }),
  },
  { name: 'double-quoted escapes', text: edit('name', 'name: "example\\x5Fconfig"') },
];

describe('parseStsConfig tolerates what real files contain', () => {
  test.each(variants)('$name', ({ text }) => {
    const result = parseStsConfig(text);
    if (!result.ok) expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(plain(result.config)).toEqual(plain(EXPECTED));
    expect(result.warnings).toEqual([]);
  });
});

describe('scalars are read as text', () => {
  test.each([
    { line: 'decoder_key_generation_algorithm: 02', field: 'decoderKeyGenerationAlgorithm', value: '02' },
    { line: 'tariff_index: 00', field: 'tariffIndex', value: '00' },
    { line: 'supply_group_code: 000001', field: 'supplyGroupCode', value: '000001' },
    { line: 'issuer_identification_no: 0000', field: 'issuerIdentificationNo', value: '0000' },
    { line: 'name: 0123', field: 'name', value: '0123' },
    { line: 'name: null', field: 'name', value: 'null' },
    { line: 'name: "  spaced  "', field: 'name', value: '  spaced  ' },
    { line: "name: 'it''s mine'", field: 'name', value: "it's mine" },
    { line: 'name: a#b', field: 'name', value: 'a#b' },
    { line: 'name: "a: b # c"', field: 'name', value: 'a: b # c' },
    { line: 'key_expiry_no: 0', field: 'keyExpiryNo', value: 0 },
  ])('$line', ({ line, field, value }) => {
    const key = line.slice(0, line.indexOf(':'));
    const result = parseStsConfig(edit(key, line));
    expect(result.ok).toBe(true);
    if (result.ok) expect((result.config as unknown as Record<string, unknown>)[field]).toBe(value);
  });
});

describe('normalisation and warnings', () => {
  test.each(['misty', 'misty1'])('encryption_algorithm %s with DKGA04 reads as misty1', (spelling) => {
    const result = parseStsConfig(
      edits({
        encryption_algorithm: `encryption_algorithm: ${spelling}`,
        decoder_key_generation_algorithm: 'decoder_key_generation_algorithm: 04',
        vending_key: `vending_key: ${KEY_40}`,
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.encryptionAlgorithm).toBe('misty1');
    expect(result.config.decoderKeyGenerationAlgorithm).toBe('04');
    expect(Array.from(result.config.vendingKey)).toEqual([
      0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x01,
      0x23, 0x45, 0x67,
    ]);
  });

  test('dea is read with a deprecation warning naming its line', () => {
    const result = parseStsConfig(edit('encryption_algorithm', 'encryption_algorithm: dea'), {
      source: 'a.yml',
    });
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      {
        code: 'deprecated',
        path: 'encryption_algorithm',
        line: 4,
        column: 23,
        source: 'a.yml',
        message:
          'encryption_algorithm: dea (EA09) is deprecated by IEC 62055-41:2018 7.3.4 and shall not be used in new products; use sta or misty1',
      },
    ]);
  });

  test('warnings come back with errors too', () => {
    const result = parseStsConfig(
      edits({ encryption_algorithm: 'encryption_algorithm: dea', tariff_index: 'tariff_index: 1' }),
    );
    expect(result.ok).toBe(false);
    expect(result.warnings.map((w) => w.code)).toEqual(['deprecated']);
  });

  test('the configuration is frozen', () => {
    const result = parseStsConfig(BASE);
    expect(result.ok && Object.isFrozen(result.config)).toBe(true);
  });
});
