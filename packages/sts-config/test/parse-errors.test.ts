// Malformed configuration files and the exact errors they get: code, path, line, column, text.
// One row per fault a person makes in a real file (nectar-compat §1 rules and traps).

import { describe, expect, test } from 'vitest';
import { FIELD_KEYS } from '../src/fields.ts';
import { parseStsConfig } from '../src/parse.ts';
import { append, BASE_LINES, edit, edits, KEY_40 } from './helpers.ts';

interface Expected {
  code: string;
  path: string;
  line: number;
  column: number;
  message: string;
}

const ALL_KEYS = FIELD_KEYS.join(', ');

const rows: { name: string; text: string; errors: Expected[] }[] = [
  {
    name: 'tariff index of one digit',
    text: edit('tariff_index', 'tariff_index: 1'),
    errors: [
      {
        code: 'invalid-value',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: must be exactly 2 digits, e.g. 01; got "1"',
      },
    ],
  },
  {
    name: "tariff index 01w (Nectar's own docs)",
    text: edit('tariff_index', 'tariff_index: 01w'),
    errors: [
      {
        code: 'invalid-value',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: must be exactly 2 digits, e.g. 01; got "01w"',
      },
    ],
  },
  {
    name: 'tariff index of three digits',
    text: edit('tariff_index', 'tariff_index: 001'),
    errors: [
      {
        code: 'invalid-value',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: must be exactly 2 digits, e.g. 01; got "001"',
      },
    ],
  },
  {
    name: 'tariff index with no value',
    text: edit('tariff_index', 'tariff_index:'),
    errors: [
      {
        code: 'empty-value',
        path: 'tariff_index',
        line: 7,
        column: 14,
        message: 'tariff_index: has no value (must be exactly 2 digits, e.g. 01)',
      },
    ],
  },
  {
    name: 'tariff index with only a comment',
    text: edit('tariff_index', 'tariff_index: # TI'),
    errors: [
      {
        code: 'empty-value',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: has no value (must be exactly 2 digits, e.g. 01)',
      },
    ],
  },
  {
    name: 'misspelt key gets the near miss, and no "missing" for it',
    text: edit('tariff_index', 'tarrif_index: 01'),
    errors: [
      {
        code: 'unknown-key',
        path: 'tarrif_index',
        line: 7,
        column: 1,
        message: 'tarrif_index: unknown key; did you mean tariff_index?',
      },
    ],
  },
  {
    name: 'camelCase key gets the snake_case name',
    text: edit('tariff_index', 'tariffIndex: 01'),
    errors: [
      {
        code: 'unknown-key',
        path: 'tariffIndex',
        line: 7,
        column: 1,
        message: 'tariffIndex: unknown key; did you mean tariff_index?',
      },
    ],
  },
  {
    name: 'unknown key with no near miss lists the keys',
    text: append('colour: blue'),
    errors: [
      {
        code: 'unknown-key',
        path: 'colour',
        line: 14,
        column: 1,
        message: `colour: unknown key; the keys are ${ALL_KEYS}`,
      },
    ],
  },
  {
    name: 'missing field points at the end of the file',
    text: edit('tariff_index', null),
    errors: [
      {
        code: 'missing-field',
        path: 'tariff_index',
        line: 13,
        column: 1,
        message: 'tariff_index: is missing (must be exactly 2 digits, e.g. 01)',
      },
    ],
  },
  {
    name: 'missing vending key',
    text: edit('vending_key', null),
    errors: [
      {
        code: 'missing-field',
        path: 'vending_key',
        line: 13,
        column: 1,
        message: 'vending_key: is missing (must be 16 or 40 hex digits)',
      },
    ],
  },
  {
    name: 'duplicate key names the first line',
    text: append('tariff_index: 02'),
    errors: [
      {
        code: 'duplicate-key',
        path: 'tariff_index',
        line: 14,
        column: 1,
        message: 'tariff_index: appears again (first on line 7); give each key once',
      },
    ],
  },
  {
    name: 'DKGA without its leading zero',
    text: edit('decoder_key_generation_algorithm', 'decoder_key_generation_algorithm: 2'),
    errors: [
      {
        code: 'invalid-value',
        path: 'decoder_key_generation_algorithm',
        line: 6,
        column: 35,
        message:
          'decoder_key_generation_algorithm: must be 02 or 04, two digits with the leading zero; got "2"',
      },
    ],
  },
  {
    name: 'DKGA01 is not supported, and why',
    text: edit('decoder_key_generation_algorithm', 'decoder_key_generation_algorithm: 01'),
    errors: [
      {
        code: 'not-supported',
        path: 'decoder_key_generation_algorithm',
        line: 6,
        column: 35,
        message:
          'decoder_key_generation_algorithm: DKGA01 is not supported: its algorithm is not public and it only serves legacy meters; use 02 (64-bit vending key) or 04 (160-bit vending key)',
      },
    ],
  },
  {
    name: 'DKGA03 is not supported, and why',
    text: edit('decoder_key_generation_algorithm', 'decoder_key_generation_algorithm: 03'),
    errors: [
      {
        code: 'not-supported',
        path: 'decoder_key_generation_algorithm',
        line: 6,
        column: 35,
        message:
          'decoder_key_generation_algorithm: DKGA03 is not supported: it has no published test vectors and the STS Association does not recommend it; use 02 (64-bit vending key) or 04 (160-bit vending key)',
      },
    ],
  },
  {
    name: 'DKGA04 with a 64-bit vending key',
    text: edit('decoder_key_generation_algorithm', 'decoder_key_generation_algorithm: 04'),
    errors: [
      {
        code: 'key-length-mismatch',
        path: 'vending_key',
        line: 9,
        column: 14,
        message:
          'vending_key: DKGA04 (line 6) needs a 160-bit vending key (40 hex digits); got a 64-bit key (16 hex digits), which fits DKGA02',
      },
    ],
  },
  {
    name: 'DKGA02 with a 160-bit vending key',
    text: edit('vending_key', `vending_key: ${KEY_40}`),
    errors: [
      {
        code: 'key-length-mismatch',
        path: 'vending_key',
        line: 9,
        column: 14,
        message:
          'vending_key: DKGA02 (line 6) needs a 64-bit vending key (16 hex digits); got a 160-bit key (40 hex digits), which fits DKGA04',
      },
    ],
  },
  {
    name: 'misty1 with DKGA02',
    text: edit('encryption_algorithm', 'encryption_algorithm: misty1'),
    errors: [
      {
        code: 'algorithm-mismatch',
        path: 'encryption_algorithm',
        line: 4,
        column: 23,
        message:
          'encryption_algorithm: misty1 needs decoder_key_generation_algorithm 04 (only DKGA04 makes 128-bit decoder keys); got 02 (line 6)',
      },
    ],
  },
  {
    name: 'unknown encryption algorithm',
    text: edit('encryption_algorithm', 'encryption_algorithm: aes'),
    errors: [
      {
        code: 'invalid-value',
        path: 'encryption_algorithm',
        line: 4,
        column: 23,
        message: 'encryption_algorithm: must be sta, dea or misty1 (misty is accepted too); got "aes"',
      },
    ],
  },
  {
    name: 'encryption algorithm in upper case',
    text: edit('encryption_algorithm', 'encryption_algorithm: STA'),
    errors: [
      {
        code: 'invalid-value',
        path: 'encryption_algorithm',
        line: 4,
        column: 23,
        message: 'encryption_algorithm: must be sta, dea or misty1 (misty is accepted too); got "STA"',
      },
    ],
  },
  {
    name: 'token carrier other than numeric',
    text: edit('token_carrier_type', 'token_carrier_type: magnetic'),
    errors: [
      {
        code: 'invalid-value',
        path: 'token_carrier_type',
        line: 5,
        column: 21,
        message:
          'token_carrier_type: must be numeric (20-digit keypad tokens, the only carrier supported); got "magnetic"',
      },
    ],
  },
  {
    name: 'key expiry number above 255',
    text: edit('key_expiry_no', 'key_expiry_no: 256'),
    errors: [
      {
        code: 'out-of-range',
        path: 'key_expiry_no',
        line: 3,
        column: 16,
        message: 'key_expiry_no: must be from 0 to 255; got "256"',
      },
    ],
  },
  {
    name: 'negative key expiry number',
    text: edit('key_expiry_no', 'key_expiry_no: -1'),
    errors: [
      {
        code: 'invalid-value',
        path: 'key_expiry_no',
        line: 3,
        column: 16,
        message: 'key_expiry_no: must be a whole number from 0 to 255; got "-1"',
      },
    ],
  },
  {
    name: 'key expiry number with a leading zero (octal in YAML 1.1)',
    text: edit('key_expiry_no', 'key_expiry_no: 010'),
    errors: [
      {
        code: 'invalid-value',
        path: 'key_expiry_no',
        line: 3,
        column: 16,
        message: 'key_expiry_no: must be written without leading zeros (from 0 to 255); got "010"',
      },
    ],
  },
  {
    name: 'key expiry number with a fraction',
    text: edit('key_expiry_no', 'key_expiry_no: 1.5'),
    errors: [
      {
        code: 'invalid-value',
        path: 'key_expiry_no',
        line: 3,
        column: 16,
        message: 'key_expiry_no: must be a whole number from 0 to 255; got "1.5"',
      },
    ],
  },
  {
    name: 'key revision number 0',
    text: edit('key_revision_no', 'key_revision_no: 0'),
    errors: [
      {
        code: 'out-of-range',
        path: 'key_revision_no',
        line: 8,
        column: 18,
        message: 'key_revision_no: must be from 1 to 9; got "0"',
      },
    ],
  },
  {
    name: 'key revision number 10',
    text: edit('key_revision_no', 'key_revision_no: 10'),
    errors: [
      {
        code: 'out-of-range',
        path: 'key_revision_no',
        line: 8,
        column: 18,
        message: 'key_revision_no: must be from 1 to 9; got "10"',
      },
    ],
  },
  {
    name: 'vending key of 15 hex digits',
    text: edit('vending_key', 'vending_key: 0123456789abcde'),
    errors: [
      {
        code: 'invalid-value',
        path: 'vending_key',
        line: 9,
        column: 14,
        message:
          'vending_key: must be 16 hex digits (64 bits, for DKGA02) or 40 hex digits (160 bits, for DKGA04); got 15 hex digits',
      },
    ],
  },
  {
    name: 'vending key with a non-hex character',
    text: edit('vending_key', 'vending_key: 0123456789abcdg'),
    errors: [
      {
        code: 'not-hex',
        path: 'vending_key',
        line: 9,
        column: 14,
        message: 'vending_key: must be hexadecimal (16 or 40 hex digits); got 15 characters',
      },
    ],
  },
  {
    name: 'vending key with a 0x prefix',
    text: edit('vending_key', 'vending_key: 0x0123456789abcdef'),
    errors: [
      {
        code: 'not-hex',
        path: 'vending_key',
        line: 9,
        column: 14,
        message: 'vending_key: must be hexadecimal (16 or 40 hex digits); got 18 characters',
      },
    ],
  },
  {
    name: 'vending key in groups of four',
    text: edit('vending_key', 'vending_key: 0123 4567 89ab cdef'),
    errors: [
      {
        code: 'not-hex',
        path: 'vending_key',
        line: 9,
        column: 14,
        message: 'vending_key: must be hexadecimal (16 or 40 hex digits); got 19 characters',
      },
    ],
  },
  {
    name: 'supply group code of five digits',
    text: edit('supply_group_code', 'supply_group_code: 12345'),
    errors: [
      {
        code: 'invalid-value',
        path: 'supply_group_code',
        line: 10,
        column: 20,
        message: 'supply_group_code: must be exactly 6 digits, e.g. 123456; got "12345"',
      },
    ],
  },
  {
    name: 'supply group code with a letter',
    text: edit('supply_group_code', 'supply_group_code: 12345a'),
    errors: [
      {
        code: 'invalid-value',
        path: 'supply_group_code',
        line: 10,
        column: 20,
        message: 'supply_group_code: must be exactly 6 digits, e.g. 123456; got "12345a"',
      },
    ],
  },
  {
    name: 'key type 4',
    text: edit('key_type', 'key_type: 4'),
    errors: [
      {
        code: 'out-of-range',
        path: 'key_type',
        line: 11,
        column: 11,
        message: 'key_type: must be from 0 to 3; got "4"',
      },
    ],
  },
  {
    name: 'base date 1994',
    text: edit('base_date', 'base_date: 1994'),
    errors: [
      {
        code: 'invalid-value',
        path: 'base_date',
        line: 12,
        column: 12,
        message: 'base_date: must be 1993, 2014 or 2035; got "1994"',
      },
    ],
  },
  {
    name: 'base date as two digits',
    text: edit('base_date', 'base_date: 93'),
    errors: [
      {
        code: 'invalid-value',
        path: 'base_date',
        line: 12,
        column: 12,
        message: 'base_date: must be 1993, 2014 or 2035; got "93"',
      },
    ],
  },
  {
    name: 'IIN 0 (0000 read as a YAML number)',
    text: edit('issuer_identification_no', 'issuer_identification_no: 0'),
    errors: [
      {
        code: 'invalid-value',
        path: 'issuer_identification_no',
        line: 13,
        column: 27,
        message: 'issuer_identification_no: must be 600727 (11-digit DRNs) or 0000 (13-digit DRNs); got "0"',
      },
    ],
  },
  {
    name: 'unknown IIN',
    text: edit('issuer_identification_no', 'issuer_identification_no: 600728'),
    errors: [
      {
        code: 'invalid-value',
        path: 'issuer_identification_no',
        line: 13,
        column: 27,
        message:
          'issuer_identification_no: must be 600727 (11-digit DRNs) or 0000 (13-digit DRNs); got "600728"',
      },
    ],
  },
  {
    name: 'empty quoted name',
    text: edit('name', 'name: ""'),
    errors: [
      { code: 'invalid-value', path: 'name', line: 2, column: 7, message: 'name: must be non-empty text' },
    ],
  },
  {
    name: 'name with a tab escape',
    text: edit('name', 'name: "a\\tb"'),
    errors: [
      {
        code: 'invalid-value',
        path: 'name',
        line: 2,
        column: 7,
        message: 'name: must be text without control characters (tabs, line breaks)',
      },
    ],
  },
  {
    name: 'a second document',
    text: append('---', 'name: other'),
    errors: [
      {
        code: 'multiple-documents',
        path: '',
        line: 14,
        column: 1,
        message: 'a second document starts here ("---"); a file holds exactly one configuration',
      },
    ],
  },
  {
    name: 'text after the document end',
    text: append('...', 'name: other'),
    errors: [
      {
        code: 'multiple-documents',
        path: '',
        line: 15,
        column: 1,
        message: 'text after the document end ("..."); a file holds exactly one configuration',
      },
    ],
  },
  {
    name: 'a value given as a block list',
    text: edit('tariff_index', 'tariff_index:\n  - 01\n  - 02'),
    errors: [
      {
        code: 'nested',
        path: 'tariff_index',
        line: 8,
        column: 3,
        message:
          'tariff_index: indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line',
      },
    ],
  },
  {
    name: 'a value given as a nested mapping',
    text: edit('supply_group_code', 'supply_group_code:\n  code: 123456'),
    errors: [
      {
        code: 'nested',
        path: 'supply_group_code',
        line: 11,
        column: 3,
        message:
          'supply_group_code: indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line',
      },
    ],
  },
  {
    name: 'a value continued on the next line',
    text: edit('name', 'name: example\n  config'),
    errors: [
      {
        code: 'nested',
        path: 'name',
        line: 3,
        column: 3,
        message:
          'name: indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line',
      },
    ],
  },
  {
    name: 'a key indented by mistake',
    text: edit('tariff_index', '  tariff_index: 01'),
    errors: [
      {
        code: 'nested',
        path: 'tariff_index',
        line: 7,
        column: 3,
        message:
          'tariff_index: indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line',
      },
    ],
  },
  {
    name: 'a key indented with a tab',
    text: edit('key_type', '\tkey_type: 3'),
    errors: [
      {
        code: 'nested',
        path: 'key_type',
        line: 11,
        column: 2,
        message:
          'key_type: indented line: nested structures and continued values are not allowed; write each "key: value" at the start of its line',
      },
    ],
  },
  {
    name: 'a flow list as a value',
    text: edit('tariff_index', 'tariff_index: [01, 02]'),
    errors: [
      {
        code: 'nested',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: lists and nested structures are not allowed; give one plain value',
      },
    ],
  },
  {
    name: 'a flow mapping as a value',
    text: edit('supply_group_code', 'supply_group_code: {sgc: 123456}'),
    errors: [
      {
        code: 'nested',
        path: 'supply_group_code',
        line: 10,
        column: 20,
        message: 'supply_group_code: lists and nested structures are not allowed; give one plain value',
      },
    ],
  },
  {
    name: 'a block scalar as a value, its indented text reported once',
    text: edit('name', 'name: |\n  example\n  config'),
    errors: [
      {
        code: 'nested',
        path: 'name',
        line: 2,
        column: 7,
        message: 'name: block scalars (| or >) are not allowed; write the value on the same line',
      },
    ],
  },
  {
    name: 'a list item at the top level',
    text: append('- 01'),
    errors: [
      {
        code: 'nested',
        path: '',
        line: 14,
        column: 1,
        message: 'lists are not allowed; the file is one "key: value" per line',
      },
    ],
  },
  {
    name: 'no blank after the colon',
    text: edit('tariff_index', 'tariff_index:01'),
    errors: [
      {
        code: 'syntax',
        path: 'tariff_index',
        line: 7,
        column: 14,
        message: 'tariff_index: put a blank after the colon ("tariff_index: value")',
      },
    ],
  },
  {
    name: 'no colon at all',
    text: edit('tariff_index', 'tariff_index 01'),
    errors: [
      { code: 'syntax', path: '', line: 7, column: 1, message: 'expected "key: value"' },
      {
        code: 'missing-field',
        path: 'tariff_index',
        line: 14,
        column: 1,
        message: 'tariff_index: is missing (must be exactly 2 digits, e.g. 01)',
      },
    ],
  },
  {
    name: 'a key=value line',
    text: append('vending_key=0123456789abcdef'),
    errors: [{ code: 'syntax', path: '', line: 14, column: 1, message: 'expected "key: value"' }],
  },
  {
    name: 'an unterminated double quote',
    text: edit('tariff_index', 'tariff_index: "01'),
    errors: [
      {
        code: 'unterminated-quote',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: the quoted value has no closing quote; it must end on the same line',
      },
    ],
  },
  {
    name: 'an unterminated single quote',
    text: edit('key_type', "key_type: '3"),
    errors: [
      {
        code: 'unterminated-quote',
        path: 'key_type',
        line: 11,
        column: 11,
        message: 'key_type: the quoted value has no closing quote; it must end on the same line',
      },
    ],
  },
  {
    name: 'text after a closing quote',
    text: edit('tariff_index', 'tariff_index: "01" x'),
    errors: [
      {
        code: 'trailing-content',
        path: 'tariff_index',
        line: 7,
        column: 20,
        message: 'tariff_index: unexpected text after the closing quote; only a comment (" # …") may follow',
      },
    ],
  },
  {
    name: 'an unknown escape',
    text: edit('name', 'name: "a\\qb"'),
    errors: [
      {
        code: 'bad-escape',
        path: 'name',
        line: 2,
        column: 9,
        message:
          'name: unknown escape in a double-quoted value; use \\\\ for a backslash, \\" for a quote, or single quotes',
      },
    ],
  },
  {
    name: 'a YAML anchor',
    text: edit('tariff_index', 'tariff_index: &ti 01'),
    errors: [
      {
        code: 'unsupported-yaml',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: YAML anchors, aliases and tags are not supported; quote the value',
      },
    ],
  },
  {
    name: 'a YAML tag',
    text: edit('tariff_index', 'tariff_index: !!str 01'),
    errors: [
      {
        code: 'unsupported-yaml',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: YAML anchors, aliases and tags are not supported; quote the value',
      },
    ],
  },
  {
    name: 'a YAML directive',
    text: `%YAML 1.2\n${BASE_LINES.join('\n')}\n`,
    errors: [
      {
        code: 'unsupported-yaml',
        path: '',
        line: 1,
        column: 1,
        message: 'YAML directives (%YAML, %TAG) are not supported; remove the line',
      },
    ],
  },
  {
    name: 'a value after ---',
    text: `--- name: x\n${BASE_LINES.slice(1).join('\n')}\n`,
    errors: [
      {
        code: 'syntax',
        path: '',
        line: 1,
        column: 5,
        message: 'nothing but a comment may follow "---" on its line',
      },
    ],
  },
  {
    name: 'a plain value holding ": "',
    text: edit('name', 'name: a: b'),
    errors: [
      {
        code: 'syntax',
        path: 'name',
        line: 2,
        column: 8,
        message: 'name: a plain value cannot contain ": "; quote the value',
      },
    ],
  },
  {
    name: 'a quoted key',
    text: edit('tariff_index', '"tariff_index": 01'),
    errors: [
      {
        code: 'unsupported-yaml',
        path: '',
        line: 7,
        column: 1,
        message: 'quoted keys are not supported; write the key plain, e.g. "tariff_index: 01"',
      },
    ],
  },
  {
    name: 'several faults at once, in line order',
    text: edits({
      key_expiry_no: 'key_expiry_no: 300',
      tariff_index: 'tariff_index: 1',
      base_date: 'base_date: 2000',
      issuer_identification_no: null,
    }),
    errors: [
      {
        code: 'out-of-range',
        path: 'key_expiry_no',
        line: 3,
        column: 16,
        message: 'key_expiry_no: must be from 0 to 255; got "300"',
      },
      {
        code: 'invalid-value',
        path: 'tariff_index',
        line: 7,
        column: 15,
        message: 'tariff_index: must be exactly 2 digits, e.g. 01; got "1"',
      },
      {
        code: 'invalid-value',
        path: 'base_date',
        line: 12,
        column: 12,
        message: 'base_date: must be 1993, 2014 or 2035; got "2000"',
      },
      {
        code: 'missing-field',
        path: 'issuer_identification_no',
        line: 13,
        column: 1,
        message: 'issuer_identification_no: is missing (must be 600727 or 0000)',
      },
    ],
  },
];

describe('parseStsConfig rejects malformed files with exact errors', () => {
  test('the table has at least 40 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  test.each(rows)('$name', ({ text, errors }) => {
    const result = parseStsConfig(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.errors.map(({ code, path, line, column, message }) => ({ code, path, line, column, message })),
    ).toEqual(errors);
  });
});

describe('regression: a name with a bidirectional control (U+202E right-to-left override, …) is refused', () => {
  // Expected code points typed out from the list, not computed by the rule under test.
  test.each([
    { control: '\u061c', shown: 'U+061C' },
    { control: '\u200e', shown: 'U+200E' },
    { control: '\u200f', shown: 'U+200F' },
    { control: '\u202a', shown: 'U+202A' },
    { control: '\u202b', shown: 'U+202B' },
    { control: '\u202c', shown: 'U+202C' },
    { control: '\u202d', shown: 'U+202D' },
    { control: '\u202e', shown: 'U+202E' },
    { control: '\u2066', shown: 'U+2066' },
    { control: '\u2067', shown: 'U+2067' },
    { control: '\u2068', shown: 'U+2068' },
    { control: '\u2069', shown: 'U+2069' },
  ])('raw $shown in a plain name', ({ control, shown }) => {
    const result = parseStsConfig(edit('name', `name: site${control}gpj.exe`));
    expect(result).toMatchObject({
      ok: false,
      errors: [
        {
          code: 'invalid-value',
          path: 'name',
          line: 2,
          column: 7,
          message: `name: must be text without bidirectional controls (they reorder what is shown); got ${shown}`,
        },
      ],
    });
  });

  test('a \\u202E escape in a double-quoted name', () => {
    const result = parseStsConfig(edit('name', 'name: "a\\u202Eb"'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toEqual([
      'name: must be text without bidirectional controls (they reorder what is shown); got U+202E',
    ]);
  });

  test.each([
    { name: 'ESC', sequence: '\\x1B' },
    { name: 'U+009B (a C1 control: CSI on some terminals)', sequence: '\\x9B' },
  ])('$name in a quoted name is a control character, refused like ESC', ({ sequence }) => {
    const result = parseStsConfig(edit('name', `name: "a${sequence}[2Jb"`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.message)).toEqual([
      'name: must be text without control characters (tabs, line breaks)',
    ]);
  });

  test('right-to-left letters themselves (Arabic, Hebrew) are still a valid name', () => {
    expect(parseStsConfig(edit('name', 'name: محطة שלום')).ok).toBe(true);
  });
});

describe('files with nothing useful in them', () => {
  test.each([
    { name: 'empty text', text: '', line: 1 },
    { name: 'only comments and ---', text: '---\n# nothing here\n', line: 3 },
    { name: 'only a BOM', text: '\uFEFF', line: 1 },
  ])('$name: every field is missing, at the end of the text', ({ text, line }) => {
    const result = parseStsConfig(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual([...FIELD_KEYS]);
    expect(new Set(result.errors.map((e) => `${e.code}@${e.line}:${e.column}`))).toEqual(
      new Set([`missing-field@${line}:1`]),
    );
  });

  test('a JSON object is not a configuration file', () => {
    const result = parseStsConfig('{"name": "x"}');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ code: 'nested', line: 1, column: 1 });
    expect(result.errors).toHaveLength(13);
  });
});

describe('source names the file in every error', () => {
  test('source is copied into errors', () => {
    const result = parseStsConfig(edit('tariff_index', 'tariff_index: 1'), { source: 'sts_config.yml' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]?.source).toBe('sts_config.yml');
  });
});
