// The decoder: 20 digits → class, block, decryption, CRC check, typed fields (sts-reference §7, §12).
// decodeToken never throws; the low-level functions let the meter simulator decode without allocation.
import { type BaseDate, tokenCrcField } from 'sts-crypto';
import { decodeAmountField, formatTenths } from './amount.ts';
import { currencyExponent, decodeCurrencyAmount } from './currency.ts';
import { parseTokenDigitsInto, parseTokenTextInto } from './digits.ts';
import type { TokenErrorCode } from './errors.ts';
import {
  blockField,
  blockNibble,
  blockSubclass,
  blockTid,
  isCurrencyBlock,
  keyChangeControl,
  keyChangeKeyPart,
  testDisplayControl,
  testDisplayManufacturerCode,
} from './fields.ts';
import type { PreparedDecoderKey } from './key.ts';
import { isoFromTid } from './tid.ts';
import { tokenTypeByCode } from './token-types.ts';
import type {
  DecodedCredit,
  DecodedCurrency,
  DecodedKeyChange,
  DecodedRaw16,
  DecodedTestDisplay,
  DecodedTokenOk,
  DecodedWatts,
  DecodeFailure,
  DecodeResult,
} from './types.ts';

const BLOCK = new Uint32Array(2);
const PLAIN = new Uint32Array(2);

/** Low level: decrypt the block of a parsed token into out (class 1 is copied as is). */
export function decryptTokenBlock(
  key: PreparedDecoderKey | null,
  tokenClass: number,
  hi: number,
  lo: number,
  out: Uint32Array,
): void {
  if (tokenClass === 1 || key === null) {
    out[0] = hi;
    out[1] = lo;
    return;
  }
  key.decrypt64(hi, lo, out);
}

/** Low level: does the CRC (CRC_C for class 0 sub 4–7) of the plaintext block (hi, lo) match? */
export function checkTokenCrc(tokenClass: number, hi: number, lo: number): boolean {
  const variant = isCurrencyBlock(tokenClass, blockSubclass(hi)) ? 'crc-c' : 'crc';
  return tokenCrcField(tokenClass, hi, lo, variant) === (lo & 0xffff);
}

/** What decodeInto found; every status but 'ok' and 'crc-error' leaves `out` unspecified. */
export type DecodeStatus =
  | 'ok' // out holds class, plaintext hi, lo; the CRC matches
  | 'not-digits' // not 20 decimal digits (single spaces or dashes between groups allowed)
  | 'too-large' // 20 digits, but 2^66 or more
  | 'reserved-class' // class 3: no meter can authenticate it
  | 'key-required' // class 0 or 2 without a key
  | 'crc-error'; // out holds class, hi, lo as decrypted; the CRC (CRC_C for currency) does not match

/**
 * Low level, allocation-free: token text → out[0] = class, out[1] = hi, out[2] = lo of the plaintext block
 * (class 0/2 decrypted under `key`, class 1 as it is), with the CRC checked. The meter simulator's path:
 * read the fields with blockSubclass, blockTid, blockField, … on out[1], out[2].
 * @example
 * const out = new Uint32Array(3);
 * decodeInto(key, '2371-6100-5011-8319-4197', out); // 'ok'; blockField(out[2]) === 1
 */
export function decodeInto(key: PreparedDecoderKey | null, text: string, out: Uint32Array): DecodeStatus {
  const cls = parseTokenTextInto(text, BLOCK);
  if (cls < 0) return cls === -1 ? 'not-digits' : 'too-large';
  if (cls === 3) return 'reserved-class';
  out[0] = cls;
  if (cls === 1) {
    out[1] = BLOCK[0]!;
    out[2] = BLOCK[1]!;
  } else {
    if (key === null) return 'key-required';
    key.decrypt64(BLOCK[0]!, BLOCK[1]!, PLAIN);
    out[1] = PLAIN[0]!;
    out[2] = PLAIN[1]!;
  }
  return checkTokenCrc(cls, out[1]!, out[2]!) ? 'ok' : 'crc-error';
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** Low level: the typed fields of a plaintext block; TIDs are read against `baseDate` (default 1993). */
export function decodeBlock(
  tokenClass: number,
  hi: number,
  lo: number,
  baseDate: BaseDate = 1993,
): DecodedTokenOk {
  const crcOk = checkTokenCrc(tokenClass, hi, lo);
  const subclass = blockSubclass(hi);
  const info = tokenTypeByCode(tokenClass, subclass);
  if (info === undefined || tokenClass === 3) {
    return {
      ok: true,
      class: tokenClass,
      subclass,
      type: 'reserved',
      nectarType: null,
      crcOk,
      block: hex8(hi) + hex8(lo),
    };
  }
  const nectarType = info.nectarType;
  const field = blockField(lo);
  switch (info.layout) {
    case 'test-display': {
      if (subclass === 0) {
        const r: DecodedTestDisplay = {
          ok: true,
          class: tokenClass,
          subclass,
          nectarType,
          crcOk,
          type: 'test-display-1',
          control: testDisplayControl(0, hi, lo),
          manufacturerCode: String(testDisplayManufacturerCode(0, lo)).padStart(2, '0'),
        };
        return r;
      }
      const r: DecodedTestDisplay = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: 'test-display-2',
        control: testDisplayControl(1, hi, lo),
        manufacturerCode: String(testDisplayManufacturerCode(1, lo)).padStart(4, '0'),
      };
      return r;
    }
    case 'key-change': {
      const r: DecodedKeyChange = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: 'key-change',
        section: info.section as 1 | 2 | 3 | 4,
        keyPart: hex8(keyChangeKeyPart(hi, lo)),
      };
      const c = keyChangeControl(hi);
      if (info.section === 1) {
        r.keyExpiryNoHighNibble = c >>> 8;
        r.keyRevisionNo = (c >>> 4) & 15;
        r.rollover = ((c >>> 3) & 1) === 1;
        r.reserved = (c >>> 2) & 1;
        r.keyType = c & 3;
      } else if (info.section === 2) {
        r.keyExpiryNoLowNibble = c >>> 8;
        r.tariffIndex = String(c & 0xff).padStart(2, '0');
      } else if (info.section === 3) {
        r.supplyGroupCodeLow = c;
      } else {
        r.supplyGroupCodeHigh = c;
      }
      return r;
    }
    default:
      break;
  }
  const tid = blockTid(hi);
  const issuedAt = isoFromTid(tid, baseDate);
  const random = blockNibble(hi);
  switch (info.layout) {
    case 'credit': {
      const tenths = decodeAmountField(field);
      const r: DecodedCredit = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: info.name as DecodedCredit['type'],
        tid,
        issuedAt,
        random,
        amount: formatTenths(tenths),
        tenths,
        field,
      };
      return r;
    }
    case 'currency': {
      const r: DecodedCurrency = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: info.name as DecodedCurrency['type'],
        tid,
        issuedAt,
        amount: decodeCurrencyAmount(random, field),
        negative: (random & 8) !== 0,
        exponent: currencyExponent(random, field),
        mantissa: field & 0x3fff,
      };
      return r;
    }
    case 'watts': {
      const r: DecodedWatts = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: info.name as DecodedWatts['type'],
        tid,
        issuedAt,
        random,
        watts: decodeAmountField(field),
        field,
      };
      return r;
    }
    default: {
      const r: DecodedRaw16 = {
        ok: true,
        class: tokenClass,
        subclass,
        nectarType,
        crcOk,
        type: info.name as DecodedRaw16['type'],
        tid,
        issuedAt,
        random,
      };
      r[info.field as 'register' | 'rate' | 'pad' | 'factor'] = field;
      return r;
    }
  }
}

function fail(code: TokenErrorCode, message: string): DecodeFailure {
  return { ok: false, code, message };
}

/**
 * Decode a token (20 digits; spaces and dashes allowed). `key` may be null/undefined for class 1.
 * Never throws: bad input gives `{ ok: false, code, message }`. A wrong key shows as `crcOk: false`.
 * @example
 * decodeToken('23716100501183194197', key) // { ok: true, type: 'electricity', amount: '0.1', tid: 5871715, … }
 */
export function decodeToken(digits: string, key?: PreparedDecoderKey | null): DecodeResult {
  if (typeof digits !== 'string') return fail('invalid-token', 'token must be a string of 20 digits');
  let text = digits;
  if (text.length !== 20) text = text.replace(/[\s-]+/g, '');
  const cls = parseTokenDigitsInto(text, BLOCK);
  if (cls === -1) {
    if (/[^0-9]/.test(text))
      return fail('invalid-token', 'token must contain only digits, spaces and dashes');
    return fail('invalid-token', `token must be 20 digits, got ${text.length}`);
  }
  if (cls === -2) return fail('token-out-of-range', 'token is not below 2^66 (73786976294838206464)');
  if (cls === 3) return fail('reserved-class', 'token class 3 is reserved');
  if (cls !== 1 && (key === null || key === undefined))
    return fail('key-required', `a class ${cls} token needs a decoder key`);
  try {
    decryptTokenBlock(key ?? null, cls, BLOCK[0]!, BLOCK[1]!, PLAIN);
  } catch (e) {
    return fail('invalid-key', e instanceof Error ? e.message : 'decryption failed');
  }
  return decodeBlock(cls, PLAIN[0]!, PLAIN[1]!, key?.baseDate ?? 1993);
}
