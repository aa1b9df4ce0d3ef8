// Key change token sets (class 2 sub 3, 4, 8, 9; sts-reference §3, §11): 2 tokens for a 64-bit new key,
// 4 for a 128-bit (MISTY1) one, all encrypted under the CURRENT key, no TID.
import { hexToBytes, wipe } from 'sts-crypto';
import { encodeBlockToken } from './encode.ts';
import { TokenError } from './errors.ts';
import { deriveKeyFromConfig, keyFromConfig, type PreparedDecoderKey, type StsConfigLike } from './key.ts';
import { tokenTypeByCode } from './token-types.ts';
import type { AssembledKeyChange, DecodedKeyChange, EncodedToken, KeyChangeParams } from './types.ts';

function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function int(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function checkParams(p: KeyChangeParams): void {
  const k = p?.newDecoderKey;
  if (!(k instanceof Uint8Array) || (k.length !== 8 && k.length !== 16))
    throw new TokenError('invalid-key', 'newDecoderKey must be 8 or 16 bytes');
  if (!int(p.keyExpiryNo, 0, 255))
    throw new TokenError(
      'invalid-key-expiry-no',
      `keyExpiryNo must be an integer 0..255, got ${String(p.keyExpiryNo)}`,
    );
  if (!int(p.keyRevisionNo, 1, 9))
    throw new TokenError(
      'invalid-key-change',
      `keyRevisionNo must be an integer 1..9, got ${String(p.keyRevisionNo)}`,
    );
  if (!int(p.keyType, 0, 3))
    throw new TokenError('invalid-key-change', `keyType must be an integer 0..3, got ${String(p.keyType)}`);
  if (typeof p.tariffIndex !== 'string' || !/^[0-9]{2}$/.test(p.tariffIndex))
    throw new TokenError(
      'invalid-key-change',
      `tariffIndex must be 2 digits, got ${JSON.stringify(p.tariffIndex)}`,
    );
  if (k.length === 16 && (typeof p.supplyGroupCode !== 'string' || !/^[0-9]{6}$/.test(p.supplyGroupCode)))
    throw new TokenError(
      'invalid-key-change',
      `supplyGroupCode must be 6 digits, got ${JSON.stringify(p.supplyGroupCode)}`,
    );
}

/** Like encodeKeyChange, with type, Nectar name, class and subclass of each token (tid null). */
export function encodeKeyChangeDetailed(oldKey: PreparedDecoderKey, params: KeyChangeParams): EncodedToken[] {
  if (oldKey === null || oldKey === undefined)
    throw new TokenError('key-required', 'a key change needs the current decoder key');
  checkParams(params);
  const k = params.newDecoderKey;
  const ken = params.keyExpiryNo;
  const ro = params.rollover === true ? 1 : 0;
  const ti = Number(params.tariffIndex); // binary in the 2nd section (TI "99" → 0x63)
  // 64-bit: NKHO ‖ NKLO; 128-bit: NKHO ‖ NKMO2 ‖ NKMO1 ‖ NKLO.
  const nkho = word(k, 0);
  const nklo = word(k, k.length - 4);
  const blocks: [number, number, number][] = [
    // [subclass, bits 59..48, key part]; bit 50 (Res/3KCT) stays 0.
    [3, ((ken >>> 4) << 8) | (params.keyRevisionNo << 4) | (ro << 3) | params.keyType, nkho],
    [4, ((ken & 15) << 8) | ti, nklo],
  ];
  if (k.length === 16) {
    const sgc = Number(params.supplyGroupCode); // 24-bit binary: SGCHO = top 12 bits, SGCLO = low 12
    blocks.push([8, sgc & 0xfff, word(k, 4)], [9, sgc >>> 12, word(k, 8)]);
  }
  const tokens: EncodedToken[] = [];
  for (const [sub, top, part] of blocks) {
    const hi = ((sub << 28) | (top << 16) | (part >>> 16)) >>> 0;
    const lo = ((part & 0xffff) << 16) >>> 0;
    const info = tokenTypeByCode(2, sub)!;
    tokens.push({
      token: encodeBlockToken(oldKey, 2, hi, lo),
      type: 'key-change',
      nectarType: info.nectarType,
      class: 2,
      subclass: sub,
      tid: null,
    });
  }
  return tokens;
}

/**
 * The key-change tokens that move a meter from `oldKey` to `params.newDecoderKey`:
 * [1st, 2nd] for an 8-byte key, [1st, 2nd, 3rd, 4th] for a 16-byte key.
 * @example
 * encodeKeyChange(oldKey, { newDecoderKey, keyExpiryNo: 255, keyRevisionNo: 1, keyType: 2, tariffIndex: '02', supplyGroupCode: '123456' })
 */
export function encodeKeyChange(oldKey: PreparedDecoderKey, params: KeyChangeParams): string[] {
  const detailed = encodeKeyChangeDetailed(oldKey, params);
  const tokens: string[] = [];
  for (const t of detailed) tokens.push(t.token);
  return tokens;
}

/** The parameters of a key change to `newConfig`, whose decoder key for the meter is `newDecoderKey`. */
export function keyChangeParams(
  newConfig: StsConfigLike,
  newDecoderKey: Uint8Array,
  rollover: boolean,
): KeyChangeParams {
  return {
    newDecoderKey,
    keyExpiryNo: newConfig.keyExpiryNo,
    keyRevisionNo: newConfig.keyRevisionNo,
    keyType: newConfig.keyType,
    tariffIndex: newConfig.tariffIndex,
    supplyGroupCode: newConfig.supplyGroupCode,
    rollover,
  };
}

/**
 * The key-change set for meter `drn` from `config` (current key) to `newConfig` (both derived with sts-crypto).
 * Throws TokenError `invalid-drn` / `invalid-config` / `invalid-key-change`.
 */
export function keyChangeFromConfigs(
  config: StsConfigLike,
  drn: string,
  newConfig: StsConfigLike,
  rollover = false,
): EncodedToken[] {
  const oldKey = keyFromConfig(config, drn);
  let newKey: Uint8Array | undefined;
  try {
    newKey = deriveKeyFromConfig(newConfig, drn);
    return encodeKeyChangeDetailed(oldKey, keyChangeParams(newConfig, newKey, rollover));
  } finally {
    oldKey.destroy();
    if (newKey !== undefined) wipe(newKey);
  }
}

/**
 * Put decoded sections back together (meter side). Needs sections 1 and 2 (and 3 and 4 for 128-bit keys),
 * in any order; returns null when the set is incomplete or a section repeats.
 */
export function assembleKeyChange(sections: readonly DecodedKeyChange[]): AssembledKeyChange | null {
  const by: (DecodedKeyChange | undefined)[] = [];
  for (const s of sections) {
    if (s.type !== 'key-change' || by[s.section] !== undefined) return null;
    by[s.section] = s;
  }
  const [s1, s2, s3, s4] = [by[1], by[2], by[3], by[4]];
  if (s1 === undefined || s2 === undefined || (s3 === undefined) !== (s4 === undefined)) return null;
  const parts =
    s3 === undefined ? [s1.keyPart, s2.keyPart] : [s1.keyPart, s3.keyPart, s4!.keyPart, s2.keyPart];
  const result: AssembledKeyChange = {
    newDecoderKey: hexToBytes(parts.join(''), 'newDecoderKey'),
    keyExpiryNo: ((s1.keyExpiryNoHighNibble ?? 0) << 4) | (s2.keyExpiryNoLowNibble ?? 0),
    keyRevisionNo: s1.keyRevisionNo ?? 0,
    keyType: s1.keyType ?? 0,
    tariffIndex: s2.tariffIndex ?? '00',
    rollover: s1.rollover === true,
  };
  if (s3 !== undefined && s4 !== undefined)
    result.supplyGroupCode = String(
      ((s4.supplyGroupCodeHigh ?? 0) << 12) | (s3.supplyGroupCodeLow ?? 0),
    ).padStart(6, '0');
  return result;
}
