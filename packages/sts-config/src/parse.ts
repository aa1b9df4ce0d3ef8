// parseStsConfig: configuration file text → a typed StsConfig, or every error with its line.
// Reads the Nectar file format (nectar-compat §1) strictly: unknown, duplicate and missing keys are errors.

import type { StsConfigDiagnostic } from './diagnostics.ts';
import { showKey } from './diagnostics.ts';
import { FIELD_KEYS, type FieldKey, isFieldKey } from './fields.ts';
import { scanLines } from './lines.ts';
import { applyRules, type RawValue } from './rules.ts';
import { suggestKey } from './suggest.ts';
import type { StsConfigTextResult } from './types.ts';

/** Options of `parseStsConfig`. */
export interface ParseOptions {
  /** A name for the text (usually its file name); copied into every error and warning. */
  readonly source?: string;
}

/**
 * Read the text of an STS configuration file. Never throws for bad text: returns
 * `{ ok: true, config, warnings }` or `{ ok: false, errors, warnings }`, every problem with its
 * code, field path, message, line and column. The vending key never appears in a message.
 * @example
 * const r = parseStsConfig(text, { source: 'sts_config.yml' });
 * if (!r.ok) for (const e of r.errors) console.error(formatDiagnostic(e));
 * else r.config.decoderKeyGenerationAlgorithm; // '02'
 */
export function parseStsConfig(text: string, options: ParseOptions = {}): StsConfigTextResult {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const scan = scanLines(text);
  const errors: StsConfigDiagnostic[] = scan.errors;
  const values = new Map<FieldKey, RawValue>();
  const firstLine = new Map<string, number>();
  const skipMissing = new Set<FieldKey>();
  for (const key of scan.brokenKeys) if (isFieldKey(key)) skipMissing.add(key);

  for (const entry of scan.entries) {
    const at = { line: entry.line, column: 1 };
    const seenOn = firstLine.get(entry.key);
    if (seenOn !== undefined) {
      const shown = showKey(entry.key) ?? '';
      errors.push({
        code: 'duplicate-key',
        path: shown,
        message: `${shown === '' ? 'this key' : shown}: appears again (first on line ${seenOn}); give each key once`,
        ...at,
      });
      continue;
    }
    firstLine.set(entry.key, entry.line);
    if (!isFieldKey(entry.key)) {
      const shown = showKey(entry.key);
      const near = suggestKey(entry.key, FIELD_KEYS);
      if (near !== undefined) skipMissing.add(near as FieldKey);
      errors.push({
        code: 'unknown-key',
        path: shown ?? '',
        message:
          near !== undefined
            ? `${shown ?? 'this key'}: unknown key; did you mean ${near}?`
            : `${shown ?? 'this key'}: unknown key; the keys are ${FIELD_KEYS.join(', ')}`,
        ...at,
      });
      continue;
    }
    if (entry.nested) {
      skipMissing.add(entry.key);
      continue;
    }
    values.set(entry.key, {
      text: entry.value,
      at: { line: entry.line, column: entry.valueColumn },
      empty: entry.empty,
    });
  }

  const result = applyRules(values, skipMissing, { line: scan.lineCount, column: 1 }, errors);
  const source = options.source;
  if (source === undefined) return result as StsConfigTextResult;
  const withSource = (d: StsConfigDiagnostic) => ({ ...d, source });
  return (
    result.ok
      ? { ok: true, config: result.config, warnings: result.warnings.map(withSource) }
      : { ok: false, errors: result.errors.map(withSource), warnings: result.warnings.map(withSource) }
  ) as StsConfigTextResult;
}
