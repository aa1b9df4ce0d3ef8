// The meter PAN and the two 64-bit blocks the decoder key derivations start from.
// IEC 62055-41 MeterPAN, PANBlock and CONTROLBlock (DKGA02/DKGA04 inputs; sts-reference §9).

import { isDigits, luhnOfDigits } from './luhn.ts';

/** The two issuer identification numbers of STS: 600727 with an 11-digit DRN, 0000 with a 13-digit one. */
const DRN_LENGTH_BY_IIN: Readonly<Record<string, number>> = { '600727': 11, '0000': 13 };

/** Quote a short non-secret value for an error message, cut so a pasted blob cannot flood a log line. */
function show(value: string): string {
  return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value);
}

function checkDigitString(value: unknown, name: string, length: number): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string of ${length} decimal digits`);
  if (value.length !== length || !isDigits(value)) {
    throw new RangeError(`${name} must be ${length} decimal digits, got ${show(value)}`);
  }
  return value;
}

function checkIntegerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer ${min}-${max}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer ${min}-${max}, got ${value}`);
  }
  return value;
}

/** KT: 0..3 (DITK, DDTK, DUTK, DCTK). Internal boundary check shared with decoder-key.ts. */
export const checkKeyType = (v: unknown): number => checkIntegerIn(v, 'keyType', 0, 3);
/** KRN: 1..9. */
export const checkKeyRevisionNo = (v: unknown): number => checkIntegerIn(v, 'keyRevisionNo', 1, 9);
/** SGC: 6 decimal digits. */
export const checkSupplyGroupCode = (v: unknown): string => checkDigitString(v, 'supplyGroupCode', 6);
/** TI: 2 decimal digits. */
export const checkTariffIndex = (v: unknown): string => checkDigitString(v, 'tariffIndex', 2);

/** IIN: '600727' or '0000'. */
export function checkIssuerIdentificationNo(iin: unknown): string {
  if (typeof iin !== 'string')
    throw new TypeError(`issuerIdentificationNo must be the string '600727' or '0000'`);
  if (DRN_LENGTH_BY_IIN[iin] === undefined) {
    throw new RangeError(`issuerIdentificationNo must be '600727' or '0000', got ${show(iin)}`);
  }
  return iin;
}

/** DRN: 11 digits after IIN 600727, 13 after IIN 0000 (its own check digit included, not verified here). */
export function checkDrn(drn: unknown, iin: string): string {
  const length = DRN_LENGTH_BY_IIN[iin]!;
  if (typeof drn !== 'string') throw new TypeError(`drn must be a string of ${length} decimal digits`);
  if (drn.length !== length || !isDigits(drn)) {
    throw new RangeError(`drn must be ${length} decimal digits for IIN ${iin}, got ${show(drn)}`);
  }
  return drn;
}

/**
 * The PANBlock of IIN ‖ DRN as two 32-bit halves, straight from the character codes (no string, no BigInt):
 * the 16 digits IIN[1..] ‖ DRN, each digit one hex nibble. KT 3 (DCTK, the common key) zeroes the
 * DRN part and keeps the IIN digits. Internal, on the derivation hot path: callers have checked iin,
 * keyType and the length of drn; the digits of drn are checked here, in the same pass.
 * @returns false, leaving out untouched, when drn has a character that is not a decimal digit
 */
export function panBlockHalves(iin: string, drn: string, keyType: number, out: Uint32Array): boolean {
  let prefix = 0; // IIN without its first digit: 5 nibbles (600727) or 3 (0000)
  for (let i = 1; i < iin.length; i++) prefix = (prefix << 4) | (iin.charCodeAt(i) - 48);
  const inHi = 9 - iin.length; // DRN digits that still fit in hi: 3 or 5
  let hi = prefix;
  let lo = 0;
  let bad = 0; // goes negative when some d is outside 0..9
  for (let i = 0; i < inHi; i++) {
    const d = drn.charCodeAt(i) - 48;
    bad |= d | (9 - d);
    hi = (hi << 4) | d;
  }
  for (let i = inHi; i < drn.length; i++) {
    const d = drn.charCodeAt(i) - 48;
    bad |= d | (9 - d);
    lo = (lo << 4) | d;
  }
  if (bad < 0) return false;
  if (keyType === 3) {
    hi = prefix << (4 * inHi);
    lo = 0;
  }
  out[0] = hi >>> 0;
  out[1] = lo >>> 0;
  return true;
}

/** The CONTROLBlock as two 32-bit halves: KT ‖ SGC ‖ TI ‖ KRN ‖ FFFFFF. Internal: arguments checked. */
export function controlBlockHalves(
  keyType: number,
  supplyGroupCode: string,
  tariffIndex: string,
  keyRevisionNo: number,
  out: Uint32Array,
): void {
  let hi = keyType;
  for (let i = 0; i < 6; i++) hi = (hi << 4) | (supplyGroupCode.charCodeAt(i) - 48);
  // hi now holds KT and SGC: 7 nibbles; the 8th is TI's first digit, its second opens lo.
  hi = (hi << 4) | (tariffIndex.charCodeAt(0) - 48);
  const lo = (((tariffIndex.charCodeAt(1) - 48) << 28) | (keyRevisionNo << 24) | 0xffffff) >>> 0;
  out[0] = hi >>> 0;
  out[1] = lo;
}

function halvesToBytes(h: Uint32Array): Uint8Array {
  const out = new Uint8Array(8);
  const hi = h[0]!;
  const lo = h[1]!;
  out[0] = hi >>> 24;
  out[1] = hi >>> 16;
  out[2] = hi >>> 8;
  out[3] = hi;
  out[4] = lo >>> 24;
  out[5] = lo >>> 16;
  out[6] = lo >>> 8;
  out[7] = lo;
  return out;
}

/**
 * The 18-digit meter PAN: IIN ‖ DRN ‖ Luhn(IIN ‖ DRN) (IEC 62055-41 MeterPAN; sts-reference §9).
 * IIN '600727' takes an 11-digit DRN, IIN '0000' a 13-digit DRN. The DRN's own check digit is part
 * of the DRN and is not verified here.
 * @param issuerIdentificationNo '600727' or '0000'
 * @param drn the decoder reference number, 11 or 13 digits
 * @throws TypeError for a non-string; RangeError for another IIN or a DRN of the wrong shape
 * @example
 * meterPan('600727', '47500150231'); // '600727475001502312'
 */
export function meterPan(issuerIdentificationNo: string, drn: string): string {
  const iin = checkIssuerIdentificationNo(issuerIdentificationNo);
  checkDrn(drn, iin);
  return `${iin}${drn}${luhnOfDigits(iin, drn)}`;
}

/**
 * The PANBlock of a meter PAN (IEC 62055-41 DKGA02/DKGA04 PANBlock; sts-reference §9): the PAN
 * without its first digit and without its check digit, 16 digits read as hex nibbles → 8 bytes.
 * For key type 3 (DCTK, the common key) the DRN digits are zeroed and the IIN digits kept.
 * @param pan 18 digits, IIN 600727 or 0000, with a correct Luhn check digit
 * @param keyType 0..3
 * @throws TypeError for the wrong kind; RangeError for a malformed PAN, a wrong check digit or a bad keyType
 * @example
 * panBlock('600727000000000009', 2); // bytes 00 72 70 00 00 00 00 00
 * panBlock('600727475001502312', 3); // bytes 00 72 70 00 00 00 00 00 (KT 3: DRN part zeroed)
 */
export function panBlock(pan: string, keyType: number): Uint8Array {
  checkDigitString(pan, 'pan', 18);
  const kt = checkKeyType(keyType);
  const iin = pan.startsWith('600727') ? '600727' : pan.startsWith('0000') ? '0000' : undefined;
  if (iin === undefined) throw new RangeError(`pan must start with IIN 600727 or 0000, got ${show(pan)}`);
  const drn = pan.slice(iin.length, 17);
  const check = luhnOfDigits(iin, drn);
  if (pan.charCodeAt(17) - 48 !== check) {
    throw new RangeError(`pan check digit must be ${check} (Luhn), got ${pan[17]}`);
  }
  const h = new Uint32Array(2);
  panBlockHalves(iin, drn, kt, h);
  return halvesToBytes(h);
}

/**
 * The CONTROLBlock (IEC 62055-41 DKGA02/DKGA04 CONTROLBlock; sts-reference §9):
 * KT(1) ‖ SGC(6) ‖ TI(2) ‖ KRN(1) ‖ FFFFFF, the decimal digits used as hex nibbles → 8 bytes.
 * @throws TypeError for the wrong kind; RangeError naming the field that is out of range
 * @example
 * controlBlock({ keyType: 2, supplyGroupCode: '123456', tariffIndex: '01', keyRevisionNo: 1 });
 * // bytes 21 23 45 60 11 FF FF FF
 */
export function controlBlock(p: {
  keyType: number;
  supplyGroupCode: string;
  tariffIndex: string;
  keyRevisionNo: number;
}): Uint8Array {
  if (typeof p !== 'object' || p === null) throw new TypeError('controlBlock parameters must be an object');
  const h = new Uint32Array(2);
  controlBlockHalves(
    checkKeyType(p.keyType),
    checkSupplyGroupCode(p.supplyGroupCode),
    checkTariffIndex(p.tariffIndex),
    checkKeyRevisionNo(p.keyRevisionNo),
    h,
  );
  return halvesToBytes(h);
}
