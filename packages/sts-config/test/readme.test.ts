// The examples of this package's README, run: the example file is valid and its meter takes credit.
// Regression: the example had `key_type: 3` (DCTK), under which a keypad meter refuses every token.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkDrn, formatDiagnostic, parseStsConfig } from '../src/index.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The first ```yaml block after the heading `heading`. */
function yamlBlockAfter(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(start));
  if (block === null) throw new Error(`no yaml block after ${heading}`);
  return block[1] ?? '';
}

describe('README examples', () => {
  test('regression: the example file is valid and uses key type 2 (DUTK), under which a keypad meter takes credit', () => {
    const result = parseStsConfig(yamlBlockAfter('## The file'), { source: 'README.md' });
    if (!result.ok) throw new Error(result.errors.map(formatDiagnostic).join('\n'));
    expect(result.warnings).toEqual([]);
    // Key types 1 (DDTK: credit refused) and 3 (DCTK: refused by keypad meters) make a meter
    // that accepts no credit token (IEC 62055-41 key types; see the README's note).
    expect(result.config.keyType).toBe(2);
  });

  test('the checkDrn lines of the API example give what the README says', () => {
    const result = parseStsConfig(yamlBlockAfter('## The file'));
    if (!result.ok) throw new Error('example file invalid');
    expect(readme).toContain("checkDrn('47500150231', config); // { ok: true, pan: '600727475001502312' }");
    expect(checkDrn('47500150231', result.config)).toEqual({ ok: true, pan: '600727475001502312' });
    expect(readme).toContain("message: 'DRN 47500150232: check digit 2 is wrong, expected 1' }");
    expect(checkDrn('47500150232', result.config)).toEqual({
      ok: false,
      code: 'drn-check-digit',
      message: 'DRN 47500150232: check digit 2 is wrong, expected 1',
    });
  });

  test('the error line of the API example is the one parseStsConfig gives', () => {
    const text = yamlBlockAfter('## The file').replace('tariff_index: 01', 'tariff_index: 01w');
    const result = parseStsConfig(text, { source: 'sts_config.yml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = formatDiagnostic(result.errors[0]!);
    expect(readme).toContain(`// ${line}`);
  });
});
