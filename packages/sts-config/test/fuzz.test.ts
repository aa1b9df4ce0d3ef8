// parseStsConfig never throws, whatever the text: arbitrary strings and YAML-ish random lines.
// Style guide: parsers return every problem as a value; a stack trace reaching a user is a bug.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FIELD_KEYS } from '../src/fields.ts';
import { parseStsConfig } from '../src/parse.ts';
import { BASE_LINES } from './helpers.ts';

function checkShape(text: string): void {
  const result = parseStsConfig(text);
  const all = result.ok ? result.warnings : [...result.errors, ...result.warnings];
  if (!result.ok) expect(result.errors.length).toBeGreaterThan(0);
  const lineCount = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).length;
  for (const d of all) {
    expect(typeof d.code).toBe('string');
    expect(Number.isInteger(d.line) && d.line >= 1 && d.line <= lineCount).toBe(true);
    expect(Number.isInteger(d.column) && d.column >= 1).toBe(true);
    if (d.path !== '') expect(d.message.startsWith(`${d.path}: `)).toBe(true);
  }
}

const keyArb = fc.oneof(
  fc.constantFrom(...FIELD_KEYS),
  fc.constantFrom('tarrif_index', 'Name', 'vendingKey', '"name"', "'x'", '-', '?', '&a', '[a]', ''),
  fc.string({ maxLength: 8 }),
);
const valueArb = fc.oneof(
  fc.constantFrom(
    '01',
    '02',
    '04',
    '0000',
    '600727',
    'sta',
    'misty',
    'dea',
    'numeric',
    '1993',
    '255',
    '0123456789abcdef',
  ),
  fc.constantFrom(
    '"',
    "'",
    '""',
    "''",
    '"a\\',
    '"\\x4"',
    '"\\u12"',
    '[',
    '{a: 1}',
    '|',
    '>-',
    '&a b',
    '*a',
    '!!str 1',
    '# c',
    '- x',
    'a: b',
  ),
  fc.string({ maxLength: 12 }),
);
const lineArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', ' ', '  ', '\t'),
      keyArb,
      fc.constantFrom(':', ': ', ' : ', ':\t', ' ', '='),
      valueArb,
      fc.constantFrom('', ' ', ' # c', '\t'),
    )
    .map((parts) => parts.join('')),
  fc.constantFrom('---', '...', '--- x', '# comment', '', '%YAML 1.2', '- a', '  - b', '\uFEFF'),
  fc.string({ maxLength: 20 }),
);
const lineEndArb = fc.constantFrom('\n', '\r\n', '\r');

describe('parseStsConfig never throws', () => {
  test('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => checkShape(text)),
      { numRuns: 1000 },
    );
  });

  test('arbitrary strings of any code points', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100, unit: 'binary' }), (text) => checkShape(text)),
      { numRuns: 500 },
    );
  });

  test('structured-ish random YAML lines', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(lineArb, lineEndArb), { maxLength: 30 }), fc.boolean(), (lines, bom) => {
        checkShape((bom ? '\uFEFF' : '') + lines.map(([l, e]) => l + e).join(''));
      }),
      { numRuns: 1000 },
    );
  });

  test("Nectar's example with one line replaced by a random one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BASE_LINES.length - 1 }), lineArb, (index, line) => {
        const lines: string[] = [...BASE_LINES];
        lines[index] = line;
        checkShape(lines.join('\n'));
      }),
      { numRuns: 1000 },
    );
  });

  test.each([
    { name: 'blanks then a letter', text: `${' '.repeat(200_000)}x` },
    { name: 'a key followed by blanks then a letter', text: `name:${' '.repeat(200_000)}x y` },
    { name: 'a plain value with a blank run inside', text: `name: a${'\t'.repeat(200_000)}b` },
    { name: 'a blank run before the colon', text: `name${' '.repeat(200_000)}x: y` },
    { name: 'a long key', text: `${'k'.repeat(200_000)}: x` },
    { name: 'a long unterminated quote', text: `name: "${'a'.repeat(200_000)}` },
    { name: 'many lines', text: 'name: x\n'.repeat(50_000) },
  ])('regression: linear time on $name', ({ text }) => {
    const started = performance.now();
    parseStsConfig(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('not a string is a TypeError (a programming error, not bad text)', () => {
    expect(() => parseStsConfig(undefined as never)).toThrow(new TypeError('text must be a string'));
  });
});
