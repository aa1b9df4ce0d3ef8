// Credential and public-key rows as both stores read them back (SQLite and PostgreSQL share the column
// names; SQLite has no boolean type, so `activated` comes back as 1 or 0 there, true or false here).

import type { CredentialRecord, PublicKeyRecord } from './store.ts';

export function credentialRecord(r: Record<string, unknown>): CredentialRecord {
  const permissions = r.permissions as string;
  return {
    key: r.key as string,
    tenant: r.tenant as string,
    name: r.name as string,
    permissions: permissions === '' ? [] : permissions.split(','),
    sealedSecret: new Uint8Array(r.sealed_secret as Buffer),
    createdAt: r.created_at as string,
    revokedAt: (r.revoked_at as string | null) ?? null,
  };
}

export function publicKeyRecord(r: Record<string, unknown>): PublicKeyRecord {
  return {
    tenant: r.tenant as string,
    ref: r.ref as string,
    name: r.name as string,
    pem: r.pem as string,
    fingerprint: r.fingerprint as string,
    activated: r.activated === true || r.activated === 1,
    createdAt: r.created_at as string,
  };
}
