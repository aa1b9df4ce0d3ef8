// Key change token sets (class 2 sub 3, 4, 8, 9; sts-reference §3, §11): 2 tokens for a 64-bit new key,
// 4 for a 128-bit (MISTY1) one, all encrypted under the CURRENT key, no TID.
import { wipe } from 'sts-crypto';
import { encodeBlockToken } from './encode.ts';
import { TokenError } from './errors.ts';
import { keyChangeControl, keyChangeKeyPart } from './fields.ts';
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

/** Section s's 12 control bits (59..48) as decodeBlock read them: the inverse of its key-change case. */
function sectionControl(s: DecodedKeyChange): number {
  if (s.section === 1)
    return (
      ((s.keyExpiryNoHighNibble ?? 0) << 8) |
      ((s.keyRevisionNo ?? 0) << 4) |
      ((s.rollover === true ? 1 : 0) << 3) |
      ((s.reserved ?? 0) << 2) |
      (s.keyType ?? 0)
    );
  if (s.section === 2) return ((s.keyExpiryNoLowNibble ?? 0) << 8) | Number(s.tariffIndex ?? 0);
  return s.section === 3 ? (s.supplyGroupCodeLow ?? 0) : (s.supplyGroupCodeHigh ?? 0);
}

/**
 * Put decoded sections back together (meter side). Needs sections 1 and 2 (and 3 and 4 for 128-bit keys),
 * in any order; returns null when the set is incomplete or a section repeats.
 */
export function assembleKeyChange(sections: readonly DecodedKeyChange[]): AssembledKeyChange | null {
  const blocks: (readonly [number, number] | undefined)[] = [];
  for (const s of sections) {
    if (s.type !== 'key-change' || blocks[s.section] !== undefined) return null;
    const part = Number.parseInt(s.keyPart, 16);
    blocks[s.section] = [
      ((s.subclass << 28) | (sectionControl(s) << 16) | (part >>> 16)) >>> 0,
      ((part & 0xffff) << 16) >>> 0,
    ];
  }
  return assembleKeyChangeBlocks(blocks);
}

function putWord(out: Uint8Array, offset: number, v: number): void {
  out[offset] = v >>> 24;
  out[offset + 1] = (v >>> 16) & 0xff;
  out[offset + 2] = (v >>> 8) & 0xff;
  out[offset + 3] = v & 0xff;
}

/**
 * Assemble a key-change set from its decrypted blocks: `blocks[s]` = [hi, lo] of section s (1-based; 3 and
 * 4 only for a 128-bit key). 64-bit key = NKHO ‖ NKLO, 128-bit = NKHO ‖ NKMO2 ‖ NKMO1 ‖ NKLO, KEN = KENHO ‖
 * KENLO (sts-reference §3, §11). Null when the set is incomplete. The TI is the binary byte as sent ("150"
 * when garbled) and the SGC the 24 bits as sent: range checks are the caller's (a meter's Range Err).
 */
export function assembleKeyChangeBlocks(
  blocks: readonly (ArrayLike<number> | undefined)[],
): AssembledKeyChange | null {
  const s1 = blocks[1];
  const s2 = blocks[2];
  const s3 = blocks[3];
  const s4 = blocks[4];
  if (s1 === undefined || s2 === undefined || (s3 === undefined) !== (s4 === undefined)) return null;
  const h1 = s1[0]!;
  const h2 = s2[0]!;
  const newDecoderKey = new Uint8Array(s3 === undefined ? 8 : 16);
  putWord(newDecoderKey, 0, keyChangeKeyPart(h1, s1[1]!));
  if (s3 === undefined || s4 === undefined) {
    putWord(newDecoderKey, 4, keyChangeKeyPart(h2, s2[1]!));
  } else {
    putWord(newDecoderKey, 4, keyChangeKeyPart(s3[0]!, s3[1]!));
    putWord(newDecoderKey, 8, keyChangeKeyPart(s4[0]!, s4[1]!));
    putWord(newDecoderKey, 12, keyChangeKeyPart(h2, s2[1]!));
  }
  const c1 = keyChangeControl(h1);
  const c2 = keyChangeControl(h2);
  const result: AssembledKeyChange = {
    newDecoderKey,
    keyExpiryNo: ((c1 >>> 8) << 4) | (c2 >>> 8),
    keyRevisionNo: (c1 >>> 4) & 15,
    keyType: c1 & 3,
    tariffIndex: String(c2 & 0xff).padStart(2, '0'),
    rollover: ((c1 >>> 3) & 1) === 1,
  };
  if (s3 !== undefined && s4 !== undefined)
    result.supplyGroupCode = String(keyChangeControl(s4[0]!) * 4096 + keyChangeControl(s3[0]!)).padStart(
      6,
      '0',
    );
  return result;
}
