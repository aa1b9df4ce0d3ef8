// /v1/public_keys: a tenant's signer keys (RSA public PEM); an upload's digest must verify under an activated one.
import { createPublicKey } from 'node:crypto';
import { auditInput, newRef, type ServiceContext } from '../context.ts';
import { fingerprint } from '../data-dir.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import type { PublicKeyRecord } from '../store/store.ts';
import { notFound, onlyFields, optBool, str } from './fields.ts';

export function publicKeyView(r: PublicKeyRecord): Record<string, unknown> {
  return {
    ref: r.ref,
    name: r.name,
    key: r.pem,
    fingerprint: r.fingerprint,
    activated: r.activated,
    created_at: r.createdAt,
  };
}

export async function postPublicKey(
  ctx: ServiceContext,
  who: Principal,
  body: Record<string, unknown>,
): Promise<unknown> {
  onlyFields(body, ['name', 'key', 'activated'], 'a public key');
  const name = str(body, 'name');
  const pem = str(body, 'key', 20_000);
  let print: string;
  try {
    const k = createPublicKey({ key: pem, format: 'pem' });
    if (k.asymmetricKeyType !== 'rsa') throw new Error('not rsa');
    print = fingerprint(k);
  } catch {
    throw new ApiError(400, 'invalid-field', 'key must be an RSA public key in PEM (SPKI) form');
  }
  const r: PublicKeyRecord = {
    tenant: who.tenant,
    ref: newRef('pk'),
    name,
    pem,
    fingerprint: print,
    activated: optBool(body, 'activated') ?? true,
    createdAt: new Date(ctx.now()).toISOString(),
  };
  await ctx.store.insertPublicKey(
    r,
    auditInput(ctx, who.tenant, who.key, 'public_key.created', r.ref, {
      fingerprint: print,
      activated: r.activated,
    }),
  );
  return publicKeyView(r);
}

export async function listPublicKeys(
  ctx: ServiceContext,
  who: Principal,
  q: URLSearchParams,
): Promise<unknown> {
  const ref = q.get('ref');
  if (ref !== null) {
    const r = await ctx.store.publicKey(who.tenant, ref);
    if (r === undefined) throw notFound('public key', ref);
    return publicKeyView(r);
  }
  const a = q.get('activated');
  const activated = a === null ? undefined : optBool({ activated: a }, 'activated');
  return (await ctx.store.publicKeys(who.tenant, activated)).map(publicKeyView);
}

export async function setPublicKeyActivated(
  ctx: ServiceContext,
  who: Principal,
  ref: string,
  on: boolean,
): Promise<unknown> {
  const ok = await ctx.store.setPublicKeyActivated(
    who.tenant,
    ref,
    on,
    auditInput(ctx, who.tenant, who.key, on ? 'public_key.activated' : 'public_key.deactivated', ref),
  );
  if (!ok) throw notFound('public key', ref);
  return publicKeyView((await ctx.store.publicKey(who.tenant, ref))!);
}
