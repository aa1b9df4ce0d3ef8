// The upload-bundle envelope (nectar-compat.md §2): seal and open, on bytes and node:crypto KeyObjects.
// Profile 'nectar' is byte-compatible with the openssl recipe; 'strong' is our opt-in OAEP/HMAC/PSS form.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  type KeyObject,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  constants as rsa,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { checkBytes } from './bytes.ts';

/**
 * The profiles:
 * - `nectar`: AES-128-CBC/PKCS#7 with IV prefixed; RSA PKCS#1 v1.5 type 2 key wrap of the 16-byte
 *   AES key; RSA PKCS#1 v1.5 type 1 "sign" of the raw 32-byte SHA-256 of the config (no DigestInfo).
 * - `strong`: a random 64-byte secret wrapped with RSA-OAEP (SHA-256, MGF1-SHA-256); its first 32
 *   bytes are the AES-256-CBC key, the last 32 the HMAC-SHA-256 key; the MAC covers IV ‖ ciphertext
 *   (encrypt-then-MAC); the config is signed with RSA-PSS (SHA-256, MGF1-SHA-256, salt 32 bytes).
 */
export type BundleProfile = 'nectar' | 'strong';

/** The file names of a bundle directory (the first three are Nectar's). */
export const BUNDLE_FILES = {
  data: 'encrypted_sts_config_with_iv_base64.txt',
  digest: 'encrypted_digest.txt',
  symmetric: 'encrypted_symmetric.txt',
  /** strong profile only: base64 HMAC-SHA-256 of IV ‖ ciphertext. */
  mac: 'encrypted_mac.txt',
  /** strong profile only: the line `sts-keygen-bundle strong v1`; absent for the Nectar profile. */
  profile: 'profile.txt',
} as const;

/** The content of profile.txt in a strong bundle. */
export const STRONG_PROFILE_LINE = 'sts-keygen-bundle strong v1';

/** A bundle's payloads, decoded (not base64). `mac` only in the strong profile. */
export interface BundleParts {
  /** IV(16) ‖ AES-CBC ciphertext. */
  data: Uint8Array;
  /** The signature: type-1 block (nectar) or RSA-PSS (strong). */
  digest: Uint8Array;
  /** The wrapped symmetric key. */
  symmetric: Uint8Array;
  mac?: Uint8Array;
}

/**
 * The one message of every failure to open a bundle: wrong key, wrong signer, any changed byte.
 * One text for all causes so that the error is no oracle (padding, MAC or digest).
 */
export const BUNDLE_DOES_NOT_VERIFY =
  'bundle does not verify: wrong recipient key, wrong signer key, or the files were altered';

export class BundleVerificationError extends Error {
  constructor() {
    super(BUNDLE_DOES_NOT_VERIFY);
    this.name = 'BundleVerificationError';
  }
}

const AES_BLOCK = 16;
const SHA256_LEN = 32;

/** Modulus length in bytes of an RSA key. */
function modulusBytes(key: KeyObject, name: string): number {
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError(`${name} must be an RSA key`);
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) throw new TypeError(`${name} has no modulus length`);
  return Math.ceil(bits / 8);
}

function checkKey(key: KeyObject, type: 'private' | 'public', name: string): number {
  if (typeof key !== 'object' || key === null || (key as KeyObject).type !== type) {
    throw new TypeError(`${name} must be an RSA ${type} KeyObject`);
  }
  return modulusBytes(key, name);
}

/** 0xFF when a == b, else 0 (a, b bytes); no branch on the values. */
function ctEqByte(a: number, b: number): number {
  const x = (a ^ b) & 0xff;
  return (((x - 1) >>> 8) & 0xff) as number;
}

/**
 * Remove PKCS#1 v1.5 type-2 (encryption) padding in constant time: EM = 00 02 PS 00 M where PS is at
 * least 8 non-zero bytes and M must be exactly `messageLength` bytes. Every byte of EM is read
 * whatever the outcome, with no early exit, so the time taken says nothing about where it failed.
 * @returns `valid` and always a `messageLength`-byte `message` (the tail of EM, meaningless when invalid).
 * @example
 * const { valid, message } = pkcs1Type2Unpad(em, 16);
 */
export function pkcs1Type2Unpad(
  em: Uint8Array,
  messageLength: number,
): { valid: boolean; message: Uint8Array } {
  checkBytes(em, 'em');
  const k = em.length;
  const sep = k - messageLength - 1; // index where the 00 separator must be
  if (messageLength < 0 || sep < 10)
    throw new RangeError(`em must be at least ${messageLength + 11} bytes, got ${k}`);
  let good = ctEqByte(em[0]!, 0x00) & ctEqByte(em[1]!, 0x02) & ctEqByte(em[sep]!, 0x00);
  for (let i = 2; i < sep; i++) good &= ~ctEqByte(em[i]!, 0x00) & 0xff; // PS has no zero byte
  // A copy, not a view (Buffer#slice shares memory): the caller wipes em.
  return { valid: good === 0xff, message: Uint8Array.prototype.slice.call(em, sep + 1) };
}

/**
 * The PKCS#1 v1.5 type-1 (signature) block for raw `payload`, as `openssl rsautl -sign` builds it:
 * 00 01 FF…FF 00 payload, `k` bytes. Comparing a recovered block with this one checks the padding
 * and the payload in one constant-time comparison.
 */
export function pkcs1Type1Encode(payload: Uint8Array, k: number): Uint8Array {
  checkBytes(payload, 'payload');
  const ps = k - payload.length - 3;
  if (ps < 8) throw new RangeError(`payload must be at most ${k - 11} bytes, got ${payload.length}`);
  const em = new Uint8Array(k).fill(0xff, 2, 2 + ps);
  em[1] = 0x01;
  em.set(payload, k - payload.length);
  return em;
}

/**
 * Recover the payload of a type-1 signature with the signer's public key (`openssl rsautl -verify`,
 * `pkeyutl -verifyrecover`). Returns undefined when the block is not a well-formed type-1 block.
 */
export function recoverType1(signature: Uint8Array, signerKey: KeyObject): Uint8Array | undefined {
  const k = checkKey(signerKey, 'public', 'signerKey');
  if (signature.length !== k) return undefined;
  let em: Buffer;
  try {
    em = publicDecrypt({ key: signerKey, padding: rsa.RSA_NO_PADDING }, signature);
  } catch {
    return undefined;
  }
  if (em.length !== k || em[0] !== 0 || em[1] !== 1) return undefined;
  let i = 2;
  while (i < k && em[i] === 0xff) i++;
  if (i - 2 < 8 || i >= k || em[i] !== 0) return undefined;
  return Uint8Array.prototype.slice.call(em, i + 1);
}

/** PKCS#7-unpad `padded` in constant time (every byte read); `valid` false on bad padding. */
function pkcs7Unpad(padded: Uint8Array): { valid: boolean; length: number } {
  const n = padded.length;
  if (n === 0 || n % AES_BLOCK !== 0) return { valid: false, length: 0 };
  const pad = padded[n - 1]!;
  // 1 ≤ pad ≤ 16
  let good = ~ctEqByte(pad, 0) & 0xff & (((pad - 17) >>> 8) & 0xff);
  for (let i = 1; i <= AES_BLOCK; i++) {
    const inPad = ((i - pad - 1) >>> 8) & 0xff; // 0xFF when i <= pad
    good &= ~inPad | ctEqByte(padded[n - i]!, pad);
    good &= 0xff;
  }
  return { valid: good === 0xff, length: n - (good === 0xff ? pad : 0) };
}

function aesCbc(mode: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, input: Uint8Array): Buffer {
  const algo = key.length === 16 ? 'aes-128-cbc' : 'aes-256-cbc';
  const c = mode === 'encrypt' ? createCipheriv(algo, key, iv) : createDecipheriv(algo, key, iv);
  c.setAutoPadding(mode === 'encrypt');
  const head = c.update(input);
  const tail = c.final();
  const out = Buffer.concat([head, tail]);
  head.fill(0); // decrypting, these pieces are the plaintext config (it holds the vending key)
  tail.fill(0);
  return out;
}

export interface SealOptions {
  /** Default 'nectar'. */
  profile?: BundleProfile;
  /** The configuration file's bytes, exactly as they will be recovered. */
  config: Uint8Array;
  /** The user's RSA private key (signs). */
  signingKey: KeyObject;
  /** The recipient's (KMC's) RSA public key (wraps the symmetric key). */
  recipientKey: KeyObject;
  /**
   * The symmetric secret: 16 bytes (nectar: the AES-128 key) or 64 bytes (strong: AES-256 key ‖
   * HMAC key). Default: random. Pass it to keep it for `openWithKey`, and wipe it afterwards.
   */
  key?: Uint8Array;
  /** The 16-byte IV (default: 16 random bytes). */
  iv?: Uint8Array;
}

/** Length of the symmetric secret of each profile. */
export const BUNDLE_KEY_BYTES: Readonly<Record<BundleProfile, number>> = { nectar: 16, strong: 64 };

function checkProfile(profile: unknown): BundleProfile {
  if (profile !== 'nectar' && profile !== 'strong')
    throw new RangeError(`profile must be 'nectar' or 'strong'`);
  return profile;
}

/**
 * Seal `config` into the bundle payloads. A secret drawn here is wiped before returning.
 * @example
 * const parts = sealBundle({ config, signingKey, recipientKey });
 * // parts.data = IV ‖ AES-128-CBC(config); parts.digest = type-1 sig of SHA-256(config); parts.symmetric = wrapped key
 */
export function sealBundle(o: SealOptions): BundleParts {
  const profile = checkProfile(o.profile ?? 'nectar');
  checkBytes(o.config, 'config');
  checkKey(o.signingKey, 'private', 'signingKey');
  checkKey(o.recipientKey, 'public', 'recipientKey');
  const key = o.key
    ? checkBytes(o.key, 'key', BUNDLE_KEY_BYTES[profile])
    : randomBytes(BUNDLE_KEY_BYTES[profile]);
  const iv = o.iv ? checkBytes(o.iv, 'iv', 16) : randomBytes(16);
  try {
    const encKey = profile === 'nectar' ? key : key.subarray(0, 32);
    const ct = aesCbc('encrypt', encKey, iv, o.config);
    const data = new Uint8Array(iv.length + ct.length);
    data.set(iv);
    data.set(ct, iv.length);
    if (profile === 'nectar') {
      const hash = createHash('sha256').update(o.config).digest();
      const digest = privateEncrypt({ key: o.signingKey, padding: rsa.RSA_PKCS1_PADDING }, hash);
      const symmetric = publicEncrypt({ key: o.recipientKey, padding: rsa.RSA_PKCS1_PADDING }, key);
      return { data, digest: new Uint8Array(digest), symmetric: new Uint8Array(symmetric) };
    }
    const mac = createHmac('sha256', key.subarray(32)).update(data).digest();
    const digest = sign('sha256', o.config, {
      key: o.signingKey,
      padding: rsa.RSA_PKCS1_PSS_PADDING,
      saltLength: SHA256_LEN,
    });
    const symmetric = publicEncrypt(
      { key: o.recipientKey, padding: rsa.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      key,
    );
    return {
      data,
      digest: new Uint8Array(digest),
      symmetric: new Uint8Array(symmetric),
      mac: new Uint8Array(mac),
    };
  } finally {
    if (!o.key) key.fill(0);
  }
}

export interface OpenOptions {
  /** Default 'nectar'. */
  profile?: BundleProfile;
  parts: BundleParts;
  /** The recipient's RSA private key. */
  recipientKey: KeyObject;
  /** The signer's RSA public key. */
  signerKey: KeyObject;
}

/**
 * Decrypt the data with `key` and verify the signature; every check runs whatever the outcome of
 * the others (no early exit in the Nectar profile), and they fold into one flag.
 */
function decryptAndVerify(
  profile: BundleProfile,
  parts: BundleParts,
  key: Uint8Array,
  signerKey: KeyObject,
): { ok: boolean; config: Uint8Array } {
  const { data, digest, mac } = parts;
  const ks = modulusBytes(signerKey, 'signerKey');
  const shape = data.length >= 32 && data.length % AES_BLOCK === 0;
  let ok = shape && digest.length === ks;
  if (profile === 'strong') {
    // encrypt-then-MAC: the MAC is checked before anything is decrypted
    const expected = createHmac('sha256', key.subarray(32)).update(data).digest();
    ok = mac !== undefined && mac.length === SHA256_LEN && timingSafeEqual(expected, mac) && ok;
    if (!ok) return { ok, config: new Uint8Array(0) };
  }
  let config: Uint8Array = new Uint8Array(0);
  if (shape) {
    const encKey = profile === 'nectar' ? key : key.subarray(0, 32);
    const padded = aesCbc('decrypt', encKey, data.subarray(0, 16), data.subarray(16));
    const pad = pkcs7Unpad(padded); // our own constant-time PKCS#7 check, not OpenSSL's
    ok = pad.valid && ok;
    config = padded.subarray(0, pad.length);
  }
  if (profile === 'strong') {
    ok =
      ok &&
      verify(
        'sha256',
        config,
        { key: signerKey, padding: rsa.RSA_PKCS1_PSS_PADDING, saltLength: SHA256_LEN },
        digest,
      );
    return { ok, config };
  }
  // Nectar: recover the signed block with the signer's public key and compare it whole with the
  // block we expect (padding and digest in one constant-time comparison).
  const expected = pkcs1Type1Encode(createHash('sha256').update(config).digest(), ks);
  let recovered: Uint8Array = new Uint8Array(ks);
  if (digest.length === ks) {
    try {
      recovered = publicDecrypt({ key: signerKey, padding: rsa.RSA_NO_PADDING }, digest);
    } catch {
      ok = false; // signature ≥ modulus
    }
  }
  ok = timingSafeEqual(recovered, expected) && ok;
  return { ok, config };
}

/** Unwrap the symmetric secret; on any failure a random secret (implicit rejection) and ok = false. */
function unwrap(
  profile: BundleProfile,
  symmetric: Uint8Array,
  recipientKey: KeyObject,
): { ok: boolean; key: Uint8Array } {
  const kr = modulusBytes(recipientKey, 'recipientKey');
  if (profile === 'strong') {
    try {
      const key = privateDecrypt(
        { key: recipientKey, padding: rsa.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        symmetric,
      );
      if (key.length === 64) return { ok: true, key };
      key.fill(0);
    } catch {
      // fall through
    }
    return { ok: false, key: randomBytes(64) };
  }
  // Node 20 refuses PKCS#1 v1.5 decryption (CVE-2023-46809): raw RSA, then our constant-time check.
  let ok = symmetric.length === kr;
  let em: Uint8Array = new Uint8Array(kr);
  if (ok) {
    try {
      em = privateDecrypt({ key: recipientKey, padding: rsa.RSA_NO_PADDING }, symmetric);
    } catch {
      ok = false; // c ≥ n
    }
  }
  const unpadded = pkcs1Type2Unpad(em, 16);
  em.fill(0);
  const random = randomBytes(16);
  ok = unpadded.valid && ok;
  // Select without a branch on the secret flag: key = valid ? message : random.
  const mask = unpadded.valid ? 0xff : 0x00;
  const key = new Uint8Array(16);
  for (let i = 0; i < 16; i++) key[i] = (unpadded.message[i]! & mask) | (random[i]! & ~mask & 0xff);
  unpadded.message.fill(0);
  random.fill(0);
  return { ok, key };
}

/**
 * Open a bundle: unwrap the key, decrypt, verify the signature over the config.
 * @returns the config bytes, exactly as sealed (the caller wipes them: they hold the vending key)
 * @throws BundleVerificationError (always the same message) when anything does not verify
 * @example
 * const config = openBundle({ parts, recipientKey: kmcPrivate, signerKey: userPublic });
 */
export function openBundle(o: OpenOptions): Uint8Array {
  const profile = checkProfile(o.profile ?? 'nectar');
  checkKey(o.recipientKey, 'private', 'recipientKey');
  checkKey(o.signerKey, 'public', 'signerKey');
  for (const name of ['data', 'digest', 'symmetric'] as const) checkBytes(o.parts[name], `parts.${name}`);
  const unwrapped = unwrap(profile, o.parts.symmetric, o.recipientKey);
  try {
    const r = decryptAndVerify(profile, o.parts, unwrapped.key, o.signerKey);
    if (!(r.ok && unwrapped.ok)) {
      r.config.fill(0);
      throw new BundleVerificationError();
    }
    return r.config;
  } finally {
    unwrapped.key.fill(0);
  }
}

/**
 * The sender's self-check: decrypt the data with the symmetric secret still in memory and verify
 * the signature with the signer's public key (the wrapped key can only be checked by the recipient).
 * @returns the config bytes
 * @throws BundleVerificationError
 */
export function openWithKey(o: {
  profile?: BundleProfile;
  parts: BundleParts;
  key: Uint8Array;
  signerKey: KeyObject;
}): Uint8Array {
  const profile = checkProfile(o.profile ?? 'nectar');
  checkBytes(o.key, 'key', BUNDLE_KEY_BYTES[profile]);
  checkKey(o.signerKey, 'public', 'signerKey');
  const r = decryptAndVerify(profile, o.parts, o.key, o.signerKey);
  if (!r.ok) {
    r.config.fill(0);
    throw new BundleVerificationError();
  }
  return r.config;
}

/**
 * Base64 with line breaks every `width` characters (default 64, as `openssl base64` writes) and a
 * final newline. Both `base64 -d` and `openssl base64 -d` read this form.
 */
export function encodeBase64Lines(bytes: Uint8Array, width = 64): string {
  checkBytes(bytes, 'bytes');
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  if (width <= 0) return `${text}\n`;
  let out = '';
  for (let i = 0; i < text.length; i += width) out += `${text.slice(i, i + width)}\n`;
  return out;
}

/**
 * Strict base64 reader for bundle files: any line width (64 of `openssl base64`, 76 of `base64`, or
 * one line), LF or CRLF, surrounding whitespace ignored; anything else (a stray character, bad
 * length or padding) gives undefined rather than Node's silent skipping.
 */
export function decodeBase64Text(text: string): Uint8Array | undefined {
  const compact = text.replace(/[\r\n\t ]+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return undefined;
  if (!/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return undefined;
  const bytes = new Uint8Array(Buffer.from(compact, 'base64'));
  // Reject non-canonical encodings (unused bits set in the last character): they would make two
  // different files decode to the same bytes.
  if (Buffer.from(bytes).toString('base64') !== compact) return undefined;
  return bytes;
}
