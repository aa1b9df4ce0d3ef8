// Request authentication, Nectar's scheme exactly (nectar-compat §4) without its faults: the Date is
// checked (±5 min), a nonce is single-use while its Date is acceptable, signatures compare in constant time.
import type { IncomingHttpHeaders } from 'node:http';
import { md5Hex, parseAuthorization, parseRequestDate, verifySignature } from 'sts-client';
import type { Store } from '../store/store.ts';
import { ApiError } from './envelope.ts';

/** Nectar's permission verbs; a credential gets all of them unless told otherwise. */
export const PERMISSIONS = [
  'generate_token',
  'get_token',
  'decode_token',
  'create_configurations',
  'get_configurations',
  'activate_configurations',
  'deactivate_configurations',
  'create_public_keys',
  'get_public_keys',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const CLOCK_SKEW_MS = 5 * 60_000;

export interface Principal {
  key: string;
  tenant: string;
  permissions: ReadonlySet<string>;
}

export interface AuthDeps {
  store: Store;
  /** The API secret of a credential (the key boundary unseals it); cached by the caller. */
  secretOf(key: string, sealed: Uint8Array): Promise<string | undefined>;
  now(): number;
}

const SAME_FOR_UNKNOWN = 'unknown API key or wrong signature';
const KEY_RE = /^[A-Za-z0-9_-]{1,128}$/;
const NONCE_RE = /^[A-Za-z0-9_-]{8,128}$/;

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message, undefined, { 'www-authenticate': 'nectar' });
}

/**
 * Check the signature of a request whose whole body is `bodyMd5` (upper-case hex, or undefined for a
 * streamed body checked at its end) and return who sent it. Throws 400/401 ApiErrors.
 */
export async function authenticate(
  deps: AuthDeps,
  p: {
    method: string;
    path: string;
    query: string;
    headers: IncomingHttpHeaders;
    bodyMd5: string | undefined;
  },
): Promise<Principal> {
  const parsed = parseAuthorization(header(p.headers, 'authorization'));
  if (parsed === undefined || !KEY_RE.test(parsed.key))
    throw unauthorized(
      'unauthenticated',
      'missing or malformed Authorization header (expected: nectar KEY:SIGNATURE)',
    );
  const { key, signature } = parsed;
  // Browsers may not set Date from a script: sts-client sends the signed date in X-Date as well.
  const dateText = header(p.headers, 'date') ?? header(p.headers, 'x-date');
  const date = dateText === undefined ? undefined : parseRequestDate(dateText);
  if (date === undefined)
    throw unauthorized(
      'bad-date',
      'missing or unreadable Date header (an HTTP date or Java Date.toString())',
    );
  const now = deps.now();
  if (Math.abs(now - date) > CLOCK_SKEW_MS)
    throw unauthorized('stale-date', 'the Date header is more than 5 minutes away from the server clock');
  const nonce = header(p.headers, 'nonce');
  if (nonce === undefined || !NONCE_RE.test(nonce))
    throw unauthorized('bad-nonce', 'missing or malformed nonce header (8 to 128 letters, digits, - or _)');
  const contentMd5 = header(p.headers, 'content-md5') ?? '';
  const contentType = header(p.headers, 'content-type') ?? '';
  if (p.bodyMd5 !== undefined && contentMd5.toUpperCase() !== p.bodyMd5)
    throw new ApiError(400, 'content-md5-mismatch', 'the Content-MD5 header does not match the body');

  const credential = await deps.store.credential(key);
  const secret = credential === undefined ? undefined : await deps.secretOf(key, credential.sealedSecret);
  // A key that does not exist is checked against a throwaway secret: same work, same answer.
  const base = { method: p.method, contentMd5, contentType, date: dateText!, nonce, signature };
  const s = secret ?? 'no such key: a secret nobody holds';
  // Nectar's SDKs (and sts-client) sign the path without its query; a client that signs the query too is accepted.
  let valid = await verifySignature({ ...base, path: p.path, secret: s });
  if (!valid && p.query !== '') valid = await verifySignature({ ...base, path: p.path + p.query, secret: s });
  if (credential === undefined || secret === undefined || !valid)
    throw unauthorized('unauthenticated', SAME_FOR_UNKNOWN);
  if (credential.revokedAt !== null) throw unauthorized('revoked', 'this API key was revoked');
  // Kept until the Date can no longer be accepted: after that the Date check refuses the replay.
  if (!(await deps.store.useNonce(key, nonce, date + CLOCK_SKEW_MS + 1000, now)))
    throw unauthorized('replayed-nonce', 'this nonce was already used: every request needs a new one');
  return { key, tenant: credential.tenant, permissions: new Set(credential.permissions) };
}

export function requirePermission(who: Principal, permission: Permission): void {
  if (!who.permissions.has(permission))
    throw new ApiError(403, 'forbidden', `this API key lacks the permission ${permission}`);
}

export { md5Hex };
