// The decoder: 20 digits → class, block, decryption, CRC check, typed fields (sts-reference §7, §12).
// decodeToken never throws; the low-level functions let the meter simulator decode without allocation.
import { tokenCrcField } from 'sts-crypto';
import { decodeAmountField, formatTenths } from './amount.ts';
import { currencyExponent, decodeCurrencyAmount } from './currency.ts';
import { parseTokenDigitsInto } from './digits.ts';
import type { TokenErrorCode } from './errors.ts';
import type { PreparedDecoderKey } from './key.ts';
import { isoFromTid } from './tid.ts';
import { tokenTypeByCode } from './token-types.ts';
import type {
  BaseDate,
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
  const sub = hi >>> 28;
  const variant = tokenClass === 0 && sub >= 4 && sub <= 7 ? 'crc-c' : 'crc';
  return tokenCrcField(tokenClass, hi, lo, variant) === (lo & 0xffff);
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
  const subclass = hi >>> 28;
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
  const field = lo >>> 16;
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
          control: (hi & 0x0fffffff) * 256 + (lo >>> 24),
          manufacturerCode: String((lo >>> 16) & 0xff).padStart(2, '0'),
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
        control: hi & 0x0fffffff,
        manufacturerCode: String(field).padStart(4, '0'),
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
        keyPart: hex8(((hi & 0xffff) << 16) | field),
      };
      if (info.section === 1) {
        r.keyExpiryNoHighNibble = (hi >>> 24) & 15;
        r.keyRevisionNo = (hi >>> 20) & 15;
        r.rollover = ((hi >>> 19) & 1) === 1;
        r.reserved = (hi >>> 18) & 1;
        r.keyType = (hi >>> 16) & 3;
      } else if (info.section === 2) {
        r.keyExpiryNoLowNibble = (hi >>> 24) & 15;
        r.tariffIndex = String((hi >>> 16) & 0xff).padStart(2, '0');
      } else if (info.section === 3) {
        r.supplyGroupCodeLow = (hi >>> 16) & 0xfff;
      } else {
        r.supplyGroupCodeHigh = (hi >>> 16) & 0xfff;
      }
      return r;
    }
    default:
      break;
  }
  const tid = hi & 0xffffff;
  const issuedAt = isoFromTid(tid, baseDate);
  const random = (hi >>> 24) & 15;
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
