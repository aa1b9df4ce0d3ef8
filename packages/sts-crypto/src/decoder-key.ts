// Decoder key generation: the public entry points over DKGA02 and DKGA04, with every rule checked first.
// IEC 62055-41 decoder key generation algorithms DKGA01-04 (sts-reference §10).

import { checkBytes } from './bytes.ts';
import { Dkga02Deriver, dkga02DecoderKey } from './dkga02.ts';
import { Dkga04Deriver, dkga04DecoderKey, dkga04Message } from './dkga04.ts';
import type { BaseDate, EncryptionAlgorithm } from './key-attributes.ts';
import {
  checkDrn,
  checkIssuerIdentificationNo,
  checkKeyRevisionNo,
  checkKeyType,
  checkSupplyGroupCode,
  checkTariffIndex,
  controlBlock,
  controlBlockHalves,
  meterPan,
  panBlock,
} from './pan.ts';

/** The decoder key generation algorithm codes of IEC 62055-41. Only '02' and '04' are implemented. */
export type Dkga = '01' | '02' | '03' | '04';

/** Everything a decoder key depends on (IEC 62055-41 DKGA02/DKGA04 inputs). */
export interface DecoderKeyParams {
  dkga: Dkga;
  /** 8 bytes for DKGA02, 20 for DKGA04. Secret: never shown in an error. */
  vendingKey: Uint8Array;
  /** '600727' (with an 11-digit DRN) or '0000' (with a 13-digit DRN). */
  issuerIdentificationNo: string;
  /** The decoder reference number, 11 or 13 digits, its own check digit included. */
  drn: string;
  /** 0..3 (KT 3, the common key, ignores the DRN). */
  keyType: number;
  /** 6 digits. */
  supplyGroupCode: string;
  /** 2 digits. */
  tariffIndex: string;
  /** 1..9. */
  keyRevisionNo: number;
  baseDate: BaseDate;
  encryptionAlgorithm: EncryptionAlgorithm;
}

/** A decoder key derivation with everything but the DRN fixed; see {@link prepareDecoderKeyDerivation}. */
export interface DecoderKeyDeriver {
  /** Derive the key of meter `drn` (IIN from the params); writes into out when given. */
  derive(drn: string, out?: Uint8Array): Uint8Array;
  /** Wipe the precomputed key material; derive() throws afterwards. */
  destroy(): void;
}

const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  '01':
    'dkga 01 is not supported: the DKGA01 algorithm is not published (it is a legacy algorithm for ' +
    'some IIN 600727 meters); use DKGA02 or DKGA04',
  '03':
    'dkga 03 is not supported: it is deprecated and there are no public test vectors to prove an ' +
    'implementation against; use DKGA02 or DKGA04',
};

type Checked = Omit<DecoderKeyParams, 'drn' | 'dkga'> & { dkga: '02' | '04' };

/** Check every rule that does not involve the DRN, in the order the fields are listed; names the field. */
function checkParams(p: Omit<DecoderKeyParams, 'drn'>): Checked {
  if (typeof p !== 'object' || p === null) throw new TypeError('decoder key parameters must be an object');
  const { dkga } = p;
  if (dkga === '01' || dkga === '03') throw new Error(NOT_SUPPORTED[dkga]);
  if (dkga !== '02' && dkga !== '04') {
    throw new RangeError(
      `dkga must be '01', '02', '03' or '04', got ${JSON.stringify(String(dkga)).slice(0, 12)}`,
    );
  }
  checkBytes(p.vendingKey, 'vendingKey');
  const keyLength = dkga === '02' ? 8 : 20;
  if (p.vendingKey.length !== keyLength) {
    // Only the length: a vending key must never reach a message.
    throw new RangeError(`vendingKey must be ${keyLength} bytes for DKGA${dkga}, got ${p.vendingKey.length}`);
  }
  checkIssuerIdentificationNo(p.issuerIdentificationNo);
  checkKeyType(p.keyType);
  checkSupplyGroupCode(p.supplyGroupCode);
  checkTariffIndex(p.tariffIndex);
  checkKeyRevisionNo(p.keyRevisionNo);
  if (p.baseDate !== 1993 && p.baseDate !== 2014 && p.baseDate !== 2035) {
    throw new RangeError(`baseDate must be 1993, 2014 or 2035, got ${String(p.baseDate).slice(0, 12)}`);
  }
  const ea = p.encryptionAlgorithm;
  if (ea !== 'sta' && ea !== 'misty1' && ea !== 'dea') {
    throw new RangeError(
      `encryptionAlgorithm must be 'sta', 'misty1' or 'dea', got ${JSON.stringify(String(ea)).slice(0, 12)}`,
    );
  }
  if (ea === 'misty1' && dkga !== '04') {
    throw new RangeError(
      `encryptionAlgorithm 'misty1' needs dkga '04' (MISTY1 takes a 128-bit key; DKGA02 makes 64 bits), got dkga '${dkga}'`,
    );
  }
  if (ea === 'dea' && dkga === '04') {
    // The DKGA04 message carries EA code 07 or 11 only; EA09 (DEA) is deprecated and has no DKGA04 vectors.
    throw new RangeError(
      `encryptionAlgorithm 'dea' cannot be used with dkga '04'; DKGA04 serves 'sta' and 'misty1'`,
    );
  }
  return p as Checked;
}

/**
 * Derive a meter's decoder key (IEC 62055-41 DKGA02 or DKGA04; sts-reference §10).
 * DKGA02: DK = DES(VK, I) ⊕ I ⊕ VK with I = PANBlock ⊕ CONTROLBlock (8 bytes, for STA or DEA).
 * DKGA04: DK = HMAC-SHA-256(VK, M)[0..7] for STA or [0..15] for MISTY1 (M: the §10.4 label/context message).
 * DKGA01 and DKGA03 throw "not supported". Keys are natural big-endian bytes. For many meters under one
 * vending key use {@link prepareDecoderKeyDerivation}.
 * @throws TypeError / RangeError naming the first field that breaks a rule (never showing key bytes);
 *   Error for DKGA01/DKGA03
 * @example
 * deriveDecoderKey({ dkga: '02', vendingKey: hexToBytes('ABABABABABABABAB'),
 *   issuerIdentificationNo: '600727', drn: '00000000000', keyType: 2, supplyGroupCode: '123456',
 *   tariffIndex: '01', keyRevisionNo: 1, baseDate: 1993, encryptionAlgorithm: 'sta' });
 * // E653341F9D5BF36F
 */
export function deriveDecoderKey(p: DecoderKeyParams): Uint8Array {
  const c = checkParams(p);
  checkDrn(p.drn, c.issuerIdentificationNo);
  const pan = meterPan(c.issuerIdentificationNo, p.drn);
  if (c.dkga === '02') {
    return dkga02DecoderKey(c.vendingKey, panBlock(pan, c.keyType), controlBlock(c));
  }
  const ea = c.encryptionAlgorithm === 'misty1' ? 'misty1' : 'sta';
  return dkga04DecoderKey(
    c.vendingKey,
    dkga04Message({ ...c, encryptionAlgorithm: ea }, pan),
    ea === 'misty1' ? 16 : 8,
  );
}

/**
 * Fix everything but the DRN and precompute what does not depend on it (IEC 62055-41 DKGA02/DKGA04):
 * for DKGA02 the DES key schedule of the vending key and the CONTROLBlock, for DKGA04 the HMAC inner
 * and outer SHA-256 states and the constant part of the message. Each `derive(drn)` then costs one DES
 * block (DKGA02) or two SHA-256 compressions (DKGA04), with no allocation when `out` is given.
 * The vending key is not retained; `destroy()` wipes the precomputed material.
 * @throws as {@link deriveDecoderKey}; `derive` throws RangeError for a bad DRN or `out` of the wrong size
 * @example
 * const deriver = prepareDecoderKeyDerivation({ dkga: '04', vendingKey, issuerIdentificationNo: '600727',
 *   keyType: 2, supplyGroupCode: '123457', tariffIndex: '01', keyRevisionNo: 1, baseDate: 1993,
 *   encryptionAlgorithm: 'sta' });
 * const key = new Uint8Array(8);
 * try { for (const drn of drns) use(deriver.derive(drn, key)); } finally { deriver.destroy(); wipe(key); }
 */
export function prepareDecoderKeyDerivation(p: Omit<DecoderKeyParams, 'drn'>): DecoderKeyDeriver {
  const c = checkParams(p);
  const iin = c.issuerIdentificationNo;
  const drnLength = iin === '600727' ? 11 : 13;
  let destroyed = false;
  let deriver: Dkga02Deriver | Dkga04Deriver;
  let keyLength: number;
  if (c.dkga === '02') {
    const control = new Uint32Array(2);
    controlBlockHalves(c.keyType, c.supplyGroupCode, c.tariffIndex, c.keyRevisionNo, control);
    deriver = new Dkga02Deriver(c.vendingKey, iin, c.keyType, control);
    keyLength = 8;
  } else {
    const ea = c.encryptionAlgorithm === 'misty1' ? 'misty1' : 'sta';
    deriver = new Dkga04Deriver(c.vendingKey, { ...c, encryptionAlgorithm: ea }, iin);
    keyLength = deriver.keyLength;
  }
  return {
    derive(drn, out) {
      if (destroyed) throw new Error('this decoder key derivation has been destroyed');
      // The length is checked here and the digits by the deriver in its single pass over the DRN;
      // the full check runs only to word the error.
      if (typeof drn !== 'string' || drn.length !== drnLength) checkDrn(drn, iin);
      const key = out === undefined ? new Uint8Array(keyLength) : checkBytes(out, 'out', keyLength);
      if (!deriver.derive(drn, key)) checkDrn(drn, iin);
      return key;
    },
    destroy() {
      destroyed = true;
      deriver.destroy();
    },
  };
}
