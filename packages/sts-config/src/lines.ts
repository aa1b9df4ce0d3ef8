// A strict reader for the flat `key: value` text of an STS configuration file (a YAML subset).
// Scalars stay text (`02` is "02", `0000` is "0000"); anything beyond one mapping of scalars is an error.

import { type StsConfigCode, type StsConfigTextDiagnostic, showKey } from './diagnostics.ts';

/** One `key: value` line. Columns are 1-based, in UTF-16 code units, after any BOM. */
export interface Entry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly valueColumn: number;
  /** Nothing followed `key:` (a quoted "" is not empty). */
  readonly empty: boolean;
  /** The value turned out to be a nested structure (already reported). */
  nested: boolean;
}

/** What `scanLines` found: the entries in file order and the problems of the lines it could not read. */
export interface ScanResult {
  readonly entries: Entry[];
  readonly errors: StsConfigTextDiagnostic[];
  /** Keys of lines that were reported as broken, so their absence is not reported again. */
  readonly brokenKeys: Set<string>;
  readonly lineCount: number;
}

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_. -]*$/;
/** `:` followed by a blank or the end of the line: the YAML mapping indicator. */
const MAPPING_COLON = /:(?=[ \t]|$)/;

class LineError {
  constructor(
    readonly code: StsConfigCode,
    readonly column: number,
    readonly detail: string,
  ) {}
}

/** Drop trailing spaces and tabs. A loop, not /[ \t]+$/: that regex is quadratic on long blank runs. */
function trimBlankEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  return end === s.length ? s : s.slice(0, end);
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** `---` or `...` alone on its line (a comment may follow). */
function isMarker(line: string, marker: string): 'alone' | 'with-content' | false {
  if (!line.startsWith(marker) || (line.length > 3 && !isBlank(line[3]))) return false;
  const rest = line.slice(3).trimStart();
  return rest === '' || rest.startsWith('#') ? 'alone' : 'with-content';
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  t: '\t',
  n: '\n',
  r: '\r',
  '"': '"',
  '\\': '\\',
  '/': '/',
  ' ': ' ',
};

/** Read a double-quoted scalar starting at `start` (the quote); returns the text and the index after it. */
function doubleQuoted(line: string, start: number): { text: string; end: number } {
  let text = '';
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') return { text, end: i + 1 };
    if (c !== '\\') {
      text += c;
      continue;
    }
    const e = line[i + 1];
    if (e === undefined) break;
    const simple = ESCAPES[e];
    if (simple !== undefined) {
      text += simple;
      i++;
      continue;
    }
    const width = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = line.slice(i + 2, i + 2 + width);
    if (
      width === 0 ||
      hex.length !== width ||
      !/^[0-9A-Fa-f]+$/.test(hex) ||
      Number.parseInt(hex, 16) > 0x10ffff
    ) {
      throw new LineError(
        'bad-escape',
        i + 1,
        'unknown escape in a double-quoted value; use \\\\ for a backslash, \\" for a quote, or single quotes',
      );
    }
    text += String.fromCodePoint(Number.parseInt(hex, 16));
    i += 1 + width;
  }
  throw new LineError(
    'unterminated-quote',
    start + 1,
    'the quoted value has no closing quote; it must end on the same line',
  );
}

/** Read a single-quoted scalar ('' is one quote). */
function singleQuoted(line: string, start: number): { text: string; end: number } {
  let text = '';
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i]!;
    if (c !== "'") {
      text += c;
    } else if (line[i + 1] === "'") {
      text += "'";
      i++;
    } else {
      return { text, end: i + 1 };
    }
  }
  throw new LineError(
    'unterminated-quote',
    start + 1,
    'the quoted value has no closing quote; it must end on the same line',
  );
}

/** The value part of a line, from `start` (first non-blank after the colon). */
function readValue(line: string, start: number): string {
  const c = line[start]!;
  if (c === '"' || c === "'") {
    const { text, end } = c === '"' ? doubleQuoted(line, start) : singleQuoted(line, start);
    const rest = line.slice(end);
    const trimmed = rest.trimStart();
    if (trimmed !== '' && !(trimmed.startsWith('#') && trimmed.length < rest.length)) {
      throw new LineError(
        'trailing-content',
        end + 1 + (rest.length - trimmed.length),
        'unexpected text after the closing quote; only a comment (" # …") may follow',
      );
    }
    return text;
  }
  if (c === '[' || c === '{') {
    throw new LineError(
      'nested',
      start + 1,
      'lists and nested structures are not allowed; give one plain value',
    );
  }
  if (c === '-' && (start + 1 === line.length || isBlank(line[start + 1]))) {
    throw new LineError('nested', start + 1, 'lists are not allowed; give one plain value');
  }
  if (c === '|' || c === '>') {
    throw new LineError(
      'nested',
      start + 1,
      'block scalars (| or >) are not allowed; write the value on the same line',
    );
  }
  if (c === '&' || c === '*' || c === '!') {
    throw new LineError(
      'unsupported-yaml',
      start + 1,
      'YAML anchors, aliases and tags are not supported; quote the value',
    );
  }
  if (c === '@' || c === '`' || c === '%' || c === '#') {
    // `#` here can only follow the colon's blank, which makes it a comment: the value is empty.
    if (c === '#') return '';
    throw new LineError(
      'unsupported-yaml',
      start + 1,
      `a plain value cannot start with ${c}; quote the value`,
    );
  }
  let end = line.length;
  const comment = /[ \t]#/.exec(line.slice(start));
  if (comment !== null) end = start + comment.index;
  const text = trimBlankEnd(line.slice(start, end));
  const colon = MAPPING_COLON.exec(text);
  if (colon !== null) {
    throw new LineError(
      'syntax',
      start + colon.index + 1,
      'a plain value cannot contain ": "; quote the value',
    );
  }
  return text;
}

/**
 * Split the text into entries. Never throws: every problem becomes an error with its line.
 * Tolerates a BOM, CRLF or CR line ends, blank lines, `#` comments, trailing blanks, one leading
 * `---` and one trailing `...`.
 */
export function scanLines(input: string): ScanResult {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines = text.split(/\r\n|\r|\n/);
  const entries: Entry[] = [];
  const errors: StsConfigTextDiagnostic[] = [];
  const brokenKeys = new Set<string>();
  let sawStart = false;
  let sawContent = false;
  let sawEnd = false;
  /** Inside a run of indented lines already reported (or following a line reported as nested). */
  let inIndentedRun = false;
  let lastContentLine = 0;
  const fail = (code: StsConfigCode, path: string, line: number, column: number, message: string): void => {
    errors.push({ code, path, message, line, column });
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = trimBlankEnd(lines[i]!);
    if (line === '') continue;
    const first = line[0]!;
    if (first === '#') continue;
    if (isBlank(first)) {
      const indent = line.length - line.trimStart().length;
      if (line[indent] === '#') continue;
      // Report a run of indented lines once: they belong to the same nested value.
      if (inIndentedRun) continue;
      inIndentedRun = true;
      const last = entries[entries.length - 1];
      const ownKey = MAPPING_COLON.exec(line);
      const candidate = ownKey === null ? '' : trimBlankEnd(line.slice(indent, ownKey.index));
      let path = '';
      if (last !== undefined && last.line === lastContentLine && last.empty) {
        // "key:" then an indented block: a nested value of that key.
        path = showKey(last.key) ?? '';
        last.nested = true;
      } else if (candidate !== '' && KEY.test(candidate)) {
        // "  tariff_index: 01": a key indented by mistake.
        path = showKey(candidate) ?? '';
        brokenKeys.add(candidate);
      } else if (last !== undefined && last.line === lastContentLine) {
        // A plain value continued on the next line.
        path = showKey(last.key) ?? '';
      }
      fail(
        'nested',
        path,
        lineNo,
        indent + 1,
        `${path === '' ? '' : `${path}: `}indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line`,
      );
      continue;
    }
    inIndentedRun = false;
    lastContentLine = lineNo;
    const start = isMarker(line, '---');
    if (start !== false) {
      if (sawStart || sawContent || sawEnd) {
        fail(
          'multiple-documents',
          '',
          lineNo,
          1,
          'a second document starts here ("---"); a file holds exactly one configuration',
        );
        break;
      }
      if (start === 'with-content') {
        fail(
          'syntax',
          '',
          lineNo,
          line.length - line.slice(3).trimStart().length + 1,
          'nothing but a comment may follow "---" on its line',
        );
      }
      sawStart = true;
      continue;
    }
    const end = isMarker(line, '...');
    if (end !== false) {
      sawEnd = true;
      continue;
    }
    if (sawEnd) {
      fail(
        'multiple-documents',
        '',
        lineNo,
        1,
        'text after the document end ("..."); a file holds exactly one configuration',
      );
      break;
    }
    if (first === '%') {
      fail(
        'unsupported-yaml',
        '',
        lineNo,
        1,
        'YAML directives (%YAML, %TAG) are not supported; remove the line',
      );
      continue;
    }
    sawContent = true;
    if (first === '-' && (line.length === 1 || isBlank(line[1]))) {
      inIndentedRun = true;
      fail('nested', '', lineNo, 1, 'lists are not allowed; the file is one "key: value" per line');
      continue;
    }
    if (first === '[' || first === '{') {
      inIndentedRun = true;
      fail(
        'nested',
        '',
        lineNo,
        1,
        'flow collections ([…] or {…}) are not allowed; the file is one "key: value" per line',
      );
      continue;
    }

    const colon = MAPPING_COLON.exec(line);
    if (colon === null) {
      const bare = line.indexOf(':');
      const key = bare > 0 ? trimBlankEnd(line.slice(0, bare)) : '';
      const shown = KEY.test(key) ? showKey(key) : undefined;
      if (shown !== undefined) {
        brokenKeys.add(key);
        fail('syntax', shown, lineNo, bare + 2, `${shown}: put a blank after the colon ("${shown}: value")`);
      } else {
        fail('syntax', '', lineNo, 1, 'expected "key: value"');
      }
      continue;
    }
    const key = trimBlankEnd(line.slice(0, colon.index));
    if (!KEY.test(key)) {
      const quoted = first === '"' || first === "'";
      if (quoted) brokenKeys.add(key.slice(1, -1));
      fail(
        quoted ? 'unsupported-yaml' : 'syntax',
        '',
        lineNo,
        1,
        quoted
          ? 'quoted keys are not supported; write the key plain, e.g. "tariff_index: 01"'
          : 'expected "key: value" with a plain key made of letters, digits and _',
      );
      continue;
    }
    let valueStart = colon.index + 1;
    while (isBlank(line[valueStart])) valueStart++;
    if (valueStart >= line.length) {
      entries.push({
        key,
        value: '',
        line: lineNo,
        valueColumn: colon.index + 2,
        empty: true,
        nested: false,
      });
      continue;
    }
    try {
      const value = readValue(line, valueStart);
      const empty = value === '' && line[valueStart] === '#';
      entries.push({ key, value, line: lineNo, valueColumn: valueStart + 1, empty, nested: false });
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      if (e.code === 'nested') inIndentedRun = true;
      brokenKeys.add(key);
      const shown = showKey(key) ?? '';
      fail(e.code, shown, lineNo, e.column, shown === '' ? e.detail : `${shown}: ${e.detail}`);
    }
  }
  return { entries, errors, brokenKeys, lineCount: lines.length };
}
