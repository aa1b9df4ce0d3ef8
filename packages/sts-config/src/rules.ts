// The rule of each field and the cross-field rules, applied to values read as text.
// nectar-compat §1 (Nectar's rules, then ours where stricter) and sts-reference §8.2, §10.

import { diagnostic, type Position, type StsConfigDiagnostic, showValue } from './diagnostics.ts';
import { FIELD_EXPECTS, FIELD_KEYS, type FieldKey } from './fields.ts';
import { SecretBytes } from './secret.ts';
import type { StsConfig, StsConfigResult } from './types.ts';

/** A field's value as text, with where it stood (undefined for values from JSON). */
export interface RawValue {
  readonly text: string;
  readonly at: Position | undefined;
  /** True when the file had nothing after `key:` (as opposed to a quoted empty string). */
  readonly empty?: boolean;
}

type Verdict =
  | { readonly bad: false; readonly value: unknown }
  | {
      readonly bad: true;
      readonly code: 'invalid-value' | 'out-of-range' | 'not-hex' | 'not-supported';
      readonly detail: string;
    };

const bad = (
  code: 'invalid-value' | 'out-of-range' | 'not-hex' | 'not-supported',
  detail: string,
): Verdict => ({
  bad: true,
  code,
  detail,
});
const good = (value: unknown): Verdict => ({ bad: false, value });

/** C0 controls (ESC, tab, line breaks), DEL and the C1 controls U+0080–U+009F (U+009B is a terminal's CSI). */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * The first bidirectional control in `text` (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
 * as "U+XXXX", or undefined. A name is printed by every app: a right-to-left override in it would make
 * a terminal show other text than the file holds (the "Trojan Source" trick, CVE-2021-42574).
 */
function bidiControl(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 0x061c ||
      c === 0x200e ||
      c === 0x200f ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    ) {
      return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return undefined;
}

function isDecimal(text: string): boolean {
  return /^[0-9]+$/.test(text);
}

function wholeNumber(text: string, min: number, max: number): Verdict {
  if (!isDecimal(text))
    return bad('invalid-value', `must be a whole number from ${min} to ${max}; got ${showValue(text)}`);
  if (text.length > 1 && text.charCodeAt(0) === 48) {
    // YAML 1.1 readers take 010 as octal 8: refuse the ambiguity instead of guessing.
    return bad(
      'invalid-value',
      `must be written without leading zeros (from ${min} to ${max}); got ${showValue(text)}`,
    );
  }
  const n = Number(text);
  if (n < min || n > max) return bad('out-of-range', `must be from ${min} to ${max}; got ${showValue(text)}`);
  return good(n);
}

function exactDigits(text: string, count: number, example: string): Verdict {
  if (text.length === count && isDecimal(text)) return good(text);
  return bad('invalid-value', `must be exactly ${count} digits, e.g. ${example}; got ${showValue(text)}`);
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Decode the vending key straight into a SecretBytes; messages give its length only. */
function vendingKey(text: string): Verdict {
  for (let i = 0; i < text.length; i++) {
    if (hexValue(text.charCodeAt(i)) < 0) {
      return bad('not-hex', `must be hexadecimal (16 or 40 hex digits); got ${text.length} characters`);
    }
  }
  if (text.length !== 16 && text.length !== 40) {
    return bad(
      'invalid-value',
      `must be 16 hex digits (64 bits, for DKGA02) or 40 hex digits (160 bits, for DKGA04); got ${text.length} hex digits`,
    );
  }
  const key = new SecretBytes(text.length / 2);
  for (let i = 0; i < key.length; i++) {
    key[i] = (hexValue(text.charCodeAt(2 * i)) << 4) | hexValue(text.charCodeAt(2 * i + 1));
  }
  return good(key);
}

const FIELD_RULES: Readonly<Record<FieldKey, (text: string) => Verdict>> = {
  name: (text) => {
    if (text.length === 0) return bad('invalid-value', 'must be non-empty text');
    if (hasControlCharacter(text)) {
      return bad('invalid-value', 'must be text without control characters (tabs, line breaks)');
    }
    const bidi = bidiControl(text);
    return bidi === undefined
      ? good(text)
      : bad(
          'invalid-value',
          `must be text without bidirectional controls (they reorder what is shown); got ${bidi}`,
        );
  },
  key_expiry_no: (text) => wholeNumber(text, 0, 255),
  encryption_algorithm: (text) => {
    if (text === 'sta' || text === 'dea' || text === 'misty1') return good(text);
    // Nectar's form submits `misty1` but its published rule says `misty`: both mean EA11.
    if (text === 'misty') return good('misty1');
    return bad('invalid-value', `must be sta, dea or misty1 (misty is accepted too); got ${showValue(text)}`);
  },
  token_carrier_type: (text) =>
    text === 'numeric'
      ? good(text)
      : bad(
          'invalid-value',
          `must be numeric (20-digit keypad tokens, the only carrier supported); got ${showValue(text)}`,
        ),
  decoder_key_generation_algorithm: (text) => {
    if (text === '02' || text === '04') return good(text);
    if (text === '01') {
      return bad(
        'not-supported',
        'DKGA01 is not supported: its algorithm is not public and it only serves legacy meters; use 02 (64-bit vending key) or 04 (160-bit vending key)',
      );
    }
    if (text === '03') {
      return bad(
        'not-supported',
        'DKGA03 is not supported: it has no published test vectors and the STS Association does not recommend it; use 02 (64-bit vending key) or 04 (160-bit vending key)',
      );
    }
    return bad('invalid-value', `must be 02 or 04, two digits with the leading zero; got ${showValue(text)}`);
  },
  tariff_index: (text) => exactDigits(text, 2, '01'),
  key_revision_no: (text) => wholeNumber(text, 1, 9),
  vending_key: vendingKey,
  supply_group_code: (text) => exactDigits(text, 6, '123456'),
  key_type: (text) => wholeNumber(text, 0, 3),
  base_date: (text) =>
    text === '1993' || text === '2014' || text === '2035'
      ? good(Number(text))
      : bad('invalid-value', `must be 1993, 2014 or 2035; got ${showValue(text)}`),
  issuer_identification_no: (text) =>
    text === '600727' || text === '0000'
      ? good(text)
      : bad(
          'invalid-value',
          `must be 600727 (11-digit DRNs) or 0000 (13-digit DRNs); got ${showValue(text)}`,
        ),
};

function lineNote(raw: RawValue | undefined): string {
  return raw?.at === undefined ? '' : ` (line ${raw.at.line})`;
}

/**
 * Check every field and the cross-field rules. `values` holds the fields that were present (and
 * not already reported as broken); `skipMissing` names fields whose absence is already explained.
 * `endOfText` is where missing-field errors point when reading text.
 */
export function applyRules(
  values: ReadonlyMap<FieldKey, RawValue>,
  skipMissing: ReadonlySet<FieldKey>,
  endOfText: Position | undefined,
  earlier: StsConfigDiagnostic[],
): StsConfigResult {
  const errors = earlier;
  const warnings: StsConfigDiagnostic[] = [];
  const parsed: Partial<Record<FieldKey, unknown>> = {};
  let complete = true;

  for (const key of FIELD_KEYS) {
    const raw = values.get(key);
    if (raw === undefined) {
      complete = false;
      if (!skipMissing.has(key)) {
        errors.push(
          diagnostic('missing-field', key, `${key}: is missing (must be ${FIELD_EXPECTS[key]})`, endOfText),
        );
      }
      continue;
    }
    if (raw.empty === true) {
      complete = false;
      errors.push(
        diagnostic('empty-value', key, `${key}: has no value (must be ${FIELD_EXPECTS[key]})`, raw.at),
      );
      continue;
    }
    const verdict = FIELD_RULES[key](raw.text);
    if (verdict.bad) {
      complete = false;
      errors.push(diagnostic(verdict.code, key, `${key}: ${verdict.detail}`, raw.at));
    } else {
      parsed[key] = verdict.value;
    }
  }

  const ea = parsed.encryption_algorithm;
  const dkga = parsed.decoder_key_generation_algorithm;
  const key = parsed.vending_key as SecretBytes | undefined;
  if (ea === 'dea') {
    warnings.push(
      diagnostic(
        'deprecated',
        'encryption_algorithm',
        'encryption_algorithm: dea (EA09) is deprecated by IEC 62055-41:2018 7.3.4 and shall not be used in new products; use sta or misty1',
        values.get('encryption_algorithm')?.at,
      ),
    );
  }
  if (ea === 'misty1' && dkga === '02') {
    errors.push(
      diagnostic(
        'algorithm-mismatch',
        'encryption_algorithm',
        `encryption_algorithm: misty1 needs decoder_key_generation_algorithm 04 (only DKGA04 makes 128-bit decoder keys); got 02${lineNote(values.get('decoder_key_generation_algorithm'))}`,
        values.get('encryption_algorithm')?.at,
      ),
    );
  }
  if (key !== undefined && dkga !== undefined) {
    const at = values.get('vending_key')?.at;
    const dkgaLine = lineNote(values.get('decoder_key_generation_algorithm'));
    if (dkga === '04' && key.length !== 20) {
      errors.push(
        diagnostic(
          'key-length-mismatch',
          'vending_key',
          `vending_key: DKGA04${dkgaLine} needs a 160-bit vending key (40 hex digits); got a 64-bit key (16 hex digits), which fits DKGA02`,
          at,
        ),
      );
    } else if (dkga === '02' && key.length !== 8) {
      errors.push(
        diagnostic(
          'key-length-mismatch',
          'vending_key',
          `vending_key: DKGA02${dkgaLine} needs a 64-bit vending key (16 hex digits); got a 160-bit key (40 hex digits), which fits DKGA04`,
          at,
        ),
      );
    }
  }

  if (!complete || errors.length > 0) {
    key?.wipe();
    return { ok: false, errors: sortByPosition(errors), warnings };
  }
  const config: StsConfig = Object.freeze({
    name: parsed.name as string,
    keyExpiryNo: parsed.key_expiry_no as number,
    encryptionAlgorithm: ea as StsConfig['encryptionAlgorithm'],
    tokenCarrierType: 'numeric',
    decoderKeyGenerationAlgorithm: dkga as StsConfig['decoderKeyGenerationAlgorithm'],
    tariffIndex: parsed.tariff_index as string,
    keyRevisionNo: parsed.key_revision_no as number,
    vendingKey: key as SecretBytes,
    supplyGroupCode: parsed.supply_group_code as string,
    keyType: parsed.key_type as StsConfig['keyType'],
    baseDate: parsed.base_date as StsConfig['baseDate'],
    issuerIdentificationNo: parsed.issuer_identification_no as StsConfig['issuerIdentificationNo'],
  });
  return { ok: true, config, warnings };
}

/** Errors in reading order; those without a position (JSON, end of file) keep their order at the end. */
function sortByPosition(list: StsConfigDiagnostic[]): StsConfigDiagnostic[] {
  return list
    .map((d, index) => ({ d, index }))
    .sort(
      (a, b) =>
        (a.d.line ?? Number.MAX_SAFE_INTEGER) - (b.d.line ?? Number.MAX_SAFE_INTEGER) ||
        (a.d.column ?? 0) - (b.d.column ?? 0) ||
        a.index - b.index,
    )
    .map((x) => x.d);
}
