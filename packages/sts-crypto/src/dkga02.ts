// DKGA02: the decoder key of a meter from a 64-bit DES vending key, DK = DES(VK, I) ⊕ I ⊕ VK.
// IEC 62055-41 DKGA02 (DEA per FIPS 46-3, single DES, ECB); sts-reference §10.2.

import { checkBytes } from './bytes.ts';
import { desCrypt, desEncrypt, desKeySchedule } from './des.ts';
import { panBlockHalves } from './pan.ts';

/**
 * DKGA02 on whole blocks (IEC 62055-41 DKGA02): I = PANBlock ⊕ CONTROLBlock, O = DES(VK, I),
 * DK = O ⊕ I ⊕ VK. The key comes out in natural big-endian order (Nectar prints it byte-reversed).
 * The straightforward form, used by the one-shot `deriveDecoderKey`; `I` and `O` are wiped.
 * @param vendingKey 8 bytes (DES parity bits ignored)
 * @param panBlock 8 bytes, see `panBlock`
 * @param controlBlock 8 bytes, see `controlBlock`
 * @returns the 8-byte decoder key
 * @throws TypeError / RangeError naming the argument that is not 8 bytes
 * @example
 * dkga02DecoderKey(hexToBytes('ABABABABABABABAB'), hexToBytes('0072700000000000'),
 *   hexToBytes('2123456011FFFFFF')); // E653341F9D5BF36F
 */
export function dkga02DecoderKey(
  vendingKey: Uint8Array,
  panBlock: Uint8Array,
  controlBlock: Uint8Array,
): Uint8Array {
  checkBytes(vendingKey, 'vendingKey', 8);
  checkBytes(panBlock, 'panBlock', 8);
  checkBytes(controlBlock, 'controlBlock', 8);
  const i = new Uint8Array(8);
  for (let n = 0; n < 8; n++) i[n] = panBlock[n]! ^ controlBlock[n]!;
  const o = desEncrypt(vendingKey, i);
  const dk = new Uint8Array(8);
  for (let n = 0; n < 8; n++) dk[n] = o[n]! ^ i[n]! ^ vendingKey[n]!;
  i.fill(0);
  o.fill(0);
  return dk;
}

/**
 * DKGA02 with the vending key's DES schedule and the CONTROLBlock fixed, for deriving the keys of many
 * meters (IEC 62055-41 DKGA02): each derivation is the PANBlock from the DRN's character codes, one DES
 * block and a few XORs, with no allocation. Internal to the package; the public face is
 * `prepareDecoderKeyDerivation`, which checks every argument first.
 */
export class Dkga02Deriver {
  #subkeys = new Int32Array(32);
  /** VK hi, VK lo, CONTROLBlock hi, CONTROLBlock lo. */
  #fixed = new Uint32Array(4);
  /** Scratch: the PANBlock, then O; wiped after each use. */
  #scratch = new Uint32Array(2);
  #iin: string;
  #keyType: number;

  /**
   * @param vendingKey 8 bytes, checked by the caller; not retained (its schedule and halves are copied)
   * @param iin '600727' or '0000', checked by the caller
   * @param keyType 0..3, checked by the caller
   * @param control the CONTROLBlock as [hi, lo]
   */
  constructor(vendingKey: Uint8Array, iin: string, keyType: number, control: Uint32Array) {
    desKeySchedule(vendingKey, this.#subkeys);
    this.#fixed[0] = (vendingKey[0]! << 24) | (vendingKey[1]! << 16) | (vendingKey[2]! << 8) | vendingKey[3]!;
    this.#fixed[1] = (vendingKey[4]! << 24) | (vendingKey[5]! << 16) | (vendingKey[6]! << 8) | vendingKey[7]!;
    this.#fixed[2] = control[0]!;
    this.#fixed[3] = control[1]!;
    this.#iin = iin;
    this.#keyType = keyType;
  }

  /**
   * Write the decoder key of meter `drn` into out[0..7], big-endian. The caller has checked the DRN's
   * length; its digits are checked here on the way.
   * @returns false, writing nothing, when drn has a character that is not a decimal digit
   */
  derive(drn: string, out: Uint8Array): boolean {
    const t = this.#scratch;
    if (!panBlockHalves(this.#iin, drn, this.#keyType, t)) return false;
    const f = this.#fixed;
    const iHi = (t[0]! ^ f[2]!) >>> 0;
    const iLo = (t[1]! ^ f[3]!) >>> 0;
    desCrypt(this.#subkeys, iHi, iLo, t, false);
    const hi = t[0]! ^ iHi ^ f[0]!;
    const lo = t[1]! ^ iLo ^ f[1]!;
    t[0] = 0;
    t[1] = 0;
    out[0] = hi >>> 24;
    out[1] = hi >>> 16;
    out[2] = hi >>> 8;
    out[3] = hi;
    out[4] = lo >>> 24;
    out[5] = lo >>> 16;
    out[6] = lo >>> 8;
    out[7] = lo;
    return true;
  }

  /** Wipe the DES schedule and the vending key halves. */
  destroy(): void {
    this.#subkeys.fill(0);
    this.#fixed.fill(0);
    this.#scratch.fill(0);
  }
}
