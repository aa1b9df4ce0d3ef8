// The tenant's signer public keys in the service: each bundle's digest is checked against the activated ones.
// nectar-compat.md §4 (POST/GET /v1/public_keys, activate PUT, deactivate DELETE).
import { dateOf } from './configuration.ts';

/** A signer public key as the service describes it. */
export interface PublicKey {
  ref: string;
  name: string | undefined;
  /** The key, PEM. */
  key: string;
  userRef: string | undefined;
  activated: boolean;
  createdAt: Date | undefined;
  /** The whole record as the service sent it (e.g. its fingerprint). */
  record: Readonly<Record<string, unknown>>;
}

/** A public key record of an answer as a PublicKey. */
export function publicKeyFromRecord(record: unknown): PublicKey {
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof (record as { ref?: unknown }).ref !== 'string'
  ) {
    throw new TypeError('public key record lacks its ref');
  }
  const r = record as Record<string, unknown>;
  return {
    ref: r.ref as string,
    name: typeof r.name === 'string' ? r.name : undefined,
    key: typeof r.key === 'string' ? r.key : '',
    userRef: typeof r.user_ref === 'string' ? r.user_ref : undefined,
    activated: r.activated === true,
    createdAt: dateOf(r.created_at),
    record: r,
  };
}
