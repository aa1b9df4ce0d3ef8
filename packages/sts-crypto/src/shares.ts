// The STS-SHARE v1 text format: one Shamir share of a key, self-describing and checksummed.
// Not an IEC 62055-41 clause: our format for M-of-N key backups (key-ceremony.md, feature 5).

import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, checkBytes, hexToBytes } from './bytes.ts';
import type { KcvMethod } from './kcv.ts';

/*
 * A share file reads like this (the data bytes are the share produced by `shamir-secret-sharing`,
 * whose last byte is the share's x coordinate):
 *
 *   STS-SHARE v1
 *   # REHEARSAL: not a production share          (comments start with '#', outside the checksum)
 *   set: 3F9A1C0B7E2D4A51
 *   label: SGC 123456 vending key
 *   threshold: 3
 *   shares: 5
 *   index: 2
 *   rehearsal: yes                               (only in rehearsal shares; covered by the checksum)
 *   kcv: D5D44F des
 *   length: 9
 *   data: 01AB 23CD 45EF 6789 AB | 5E
 *   checksum: 1A2B3C4D
 *
 * Every data line carries a one-byte line check after `|` so a typo in the data is reported with
 * its line; the final checksum (first 4 bytes of SHA-256 of the canonical text) covers every field,
 * so a typo anywhere is caught. Why both: a person copying a share by hand needs to know *where*
 * the mistake is, and a checksum alone can only say that there is one.
 */

export const SHARE_HEADER = 'STS-SHARE v1';
const KCV_METHODS: readonly KcvMethod[] = ['des', 'tdes', 'aes-cmac', 'hmac-sha256'];
const BYTES_PER_LINE = 16;
const MAX_LABEL = 80;
const FIELDS = ['set', 'label', 'threshold', 'shares', 'index', 'rehearsal', 'kcv', 'length'] as const;
type Field = (typeof FIELDS)[number];

/** What a share says about itself, without the share bytes. */
export interface ShareInfo {
  /** 16 upper-case hex digits, the same in every share of one split. */
  readonly setId: string;
  readonly label: string;
  /** M: how many shares recombine the secret. */
  readonly threshold: number;
  /** N: how many shares the split made. */
  readonly shares: number;
  /** 1..N: which share this is (the file name's number, not the Shamir x coordinate). */
  readonly index: number;
  /** KCV of the secret (not of the share), 6 upper-case hex digits, and how it was computed. */
  readonly kcv: string;
  readonly kcvMethod: KcvMethod;
  readonly rehearsal: boolean;
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * One share: its description and its bytes. The bytes are part of a secret: `toString`, `toJSON`
 * and `util.inspect` show only the description, and `destroy()` wipes them.
 */
export class Share implements ShareInfo {
  readonly setId: string;
  readonly label: string;
  readonly threshold: number;
  readonly shares: number;
  readonly index: number;
  readonly kcv: string;
  readonly kcvMethod: KcvMethod;
  readonly rehearsal: boolean;
  readonly #data: Uint8Array;

  /**
   * @param info the description (checked by `encodeShare`, not here)
   * @param data the share bytes from `shamir-secret-sharing` (copied)
   */
  constructor(info: ShareInfo, data: Uint8Array) {
    checkBytes(data, 'data');
    this.setId = info.setId;
    this.label = info.label;
    this.threshold = info.threshold;
    this.shares = info.shares;
    this.index = info.index;
    this.kcv = info.kcv;
    this.kcvMethod = info.kcvMethod;
    this.rehearsal = info.rehearsal;
    this.#data = Uint8Array.from(data);
  }

  /** The share bytes (the buffer itself: do not keep it beyond the share's life). */
  get data(): Uint8Array {
    return this.#data;
  }

  /** The description only. */
  info(): ShareInfo {
    const { setId, label, threshold, shares, index, kcv, kcvMethod, rehearsal } = this;
    return { setId, label, threshold, shares, index, kcv, kcvMethod, rehearsal };
  }

  /** Wipe the share bytes. */
  destroy(): void {
    this.#data.fill(0);
  }

  toString(): string {
    return `Share ${this.index} of ${this.shares} (set ${this.setId}, threshold ${this.threshold})`;
  }

  toJSON(): ShareInfo {
    return this.info();
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** A problem found in a share text: the 1-based line (0 when it concerns the whole text) and field. */
export interface ShareProblem {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export type DecodeShareResult =
  | { readonly ok: true; readonly share: Share }
  | { readonly ok: false; readonly problems: readonly ShareProblem[] };

/** `line 7, index: must be …` (or without the line when it is 0). */
export function formatShareProblem(p: ShareProblem): string {
  return p.line > 0 ? `line ${p.line}, ${p.field}: ${p.message}` : `${p.field}: ${p.message}`;
}

function checkInfo(info: ShareInfo, dataLength: number): string[] {
  const bad: string[] = [];
  if (!/^[0-9A-F]{16}$/.test(info.setId)) bad.push('setId must be 16 upper-case hex digits');
  if (shareLabel(info.label) !== info.label) {
    bad.push(`label must be ${SHARE_LABEL_RULE}, without leading, trailing or double spaces`);
  }
  if (!Number.isInteger(info.shares) || info.shares < 2 || info.shares > 255) {
    bad.push('shares must be an integer from 2 to 255');
  }
  if (!Number.isInteger(info.threshold) || info.threshold < 2 || info.threshold > info.shares) {
    bad.push('threshold must be an integer from 2 to shares');
  }
  if (!Number.isInteger(info.index) || info.index < 1 || info.index > info.shares) {
    bad.push('index must be an integer from 1 to shares');
  }
  if (!/^[0-9A-F]{6}$/.test(info.kcv)) bad.push('kcv must be 6 upper-case hex digits');
  if (!KCV_METHODS.includes(info.kcvMethod)) bad.push(`kcvMethod must be one of ${KCV_METHODS.join(', ')}`);
  if (dataLength < 2) bad.push('data must be at least 2 bytes (secret bytes and the x coordinate)');
  return bad;
}

/** What a share label may be: the one rule that split, encodeShare and decodeShare all apply. */
export const SHARE_LABEL_RULE = `1 to ${MAX_LABEL} printable characters`;

/** Control characters (C0, DEL, C1) and the bidirectional controls that reorder how a line reads. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * A share label as it is stored: every run of white space one space, no leading or trailing space.
 * Undefined when that breaks SHARE_LABEL_RULE (empty, longer than 80, or holding a control or
 * bidirectional control character, which would make a printed share lie about what it is).
 * @example
 * shareLabel('  SGC 123456\tvending key '); // 'SGC 123456 vending key'
 * shareLabel('bad\u202Eyek'); // undefined
 */
export function shareLabel(text: string): string | undefined {
  const label = text.replace(/\s+/g, ' ').trim();
  if (label === '' || label.length > MAX_LABEL || UNPRINTABLE.test(label)) return undefined;
  return label;
}

/** The text the checksum covers: every field in a fixed order, whatever order the file used. */
function canonicalText(info: ShareInfo, data: Uint8Array): string {
  let s = `${SHARE_HEADER}\nset: ${info.setId}\nlabel: ${info.label}\nthreshold: ${info.threshold}\n`;
  s += `shares: ${info.shares}\nindex: ${info.index}\n`;
  if (info.rehearsal) s += 'rehearsal: yes\n';
  s += `kcv: ${info.kcv} ${info.kcvMethod}\nlength: ${data.length}\ndata: ${bytesToHex(data)}\n`;
  return s;
}

function checksumOf(info: ShareInfo, data: Uint8Array): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalText(info, data))).subarray(0, 4));
}

/** One byte over the line number and its bytes, so a typo or two swapped lines name their line. */
function lineCheck(lineNo: number, bytes: Uint8Array): string {
  const buf = new Uint8Array(bytes.length + 1);
  buf[0] = lineNo & 0xff;
  buf.set(bytes, 1);
  const check = bytesToHex(sha256(buf).subarray(0, 1));
  buf.fill(0);
  return check;
}

function groupsOf4(hex: string): string {
  return hex.match(/.{1,4}/g)?.join(' ') ?? '';
}

/**
 * Write a share as STS-SHARE v1 text (lines end in `\n`).
 * @throws RangeError naming the first field that is out of range
 * @example
 * const text = encodeShare(new Share({ setId: '3F9A1C0B7E2D4A51', label: 'SGC 123456 vending key',
 *   threshold: 3, shares: 5, index: 2, kcv: 'D5D44F', kcvMethod: 'des', rehearsal: false }, bytes));
 */
export function encodeShare(share: Share): string {
  if (!(share instanceof Share)) throw new TypeError('share must be a Share');
  const bad = checkInfo(share, share.data.length);
  if (bad.length > 0) throw new RangeError(`share: ${bad.join('; ')}`);
  const lines = [SHARE_HEADER];
  if (share.rehearsal) lines.push('# REHEARSAL: not a production share');
  lines.push(`set: ${share.setId}`, `label: ${share.label}`, `threshold: ${share.threshold}`);
  lines.push(`shares: ${share.shares}`, `index: ${share.index}`);
  if (share.rehearsal) lines.push('rehearsal: yes');
  lines.push(`kcv: ${share.kcv} ${share.kcvMethod}`, `length: ${share.data.length}`);
  const data = share.data;
  for (let off = 0, n = 1; off < data.length; off += BYTES_PER_LINE, n++) {
    const chunk = data.subarray(off, off + BYTES_PER_LINE);
    lines.push(`data: ${groupsOf4(bytesToHex(chunk))} | ${lineCheck(n, chunk)}`);
  }
  lines.push(`checksum: ${checksumOf(share, data)}`);
  return `${lines.join('\n')}\n`;
}

interface FieldLine {
  readonly line: number;
  readonly value: string;
}

/**
 * Read STS-SHARE v1 text. Tolerates CRLF, blank lines, `#` comments, extra spaces around and inside
 * values, lower-case hex and the fields in any order. Returns every problem found, each with its
 * line, never echoing share data in a message.
 * @example
 * const r = decodeShare(text);
 * if (!r.ok) for (const p of r.problems) console.error(formatShareProblem(p));
 */
export function decodeShare(text: string): DecodeShareResult {
  if (typeof text !== 'string') throw new TypeError('text must be a string');
  const problems: ShareProblem[] = [];
  const add = (line: number, field: string, message: string) => problems.push({ line, field, message });
  const fields = new Map<Field, FieldLine>();
  const dataLines: { line: number; bytes: Uint8Array; check: string }[] = [];
  let checksum: FieldLine | undefined;
  let headerSeen = false;
  const rawLines = text.split(/\r?\n/);

  for (let i = 0; i < rawLines.length; i++) {
    const lineNo = i + 1;
    const line = rawLines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!headerSeen) {
      headerSeen = true;
      if (line.replace(/\s+/g, ' ') !== SHARE_HEADER) {
        add(lineNo, 'header', `must be "${SHARE_HEADER}" (is this an STS share file?)`);
        return { ok: false, problems };
      }
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      add(lineNo, 'line', 'must be "name: value"');
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (checksum !== undefined) {
      add(lineNo, name, 'comes after the checksum line, which must be last');
      continue;
    }
    if (name === 'data') {
      const parsed = parseDataLine(value, dataLines.length + 1);
      if (typeof parsed === 'string') add(lineNo, 'data', parsed);
      else dataLines.push({ line: lineNo, ...parsed });
    } else if (name === 'checksum') {
      checksum = { line: lineNo, value };
    } else if ((FIELDS as readonly string[]).includes(name)) {
      const prev = fields.get(name as Field);
      if (prev) add(lineNo, name, `appears twice (first on line ${prev.line})`);
      else fields.set(name as Field, { line: lineNo, value });
    } else {
      add(lineNo, name, `unknown field (expected one of ${[...FIELDS, 'data', 'checksum'].join(', ')})`);
    }
  }
  if (!headerSeen) {
    add(0, 'header', `missing: the text must start with "${SHARE_HEADER}"`);
    return { ok: false, problems };
  }

  const lastLine = rawLines.length;
  const need = (f: Field): FieldLine | undefined => {
    const v = fields.get(f);
    if (!v) add(0, f, 'missing');
    return v;
  };
  const intField = (f: Field, lo: number, hi: number): number => {
    const v = need(f);
    if (!v) return Number.NaN;
    if (!/^\d{1,3}$/.test(v.value) || Number(v.value) < lo || Number(v.value) > hi) {
      add(v.line, f, `must be a whole number from ${lo} to ${hi}`);
      return Number.NaN;
    }
    return Number(v.value);
  };

  const set = need('set');
  const setId = set?.value.toUpperCase() ?? '';
  if (set && !/^[0-9A-F]{16}$/.test(setId)) add(set.line, 'set', 'must be 16 hex digits');

  const labelField = need('label');
  const label = shareLabel(labelField?.value ?? '') ?? '';
  if (labelField && label === '') add(labelField.line, 'label', `must be ${SHARE_LABEL_RULE}`);

  const shares = intField('shares', 2, 255);
  const threshold = intField('threshold', 2, Number.isNaN(shares) ? 255 : shares);
  const index = intField('index', 1, Number.isNaN(shares) ? 255 : shares);

  const rehearsalField = fields.get('rehearsal');
  if (rehearsalField && rehearsalField.value.toLowerCase() !== 'yes') {
    add(rehearsalField.line, 'rehearsal', 'must be "yes" when present');
  }
  const rehearsal = rehearsalField !== undefined;

  const kcvField = need('kcv');
  const [kcvHex = '', method = '', ...extra] = (kcvField?.value ?? '').split(/\s+/);
  const kcv = kcvHex.toUpperCase();
  if (kcvField && (!/^[0-9A-F]{6}$/.test(kcv) || extra.length > 0)) {
    add(kcvField.line, 'kcv', `must be 6 hex digits and the method (${KCV_METHODS.join(', ')})`);
  } else if (kcvField && !KCV_METHODS.includes(method as KcvMethod)) {
    add(kcvField.line, 'kcv', `method must be one of ${KCV_METHODS.join(', ')}`);
  }

  const length = intField('length', 2, 256);
  if (dataLines.length === 0 && !problems.some((p) => p.field === 'data')) add(0, 'data', 'missing');
  let dataLinesOk = !problems.some((p) => p.field === 'data');
  for (let k = 0; k < dataLines.length; k++) {
    const d = dataLines[k]!;
    if (k < dataLines.length - 1 && d.bytes.length !== BYTES_PER_LINE) {
      add(d.line, 'data', `must hold ${BYTES_PER_LINE} bytes (only the last data line may be shorter)`);
      dataLinesOk = false;
    } else if (lineCheck(k + 1, d.bytes) !== d.check) {
      add(d.line, 'data', 'line check does not match: a character on this line was mistyped');
      dataLinesOk = false;
    }
  }
  let total = 0;
  for (const d of dataLines) total += d.bytes.length;
  const data = new Uint8Array(total);
  let offset = 0;
  for (const d of dataLines) {
    data.set(d.bytes, offset);
    offset += d.bytes.length;
    d.bytes.fill(0);
  }
  if (dataLinesOk && !Number.isNaN(length) && data.length !== length) {
    add(0, 'data', `has ${data.length} bytes but length says ${length}: a data line is missing or extra`);
  }

  if (!checksum) add(0, 'checksum', 'missing: the last line must be "checksum: " and 8 hex digits');
  else if (!/^[0-9A-Fa-f]{8}$/.test(checksum.value)) add(checksum.line, 'checksum', 'must be 8 hex digits');

  if (problems.length > 0) {
    data.fill(0);
    return { ok: false, problems };
  }
  const info: ShareInfo = {
    setId,
    label,
    threshold,
    shares,
    index,
    kcv,
    kcvMethod: method as KcvMethod,
    rehearsal,
  };
  if (checksumOf(info, data) !== checksum!.value.toUpperCase()) {
    data.fill(0);
    add(
      checksum!.line,
      'checksum',
      `does not match the fields above (lines 1 to ${lastLine}): a character in set, label, threshold, shares, index, kcv or the checksum itself was mistyped`,
    );
    return { ok: false, problems };
  }
  const share = new Share(info, data);
  data.fill(0);
  return { ok: true, share };
}

/** Parse `01AB 23CD … | 5E`; spaces between groups are free, the check follows `|`. */
function parseDataLine(value: string, n: number): { bytes: Uint8Array; check: string } | string {
  const bar = value.lastIndexOf('|');
  if (bar < 0) return `line ${n} of the data must end with "| " and its 2-digit line check`;
  const hex = value.slice(0, bar).replace(/\s+/g, '');
  const check = value
    .slice(bar + 1)
    .trim()
    .toUpperCase();
  if (!/^[0-9A-F]{2}$/.test(check)) return 'the line check after "|" must be 2 hex digits';
  if (
    hex.length === 0 ||
    hex.length % 2 !== 0 ||
    hex.length > BYTES_PER_LINE * 2 ||
    !/^[0-9A-Fa-f]+$/.test(hex)
  ) {
    return `must be 1 to ${BYTES_PER_LINE} bytes as hex digits in groups (a digit is missing, extra or not hex)`;
  }
  return { bytes: hexToBytes(hex, 'share data'), check };
}

/**
 * Check that shares can be combined: one set (same set id, threshold, count, KCV, method, rehearsal
 * flag and length), no index or x coordinate twice, and at least `threshold` of them. Returns every
 * problem as a sentence naming the shares by index; an empty list means go ahead.
 * @example
 * const problems = checkShareSet(shares); // ['need 3 shares of set 3F9A…, got 2: 1 more is missing']
 */
export function checkShareSet(shares: readonly Share[]): string[] {
  const problems: string[] = [];
  const first = shares[0];
  if (!first) return ['no shares given'];
  for (const s of shares.slice(1)) {
    const diffs: string[] = [];
    if (s.setId !== first.setId) diffs.push(`set ${s.setId} instead of ${first.setId}`);
    if (s.threshold !== first.threshold) diffs.push(`threshold ${s.threshold} instead of ${first.threshold}`);
    if (s.shares !== first.shares) diffs.push(`shares ${s.shares} instead of ${first.shares}`);
    if (s.kcv !== first.kcv || s.kcvMethod !== first.kcvMethod) {
      diffs.push(`kcv ${s.kcv} ${s.kcvMethod} instead of ${first.kcv} ${first.kcvMethod}`);
    }
    if (s.rehearsal !== first.rehearsal)
      diffs.push(s.rehearsal ? 'a rehearsal share' : 'not a rehearsal share');
    if (s.data.length !== first.data.length)
      diffs.push(`length ${s.data.length} instead of ${first.data.length}`);
    if (diffs.length > 0) problems.push(`share ${s.index} belongs to another set: ${diffs.join(', ')}`);
  }
  if (problems.length > 0) return problems;
  const seenIndex = new Set<number>();
  const seenX = new Set<number>();
  for (const s of shares) {
    if (seenIndex.has(s.index)) problems.push(`share ${s.index} is given twice`);
    else if (seenX.has(s.data[s.data.length - 1]!)) {
      problems.push(
        `share ${s.index} has the same x coordinate as another share: it is a copy under another index`,
      );
    }
    seenIndex.add(s.index);
    seenX.add(s.data[s.data.length - 1]!);
  }
  const distinct = seenIndex.size;
  if (problems.length === 0 && distinct < first.threshold) {
    const missing = first.threshold - distinct;
    problems.push(
      `need ${first.threshold} shares of set ${first.setId}, got ${distinct}: ${missing} more ${missing === 1 ? 'is' : 'are'} missing`,
    );
  }
  return problems;
}
