// Nectar request signing: the Authorization, Content-MD5, Date and nonce headers of every API call.
// nectar-compat.md §4; the one implementation the SDK (signing) and sts-service (verifying) share.
import { md5 } from '@noble/hashes/legacy.js';

/** What a request is signed over. `path` is the URL path; a query after `?` is left out, as Nectar's SDKs do. */
export interface SignRequestParams {
  method: string;
  path: string;
  body: Uint8Array | string;
  contentType: string;
  /** The Date header's text as sent (an HTTP date, or Java's `Date.toString()`). */
  date: string;
  nonce: string;
  key: string;
  secret: string;
}

/**
 * What a received request is checked against: its headers, and the secret found for its key.
 * `path` is taken as given: pass the URL's path without its query (what Nectar's SDKs sign).
 */
export interface VerifySignatureParams {
  method: string;
  path: string;
  contentMd5: string;
  contentType: string;
  date: string;
  nonce: string;
  secret: string;
  /** The signature part of `Authorization: nectar KEY:SIGNATURE` (base64 of the hex). */
  signature: string;
}

const utf8 = new TextEncoder();
const HEX_LENGTH = 64; // HMAC-SHA256 = 32 bytes = 64 hex digits when the leading zeros are kept

/**
 * The upper-case hex MD5 of a request body (a string is taken as UTF-8), as Nectar's Content-MD5.
 * MD5 comes from node:crypto on Node, else from @noble/hashes (WebCrypto has none, and this code also runs in browsers).
 * @example md5Hex('') // 'D41D8CD98F00B204E9800998ECF8427E'
 */
export function md5Hex(body: Uint8Array | string): string {
  const bytes = bodyBytes(body, 'body');
  const nodeCrypto = nodeCryptoModule();
  if (nodeCrypto !== undefined) return nodeCrypto.createHash('md5').update(bytes).digest('hex').toUpperCase();
  return toHex(md5(bytes)).toUpperCase();
}

/**
 * The headers that authenticate one request: `Authorization: nectar KEY:SIG`, `Content-MD5`,
 * `Content-Type`, `Date` and `nonce`. SIG is base64 of the lower-case hex (leading zeros kept, as
 * Nectar's Python SDK does) of HMAC-SHA256(UTF-8 secret, METHOD + path + Content-MD5 +
 * Content-Type + Date + nonce). HMAC runs in node:crypto on Node (found at run time) and in
 * WebCrypto elsewhere, so Node ≥ 20 and browsers alike.
 * @example
 * await signRequest({ method: 'GET', path: '/v1/tokens', body: '', contentType: 'application/json',
 *   date: new Date().toUTCString(), nonce: newNonce(), key, secret });
 */
export async function signRequest(p: SignRequestParams): Promise<Record<string, string>> {
  checkText(p.key, 'key');
  if (/[\s:]/.test(p.key)) throw new RangeError('key must not contain a colon or white space');
  checkText(p.path, 'path');
  const contentMd5 = md5Hex(p.body);
  const query = p.path.indexOf('?');
  const path = query === -1 ? p.path : p.path.slice(0, query);
  const hex = await hmacHex({ ...p, path, contentMd5 });
  return {
    Authorization: `nectar ${p.key}:${btoa(hex)}`,
    'Content-MD5': contentMd5,
    'Content-Type': p.contentType,
    Date: p.date,
    nonce: p.nonce,
  };
}

/**
 * Whether `signature` is the request's Nectar signature under `secret`. Accepts the hex with its
 * leading zeros (Python SDK, ours) and without them (Java SDK: `BigInteger.toString(16)`); only
 * lower-case hex, as both SDKs send. The comparison takes the same time wherever the first
 * difference is. Never throws for a malformed signature: it is simply not valid.
 */
export async function verifySignature(p: VerifySignatureParams): Promise<boolean> {
  const given = signatureHex(p.signature);
  const expected = await hmacHex(p);
  if (given === undefined) return false;
  const padded = given.padStart(HEX_LENGTH, '0');
  let difference = 0;
  for (let i = 0; i < HEX_LENGTH; i++) difference |= padded.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}

/**
 * The key and signature of an `Authorization: nectar KEY:SIGNATURE` header, or undefined when the
 * header is not of that form. The scheme is matched in any case: the Python SDK writes `NECTAR`.
 */
export function parseAuthorization(
  header: string | null | undefined,
): { key: string; signature: string } | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined;
  const match = /^nectar ([^\s:]+):(\S+)$/i.exec(header.trim());
  return match ? { key: match[1]!, signature: match[2]! } : undefined;
}

/** A fresh nonce: 32 lower-case hex characters from the WebCrypto random source (as long as the Java SDK's). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return toHex(bytes);
}

/** The lower-case hex the base64 signature carries, or undefined if it is not base64 of 1–64 hex digits. */
function signatureHex(signature: string): string | undefined {
  if (typeof signature !== 'string' || signature.length > 88) return undefined;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(signature)) return undefined;
  const hex = atob(signature);
  return /^[0-9a-f]{1,64}$/.test(hex) ? hex : undefined;
}

/** The 64 lower-case hex digits of HMAC-SHA256(secret, the string Nectar signs). */
async function hmacHex(p: Omit<VerifySignatureParams, 'signature'>): Promise<string> {
  checkText(p.method, 'method');
  checkText(p.path, 'path');
  for (const name of ['contentMd5', 'contentType', 'date', 'nonce', 'secret'] as const) {
    if (typeof p[name] !== 'string') throw new TypeError(`${name} must be a string`);
  }
  if (p.secret.length === 0) throw new RangeError('secret must not be empty');
  const message = p.method.toUpperCase() + p.path + p.contentMd5 + p.contentType + p.date + p.nonce;
  const nodeCrypto = nodeCryptoModule();
  if (nodeCrypto !== undefined)
    return nodeCrypto.createHmac('sha256', p.secret).update(message).digest('hex');
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) throw new TypeError('WebCrypto (globalThis.crypto.subtle) is not available');
  const secretBytes = utf8.encode(p.secret);
  try {
    const hmacKey = await subtle.importKey('raw', secretBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    return toHex(new Uint8Array(await subtle.sign('HMAC', hmacKey, utf8.encode(message))));
  } finally {
    secretBytes.fill(0);
  }
}

/** The part of node:crypto used here: HMAC (~5 µs against ~170 µs for WebCrypto importKey + sign) and MD5. */
interface NodeCrypto {
  createHmac(algorithm: 'sha256', key: string): { update(data: string): { digest(encoding: 'hex'): string } };
  createHash(algorithm: 'md5'): { update(data: Uint8Array): { digest(encoding: 'hex'): string } };
}

let nodeCryptoCache: NodeCrypto | null | undefined;
/**
 * node:crypto when running on Node (20.16+: `process.getBuiltinModule`), else undefined. Found at run
 * time, without an import statement, so the browser bundle never names it and falls back to WebCrypto.
 */
function nodeCryptoModule(): NodeCrypto | undefined {
  if (nodeCryptoCache === undefined) {
    const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const found = host.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    nodeCryptoCache = typeof found?.createHmac === 'function' ? found : null;
  }
  return nodeCryptoCache ?? undefined;
}

function bodyBytes(body: Uint8Array | string, name: string): Uint8Array {
  if (typeof body === 'string') return utf8.encode(body);
  if (body instanceof Uint8Array) return body;
  throw new TypeError(`${name} must be a Uint8Array or a string`);
}

function checkText(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (value.length === 0) throw new RangeError(`${name} must not be empty`);
}

const HEX_DIGITS = '0123456789abcdef';
function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  return hex;
}
