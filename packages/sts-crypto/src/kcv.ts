// Key check values: a short public fingerprint that names a key without revealing it.
// DES/TDES (FIPS 46-3, ANSI X9.24 practice), AES-CMAC (RFC 4493 / NIST SP 800-38B), HMAC-SHA-256 (FIPS 198-1); key-ceremony.md.

import { createCipheriv } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, checkBytes } from './bytes.ts';
import { desCrypt, desKeySchedule } from './des.ts';

/**
 * How a KCV is computed. 'des': DES of a zero block; 'tdes': 2- or 3-key TDES (EDE) of a zero block;
 * 'aes-cmac': AES-CMAC of 16 zero bytes; 'hmac-sha256': HMAC-SHA-256 of 16 zero bytes (this project's
 * convention for the 160-bit DKGA04 vending keys, which no cipher takes as a key).
 */
export type KcvMethod = 'des' | 'tdes' | 'aes-cmac' | 'hmac-sha256';

const METHODS: readonly string[] = ['des', 'tdes', 'aes-cmac', 'hmac-sha256'];

/** The 64-bit zero block through DES-EDE with the given 8-byte key parts (K3 = K1 for two-key TDES). */
function tdesZeroBlock(k1: Uint8Array, k2: Uint8Array, k3: Uint8Array): Uint8Array {
  const schedule = new Int32Array(32);
  const h = new Uint32Array(2);
  desKeySchedule(k1, schedule);
  desCrypt(schedule, 0, 0, h, false);
  desKeySchedule(k2, schedule);
  desCrypt(schedule, h[0]!, h[1]!, h, true);
  desKeySchedule(k3, schedule);
  desCrypt(schedule, h[0]!, h[1]!, h, false);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, h[0]!);
  new DataView(out.buffer).setUint32(4, h[1]!);
  schedule.fill(0);
  h.fill(0);
  return out;
}

/** RFC 4493 §2.3 doubling in GF(2^128): shift left one bit, XOR Rb = 0x87 into the last byte on carry. */
function double(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 15; i++) out[i] = ((block[i]! << 1) | (block[i + 1]! >>> 7)) & 0xff;
  out[15] = ((block[15]! << 1) & 0xff) ^ (block[0]! & 0x80 ? 0x87 : 0);
  return out;
}

/**
 * AES-CMAC of a message (RFC 4493 §2.4; NIST SP 800-38B), for 128-, 192- and 256-bit keys. The block
 * cipher is node:crypto's AES-ECB used one block at a time (@noble/ciphers' ECB object refuses a second
 * encrypt call); the subkeys and the running blocks are wiped before returning. Cold path.
 * @param key 16, 24 or 32 bytes
 * @param message any length
 * @returns the 16-byte tag
 * @throws TypeError for a non-Uint8Array; RangeError for another key length
 * @example
 * aesCmac(hexToBytes('2B7E151628AED2A6ABF7158809CF4F3C'), new Uint8Array(0));
 * // BB1D6929E95937287FA37D129B756746 (RFC 4493 example 1)
 */
export function aesCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  checkBytes(key, 'key');
  checkBytes(message, 'message');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new RangeError(`key must be 16, 24 or 32 bytes for AES, got ${key.length}`);
  }
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  /** One AES block: ECB without padding returns exactly the block it is given. */
  const aes = (block: Uint8Array): Uint8Array => cipher.update(block);
  const l = aes(new Uint8Array(16));
  const k1 = double(l);
  const k2 = double(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const complete = message.length > 0 && message.length % 16 === 0;
  const x = new Uint8Array(16);
  const tmp = new Uint8Array(16);
  try {
    for (let b = 0; b < blocks; b++) {
      const last = b === blocks - 1;
      for (let i = 0; i < 16; i++) {
        const at = 16 * b + i;
        let m: number;
        if (!last || complete) m = message[at]!;
        else m = at < message.length ? message[at]! : at === message.length ? 0x80 : 0; // 10* padding
        if (last) m ^= complete ? k1[i]! : k2[i]!;
        tmp[i] = x[i]! ^ m;
      }
      const y = aes(tmp);
      x.set(y);
      y.fill(0);
    }
    return x;
  } finally {
    for (const b of [l, k1, k2, tmp]) b.fill(0);
    cipher.final();
  }
}

function checkKeyLength(key: Uint8Array, allowed: readonly number[], what: string): void {
  if (!allowed.includes(key.length)) {
    const list =
      allowed.length === 1 ? `${allowed[0]}` : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
    throw new RangeError(`key must be ${list} bytes for ${what}, got ${key.length}`);
  }
}

/**
 * The key check value of a key: the first 3 bytes of a fixed computation under it, as 6 upper-case hex
 * digits. It identifies a key in ceremonies, transcripts and HSM records without revealing it.
 * - 'des' (FIPS 46-3): DES(key, 0^64); key 8 bytes, parity ignored.
 * - 'tdes' (two- or three-key TDES, EDE): TDES(key, 0^64); key 16 or 24 bytes.
 * - 'aes-cmac' (RFC 4493 / NIST SP 800-38B): AES-CMAC(key, 0^128); key 16, 24 or 32 bytes.
 * - 'hmac-sha256' (FIPS 198-1): HMAC-SHA-256(key, 0^128); any key of 1 byte or more. This is our
 *   convention for 160-bit DKGA04 vending keys: no standard KCV exists for a pure HMAC key.
 * Every intermediate is wiped; only the 3 bytes leave.
 * @throws TypeError when key is not a Uint8Array or method not a string; RangeError for an unknown
 *   method or a key length the method does not take
 * @example
 * kcv(hexToBytes('0123456789ABCDEF'), 'des'); // 'D5D44F'
 * kcv(hexToBytes('0123456789ABCDEFFEDCBA9876543210'), 'tdes'); // '08D7B4'
 */
export function kcv(key: Uint8Array, method: KcvMethod): string {
  checkBytes(key, 'key');
  if (typeof method !== 'string') throw new TypeError(`method must be one of ${METHODS.join(', ')}`);
  let full: Uint8Array;
  switch (method) {
    case 'des':
      checkKeyLength(key, [8], 'DES');
      full = tdesZeroBlock(key, key, key); // E(K) D(K) E(K) = E(K)
      break;
    case 'tdes': {
      checkKeyLength(key, [16, 24], 'TDES');
      const k1 = key.subarray(0, 8);
      full = tdesZeroBlock(k1, key.subarray(8, 16), key.length === 24 ? key.subarray(16, 24) : k1);
      break;
    }
    case 'aes-cmac':
      checkKeyLength(key, [16, 24, 32], 'AES-CMAC');
      full = aesCmac(key, new Uint8Array(16));
      break;
    case 'hmac-sha256':
      if (key.length === 0) throw new RangeError('key must not be empty for HMAC-SHA-256');
      full = hmac(sha256, key, new Uint8Array(16));
      break;
    default:
      throw new RangeError(
        `method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method).slice(0, 24)}`,
      );
  }
  const value = bytesToHex(full.subarray(0, 3));
  full.fill(0);
  return value;
}

/**
 * The KCV method that fits an STS vending key: 8 bytes (a DKGA02 DES key) → 'des'; 20 bytes (a
 * DKGA04 160-bit key) → 'hmac-sha256' (our convention, see {@link kcv}).
 * @throws TypeError for a non-Uint8Array; RangeError for any other length
 * @example
 * kcv(vendingKey, kcvMethodForVendingKey(vendingKey)); // print the method beside the value
 */
export function kcvMethodForVendingKey(key: Uint8Array): KcvMethod {
  checkBytes(key, 'key');
  if (key.length === 8) return 'des';
  if (key.length === 20) return 'hmac-sha256';
  throw new RangeError(`key must be 8 bytes (DKGA02 vending key) or 20 bytes (DKGA04), got ${key.length}`);
}

/**
 * The KCV method that fits an STS decoder key, so every tool names a meter's key by the same value:
 * 8 bytes (an STA or DEA decoder key, 64 bits) → 'des', the DES zero-block KCV payments practice uses
 * for a 64-bit key (not the meter's own cipher: one method for every 64-bit key, checkable with any
 * DES); 16 bytes (a MISTY1 decoder key, 128 bits) → 'aes-cmac'.
 * @throws TypeError for a non-Uint8Array; RangeError for any other length
 * @example
 * const method = kcvMethodForDecoderKey(decoderKey); // 'des' for E653341F9D5BF36F
 * `KCV ${kcv(decoderKey, method)} (${method})`;
 */
export function kcvMethodForDecoderKey(key: Uint8Array): KcvMethod {
  checkBytes(key, 'key');
  if (key.length === 8) return 'des';
  if (key.length === 16) return 'aes-cmac';
  throw new RangeError(
    `key must be 8 bytes (STA or DEA decoder key) or 16 bytes (MISTY1 decoder key), got ${key.length}`,
  );
}
