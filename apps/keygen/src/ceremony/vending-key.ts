// Vending keys as a ceremony handles them: lengths per DKGA, DES parity and weak keys, components
// XORed together, the key file format. The maths of KCVs lives in sts-crypto (kcv.ts).

import { CliError, shown, usageError } from 'sts-cli-kit';
import { bytesToHex, hexToBytes, type KcvMethod, kcv, kcvMethodForVendingKey, wipe } from 'sts-crypto';
import { hasRehearsalMark, rehearsalMark } from '../io/rehearsal-mark.ts';
import type { RandomSource } from './rng.ts';

/** The two decoder key generation algorithms that use a vending key (nectar-compat §1). */
export type VendingDkga = '02' | '04';

/** DKGA02: a 64-bit DES key; DKGA04: a 160-bit HMAC key. */
export function vendingKeyLength(dkga: VendingDkga): number {
  return dkga === '02' ? 8 : 20;
}

/** `--dkga` value: '02' or '04' ('2' and '4' accepted, as people type them). */
export function parseDkga(value: string | undefined): VendingDkga {
  if (value === undefined)
    throw usageError('--dkga is required (02 for a 64-bit DES key, 04 for a 160-bit key)');
  if (value === '02' || value === '2') return '02';
  if (value === '04' || value === '4') return '04';
  throw usageError(`--dkga must be 02 or 04, got ${shown(value)}`);
}

/**
 * The 4 weak and 12 semi-weak DES keys (FIPS 74 §3.6), in odd parity. Compared with parity bits
 * masked off, since DES ignores them: a key that differs only in parity is the same weak key.
 */
const DES_WEAK_KEYS: readonly string[] = [
  '0101010101010101',
  'FEFEFEFEFEFEFEFE',
  'E0E0E0E0F1F1F1F1',
  '1F1F1F1F0E0E0E0E',
];
const DES_SEMI_WEAK_KEYS: readonly string[] = [
  '01FE01FE01FE01FE',
  'FE01FE01FE01FE01',
  '1FE01FE00EF10EF1',
  'E01FE01FF10EF10E',
  '01E001E001F101F1',
  'E001E001F101F101',
  '1FFE1FFE0EFE0EFE',
  'FE1FFE1FFE0EFE0E',
  '011F011F010E010E',
  '1F011F010E010E01',
  'E0FEE0FEF1FEF1FE',
  'FEE0FEE0FEF1FEF1',
];

function withoutParity(key: Uint8Array): string {
  let s = '';
  for (const b of key) s += (b & 0xfe).toString(16).padStart(2, '0');
  return s.toUpperCase();
}
const WEAK = new Set(DES_WEAK_KEYS.map((k) => withoutParity(hexToBytes(k))));
const SEMI_WEAK = new Set(DES_SEMI_WEAK_KEYS.map((k) => withoutParity(hexToBytes(k))));

/** 'weak', 'semi-weak' or undefined for an 8-byte DES key (parity bits ignored). */
export function desWeakness(key: Uint8Array): 'weak' | 'semi-weak' | undefined {
  if (key.length !== 8) return undefined;
  const masked = withoutParity(key);
  if (WEAK.has(masked)) return 'weak';
  if (SEMI_WEAK.has(masked)) return 'semi-weak';
  return undefined;
}

/** Set bit 0 of each byte so that every byte has an odd number of 1 bits (DES key parity). */
function setOddParity(key: Uint8Array): void {
  for (let i = 0; i < key.length; i++) {
    const b = key[i]! & 0xfe;
    let ones = 0;
    for (let v = b; v !== 0; v &= v - 1) ones++;
    key[i] = ones % 2 === 0 ? b | 1 : b;
  }
}

/** True when every bit that matters is zero (for DES: every bit but the parity bits). */
export function isZeroKey(key: Uint8Array, dkga: VendingDkga): boolean {
  const mask = dkga === '02' ? 0xfe : 0xff;
  return key.every((b) => (b & mask) === 0);
}

/** Same key bits (for DES: parity bits ignored). Runs over every byte, whatever it finds. */
export function sameKeyBits(a: Uint8Array, b: Uint8Array, dkga: VendingDkga): boolean {
  if (a.length !== b.length) return false;
  const mask = dkga === '02' ? 0xfe : 0xff;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i]! ^ b[i]!) & mask;
  return diff === 0;
}

/** a ^= b. */
function xorInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! ^ b[i]!;
}

/** A KCV with its method, as printed and recorded. */
export interface KeyCheck {
  readonly kcv: string;
  readonly method: KcvMethod;
}

/** KCV of a vending key (des for 8 bytes, hmac-sha256 for 20). */
export function vendingKeyCheck(key: Uint8Array): KeyCheck {
  const method = kcvMethodForVendingKey(key);
  return { kcv: kcv(key, method), method };
}

/**
 * A fresh vending key: random bytes; for DKGA02 odd parity set and weak or semi-weak keys redrawn.
 * @returns the key (the caller wipes it) and how many weak draws were refused
 */
export function generateVendingKey(
  dkga: VendingDkga,
  rng: RandomSource,
): { key: Uint8Array; redrawn: number } {
  let redrawn = 0;
  for (;;) {
    const key = rng.bytes(vendingKeyLength(dkga));
    if (dkga === '02') setOddParity(key);
    if (!isZeroKey(key, dkga) && desWeakness(key) === undefined) return { key, redrawn };
    wipe(key);
    redrawn++;
  }
}

/**
 * N random components whose XOR is a usable key. DKGA02 components have odd parity (what custodians
 * and HSMs expect); their XOR then has even parity, so the combined key gets odd parity set, which
 * changes neither its DES behaviour nor its KCV.
 */
export function generateComponents(
  dkga: VendingDkga,
  count: number,
  rng: RandomSource,
): { components: Uint8Array[]; key: Uint8Array } {
  const components: Uint8Array[] = [];
  /** A random component, non-zero and unlike those drawn before. */
  const draw = (): Uint8Array => {
    for (;;) {
      const c = rng.bytes(vendingKeyLength(dkga));
      if (dkga === '02') setOddParity(c);
      if (!isZeroKey(c, dkga) && !components.some((o) => sameKeyBits(o, c, dkga))) return c;
      wipe(c);
    }
  };
  for (let i = 0; i < count - 1; i++) components.push(draw());
  for (;;) {
    components.push(draw());
    const key = combineComponents(components, dkga);
    if (!isZeroKey(key, dkga) && desWeakness(key) === undefined) return { components, key };
    wipe(key, components.pop()!); // redraw the last component
  }
}

/** XOR of the components; DKGA02 keys get odd parity. The caller wipes the result. */
export function combineComponents(components: readonly Uint8Array[], dkga: VendingDkga): Uint8Array {
  const key = new Uint8Array(vendingKeyLength(dkga));
  for (const c of components) xorInto(key, c);
  if (dkga === '02') setOddParity(key);
  return key;
}

/** Hex in groups of 4, the way a custodian copies it: `0123 4567 89AB CDEF`. */
export function groupedHex(bytes: Uint8Array): string {
  return bytesToHex(bytes).replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * Key file text: an optional `# REHEARSAL` comment line, then the key as one line of upper-case hex.
 * The format readers take: `#` comment lines and blank lines ignored, spaces inside the hex allowed.
 */
export function keyFileText(key: Uint8Array, rehearsal: boolean): string {
  return `${rehearsal ? rehearsalMark('key') : ''}${bytesToHex(key)}\n`;
}

/** Parse a key file (bytes as read). Errors name the file, never its contents. */
export function parseKeyFile(data: Uint8Array, file: string): { key: Uint8Array; rehearsal: boolean } {
  const text = Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
  let hex = '';
  let lines = 0;
  let rehearsal = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      if (hasRehearsalMark(line)) rehearsal = true;
      continue;
    }
    if (line === '') continue;
    lines++;
    hex = line.replace(/\s+/g, '');
  }
  if (lines !== 1)
    throw new CliError('bad-input', `key file ${file} must hold one line of hex digits, found ${lines}`);
  try {
    return { key: hexToBytes(hex, `key file ${file}`), rehearsal };
  } catch (err) {
    throw new CliError('bad-input', err instanceof Error ? err.message : String(err));
  }
}
