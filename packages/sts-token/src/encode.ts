// Encoders for every single-token type: build the 64-bit block (sts-reference §3), CRC (§6),
// encrypt (class 0/2), transpose the class (§7) and print 20 digits.
import { tokenCrcField } from 'sts-crypto';
import { encodeAmountField, parseAmountTenths } from './amount.ts';
import { encodeCurrencyAmount } from './currency.ts';
import { blockToTokenDigits } from './digits.ts';
import { TokenError } from './errors.ts';
import {
  blockSubclass,
  isCurrencyBlock,
  testDisplayBlockInto,
  timedBlockHi,
  timedBlockLo,
} from './fields.ts';
import type { PreparedDecoderKey } from './key.ts';
import { randomNibble } from './random.ts';
import { checkKeyExpiry, checkTid, tidOf } from './tid.ts';
import { tokenTypeByName } from './token-types.ts';
import type { EncodedToken, TokenInput, TokenTiming } from './types.ts';

const OUT = new Uint32Array(2);

/**
 * Low level: the token of a plaintext data block. `hi` = bits 63..32 (subclass, RND/S&E, TID high),
 * `lo` = bits 31..0 whose low 16 bits (the CRC) are ignored and recomputed (CRC_C for class 0 sub 4–7).
 * Class 1 is not encrypted (key may be null). No validation of the fields, no allocation but the digits.
 */
export function encodeBlockToken(
  key: PreparedDecoderKey | null,
  tokenClass: number,
  hi: number,
  lo: number,
): string {
  hi >>>= 0;
  lo = (lo & 0xffff0000) >>> 0;
  const crc = tokenCrcField(
    tokenClass,
    hi,
    lo,
    isCurrencyBlock(tokenClass, blockSubclass(hi)) ? 'crc-c' : 'crc',
  );
  const plain = (lo | crc) >>> 0;
  if (tokenClass === 1) return blockToTokenDigits(1, hi, plain);
  if (key === null || key === undefined)
    throw new TokenError('key-required', `a class ${tokenClass} token needs a decoder key`);
  key.encrypt64(hi, plain, OUT);
  return blockToTokenDigits(tokenClass, OUT[0]!, OUT[1]!);
}

/** The TID of a timed token: from `tid` or `time` (not both), then the KEN check. */
function resolveTid(key: PreparedDecoderKey, t: TokenTiming): number {
  let tid: number;
  if (t.tid !== undefined) {
    if (t.time !== undefined) throw new TokenError('conflicting-fields', 'give time or tid, not both');
    tid = checkTid(t.tid);
  } else if (t.time !== undefined) {
    tid = tidOf(t.time, key.baseDate, t.isStid === true);
  } else {
    throw new TokenError('missing-field', 'time is required (or tid)');
  }
  checkKeyExpiry(tid, key.keyExpiryNo);
  return tid;
}

/** The RND nibble: the given one (0..15) or a random one. */
function resolveRandom(random: unknown): number {
  if (random === undefined) return randomNibble();
  if (typeof random !== 'number' || !Number.isInteger(random) || random < 0 || random > 15)
    throw new TokenError('invalid-random', `random must be an integer 0..15, got ${String(random)}`);
  return random;
}

function uint16(
  value: unknown,
  name: string,
  code: 'invalid-register' | 'invalid-rate' | 'invalid-pad' | 'invalid-factor',
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new TokenError(code, `${name} must be an integer 0..65535, got ${String(value)}`);
  return value;
}

function watts(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 18_201_624)
    throw new TokenError('invalid-watts', `watts must be an integer 0..18201624, got ${String(value)}`);
  return encodeAmountField(value, 'watts');
}

function creditField(input: { amount?: string; tenths?: number }): number {
  if (input.amount !== undefined) {
    if (input.tenths !== undefined)
      throw new TokenError('conflicting-fields', 'give amount or tenths, not both');
    return encodeAmountField(parseAmountTenths(input.amount));
  }
  if (input.tenths === undefined) throw new TokenError('missing-field', 'amount is required');
  const t = input.tenths;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 18_201_624)
    throw new TokenError('amount-out-of-range', `tenths must be an integer 0..18201624, got ${String(t)}`);
  return encodeAmountField(t, 'tenths');
}

/** The plaintext block of a class 1 token into OUT (CRC bits zero). */
function testDisplayBlock(
  input: { type: string; control: unknown; manufacturerCode: unknown },
  sub: number,
): void {
  const bits = sub === 0 ? 36 : 28;
  const digits = sub === 0 ? 2 : 4;
  const c = input.control;
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 2 ** bits - 1)
    throw new TokenError(
      'invalid-control',
      `control must be an integer 0..${2 ** bits - 1} (${bits} bits) for ${input.type}, got ${String(c)}`,
    );
  const m = input.manufacturerCode;
  if (typeof m !== 'string' || m.length !== digits || !/^[0-9]+$/.test(m))
    throw new TokenError(
      'invalid-manufacturer-code',
      `manufacturerCode must be ${digits} digits for ${input.type}, got ${JSON.stringify(m)}`,
    );
  testDisplayBlockInto(sub, c, Number(m), OUT);
}

/** Like encodeToken, with the type, Nectar name, class, subclass and TID. */
export function encodeTokenDetailed(key: PreparedDecoderKey | null, input: TokenInput): EncodedToken {
  const info = input !== null && typeof input === 'object' ? tokenTypeByName(input.type) : undefined;
  if (info === undefined || info.layout === 'key-change' || info.name !== input.type)
    throw new TokenError(
      'unknown-type',
      `type ${JSON.stringify((input as { type?: unknown })?.type)} is not a single-token type`,
    );
  const sub = info.subclass;
  if (info.layout === 'test-display') {
    testDisplayBlock(input as { type: string; control: unknown; manufacturerCode: unknown }, sub);
    const token = encodeBlockToken(null, 1, OUT[0]!, OUT[1]!);
    return { token, type: info.name, nectarType: info.nectarType, class: 1, subclass: sub, tid: null };
  }
  if (key === null || key === undefined)
    throw new TokenError('key-required', `a ${info.name} token needs a decoder key`);
  let nibble: number;
  let field: number;
  switch (info.layout) {
    case 'credit':
      field = creditField(input as { amount?: string; tenths?: number });
      nibble = resolveRandom((input as TokenTiming).random);
      break;
    case 'currency': {
      const amount = (input as { amount?: unknown }).amount;
      if (amount === undefined) throw new TokenError('missing-field', 'amount is required');
      const c = encodeCurrencyAmount(amount as string);
      field = c.field;
      nibble = c.signExponent;
      break;
    }
    case 'watts':
      field = watts((input as { watts?: unknown }).watts);
      nibble = resolveRandom((input as TokenTiming).random);
      break;
    default: {
      const name = info.field as 'register' | 'rate' | 'pad' | 'factor';
      const raw = (input as unknown as Record<string, unknown>)[name];
      if (raw === undefined && name !== 'pad') throw new TokenError('missing-field', `${name} is required`);
      field = uint16(raw ?? 0, name, `invalid-${name}`);
      nibble = resolveRandom((input as TokenTiming).random);
    }
  }
  const tid = resolveTid(key, input as TokenTiming);
  const token = encodeBlockToken(key, info.class, timedBlockHi(sub, nibble, tid), timedBlockLo(field));
  return { token, type: info.name, nectarType: info.nectarType, class: info.class, subclass: sub, tid };
}

/**
 * Encode one token; returns its 20 digits. `key` may be null for class 1 (test-display) tokens.
 * Throws TokenError (amount-out-of-range, time-before-base-date, tid-out-of-range, key-expired, …).
 * @example
 * encodeToken(key, { type: 'electricity', amount: '25.6', time: '1996-03-25T13:55:22Z', random: 11 });
 */
export function encodeToken(key: PreparedDecoderKey | null, input: TokenInput): string {
  return encodeTokenDetailed(key, input).token;
}
