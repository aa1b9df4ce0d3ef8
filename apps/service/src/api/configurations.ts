// /v1/configurations: bundles in (opened only inside the key boundary), configurations out by reference.
// No answer ever carries the vending key: its KCV and the KCV method stand for it.
import { BUNDLE_DOES_NOT_VERIFY } from 'sts-crypto';
import { auditInput, newRef, type ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import type { BundleTexts } from '../keys/key-store.ts';
import type { ConfigurationRecord } from '../store/store.ts';
import { notFound, onlyFields, str } from './fields.ts';

export function configurationView(r: ConfigurationRecord, detailed: boolean): Record<string, unknown> {
  const base = {
    ref: r.ref,
    name: r.summary.name,
    activated: r.activated,
    profile: r.profile,
    signer_ref: r.signerRef,
    vending_key_kcv: r.summary.vending_key_kcv,
    vending_key_kcv_method: r.summary.vending_key_kcv_method,
    created_at: r.createdAt,
  };
  return detailed ? { ...base, ...r.summary } : base;
}

/** Open, check and store an uploaded bundle; the same path as `sts-service configs import`. */
export async function importBundle(
  ctx: Pick<ServiceContext, 'store' | 'now'> & {
    openBundle: (
      a: Parameters<ServiceContext['keys']['openBundle']>[0],
    ) => ReturnType<ServiceContext['keys']['openBundle']>;
  },
  tenant: string,
  actor: string,
  texts: BundleTexts,
  signers: readonly { ref: string; pem: string }[],
): Promise<ConfigurationRecord> {
  if (signers.length === 0)
    throw new ApiError(
      422,
      'no-signer-key',
      'no activated public key to check the bundle with: upload one to /v1/public_keys first',
    );
  const ref = newRef('cfg');
  const r = await ctx.openBundle({ tenant, ref, texts, signers });
  if (!r.ok) {
    if (r.code === 'invalid-config')
      throw new ApiError(
        422,
        'invalid-config',
        `the bundle verifies but its configuration is invalid (${r.errors.length} errors)`,
        r.errors,
      );
    throw new ApiError(422, 'bundle-does-not-verify', BUNDLE_DOES_NOT_VERIFY);
  }
  const record: ConfigurationRecord = {
    tenant,
    ref,
    profile: r.profile,
    summary: r.summary,
    sealed: r.sealed,
    signerRef: r.signerRef,
    activated: true,
    createdAt: new Date(ctx.now()).toISOString(),
  };
  await ctx.store.insertConfiguration(
    record,
    auditInput(ctx, tenant, actor, 'configuration.created', ref, {
      signer_ref: r.signerRef,
      profile: r.profile,
      vending_key_kcv: r.summary.vending_key_kcv,
    }),
  );
  return record;
}

export async function postConfiguration(
  ctx: ServiceContext,
  who: Principal,
  body: Record<string, unknown>,
): Promise<unknown> {
  onlyFields(body, ['data', 'digest', 'key', 'mac', 'profile'], 'a configuration upload');
  const texts: BundleTexts = {
    data: str(body, 'data', 200_000),
    digest: str(body, 'digest', 10_000),
    key: str(body, 'key', 10_000),
    ...(body.mac === undefined ? {} : { mac: str(body, 'mac', 1000) }),
    ...(body.profile === undefined ? {} : { profile: str(body, 'profile', 100) }),
  };
  const signers = (await ctx.store.publicKeys(who.tenant, true)).map((k) => ({ ref: k.ref, pem: k.pem }));
  const record = await importBundle(
    { store: ctx.store, now: ctx.now, openBundle: (a) => ctx.keys.openBundle(a) },
    who.tenant,
    who.key,
    texts,
    signers,
  );
  return configurationView(record, true);
}

export async function getConfiguration(
  ctx: ServiceContext,
  who: Principal,
  q: URLSearchParams,
  ref: string,
): Promise<unknown> {
  const r = await ctx.store.configuration(who.tenant, ref);
  if (r === undefined) throw notFound('configuration', ref);
  return configurationView(r, q.get('detailed') === 'true');
}

export async function setConfigurationActivated(
  ctx: ServiceContext,
  who: Principal,
  ref: string,
  on: boolean,
): Promise<unknown> {
  const ok = await ctx.store.setConfigurationActivated(
    who.tenant,
    ref,
    on,
    auditInput(ctx, who.tenant, who.key, on ? 'configuration.activated' : 'configuration.deactivated', ref),
  );
  if (!ok) throw notFound('configuration', ref);
  // Deactivation wipes the prepared keys in the boundary; activation loads them again on first use.
  if (!on) await ctx.unload(who.tenant, ref);
  return configurationView((await ctx.store.configuration(who.tenant, ref))!, false);
}
