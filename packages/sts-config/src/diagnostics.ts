// Errors and warnings as values: a stable code, the field path, a message, and the position.
// Style guide "Errors are values at the edges": all problems at once, each saying what would be right.

/** Stable codes of configuration errors and warnings (see the package README for each message). */
export type StsConfigCode =
  | 'syntax'
  | 'nested'
  | 'multiple-documents'
  | 'unterminated-quote'
  | 'bad-escape'
  | 'unsupported-yaml'
  | 'trailing-content'
  | 'unknown-key'
  | 'duplicate-key'
  | 'missing-field'
  | 'empty-value'
  | 'invalid-value'
  | 'out-of-range'
  | 'not-hex'
  | 'not-supported'
  | 'key-length-mismatch'
  | 'algorithm-mismatch'
  | 'not-an-object'
  | 'wrong-type'
  | 'must-be-string'
  | 'deprecated';

/** One problem. `line` and `column` (1-based) are set for problems found in text. */
export interface StsConfigDiagnostic {
  readonly code: StsConfigCode;
  /** The field (file key such as `tariff_index`), or '' for the document as a whole. */
  readonly path: string;
  /** Starts with the path; says what is wrong and what would be right. Never holds the vending key. */
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
  /** The `source` given to `parseStsConfig` (a file name), if any. */
  readonly source?: string;
}

/** A problem found in text: always has a line and a column. */
export interface StsConfigTextDiagnostic extends StsConfigDiagnostic {
  readonly line: number;
  readonly column: number;
}

/** Where a value came from, when it came from text. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A diagnostic value; `at` (a position in text) adds its line and column. */
export function diagnostic(
  code: StsConfigCode,
  path: string,
  message: string,
  at: Position | undefined,
): StsConfigDiagnostic {
  return at === undefined
    ? { code, path, message }
    : { code, path, message, line: at.line, column: at.column };
}

/** A long run of hex digits may be a key typed in the wrong place: never echo one. */
function looksLikeKey(text: string): boolean {
  return /^[0-9a-fA-F]{16,}$/.test(text);
}

/**
 * How a bad value is shown in a message: quoted when short (at most 12 characters, so a 16- or
 * 40-digit key typed into the wrong field is never echoed), else only its length.
 */
export function showValue(text: string): string {
  if (text.length <= 12 && !looksLikeKey(text)) return JSON.stringify(text);
  return `${text.length} characters`;
}

/** A key name as it may appear in a message (an unknown key is echoed only when it looks like a name). */
export function showKey(key: string): string | undefined {
  return key.length <= 40 && !looksLikeKey(key) && /^[A-Za-z0-9_. -]+$/.test(key) ? key : undefined;
}

/**
 * One line for a person: `source:line:column: message` (parts that are unknown are left out).
 * @example
 * formatDiagnostic({ code: 'invalid-value', path: 'tariff_index', line: 6, column: 15,
 *   source: 'sts.yml', message: 'tariff_index: must be exactly 2 digits, e.g. 01; got "1"' });
 * // 'sts.yml:6:15: tariff_index: must be exactly 2 digits, e.g. 01; got "1"'
 */
export function formatDiagnostic(d: StsConfigDiagnostic): string {
  let where = d.source ?? '';
  if (d.line !== undefined) where += `${where === '' ? '' : ':'}${d.line}:${d.column ?? 1}`;
  return where === '' ? d.message : `${where}: ${d.message}`;
}
