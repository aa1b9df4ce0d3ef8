// /v1/tokens: issue a token by reference (key from the stored configuration, TID unique per meter,
// the ledger row committed before the answer), read one back, decode one.
import { type BaseDate, tidFromInstant } from 'sts-token';
import { TOKENS_ISSUED } from '../audit.ts';
import { auditInput, newRef, type ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError, okBody } from '../http/envelope.ts';
import type { ConfigurationRecord, IdempotentAnswer, TokenRecord } from '../store/store.ts';
import { notFound, onlyFields, optBool, str } from './fields.ts';
import { parseNectarTokenRequest } from './nectar-request.ts';
import { allocateTid } from './tid-allocation.ts';

export function tokenView(t: TokenRecord): Record<string, unknown> {
  return {
    ref: t.ref,
    token_no: t.tokenNo,
    user_ref: t.userRef,
    token_type: t.tokenType,
    meter_no: t.meter,
    created_at: t.createdAt,
    class: String(t.class),
    subclass: String(t.subclass),
    tid: t.tid,
    config_ref: t.configRef,
    value: t.value,
  };
}

/** An active configuration of the tenant, opened in the key boundary; 404 for another tenant's ref. */
export async function usableConfiguration(
  ctx: ServiceContext,
  tenant: string,
  ref: string,
  field: string,
): Promise<ConfigurationRecord> {
  const c = await ctx.store.configuration(tenant, ref);
  if (c === undefined)
    throw new ApiError(404, 'not-found', `${field}: no configuration ${JSON.stringify(ref)}`);
  if (!c.activated)
    throw new ApiError(409, 'configuration-deactivated', `${field}: configuration ${ref} is deactivated`);
  if (!(await ctx.ensureLoaded(c)))
    throw new ApiError(
      500,
      'configuration-unreadable',
      `configuration ${ref} cannot be opened with this service's master key`,
    );
  return c;
}

/** 409 when a key change moved the meter to another configuration (its tokens would fail the CRC). */
export function meterMoved(meter: string, current: string): ApiError {
  return new ApiError(
    409,
    'meter-on-other-configuration',
    `meter ${meter} was moved to configuration ${current} by a key change; ask with config_ref ${current}`,
  );
}

export interface Idempotency {
  key: string;
  requestHash: string;
}

const MAX_TID_ATTEMPTS = 20;

/** POST /v1/tokens. Returns the whole response body (stored with the Idempotency-Key when given). */
export async function postToken(
  ctx: ServiceContext,
  who: Principal,
  body: Record<string, unknown>,
  requestId: string,
  idempotency: Idempotency | undefined,
): Promise<{ status: number; body: string }> {
  const plan = parseNectarTokenRequest(body);
  const config = await usableConfiguration(ctx, who.tenant, plan.configRef, 'config_ref');
  try {
    return await issue(ctx, who, body, requestId, idempotency, plan, config);
  } catch (e) {
    // The meter's configuration is checked with the ledger write; a request refused before it (a
    // TID out of the old configuration's range, …) still says first that the meter moved.
    if (e instanceof ApiError && e.code !== 'meter-on-other-configuration') {
      const current = await ctx.store.meterConfig(who.tenant, plan.drn);
      if (current !== undefined && current !== config.ref) throw meterMoved(plan.drn, current);
    }
    throw e;
  }
}

async function issue(
  ctx: ServiceContext,
  who: Principal,
  body: Record<string, unknown>,
  requestId: string,
  idempotency: Idempotency | undefined,
  plan: ReturnType<typeof parseNectarTokenRequest>,
  config: ConfigurationRecord,
): Promise<{ status: number; body: string }> {
  const newConfig =
    plan.newConfigRef === undefined
      ? undefined
      : await usableConfiguration(ctx, who.tenant, plan.newConfigRef, 'new_config_ref');
  const hasTid = plan.info.class !== 1 && plan.info.layout !== 'key-change';
  const baseDate = config.summary.base_date as BaseDate;
  for (let attempt = 0; ; attempt++) {
    let release = (): void => {};
    const request = { ...plan.request };
    if (hasTid) {
      if (plan.tokenTime !== undefined) request.tid = tidOrError(plan.tokenTime, baseDate, plan.isStid);
      else {
        const now = tidOrError(
          new Date(ctx.now()).toISOString(),
          baseDate,
          plan.isStid,
          'now (no token_id given)',
        );
        // First the minute of now itself, without reading the ledger (a meter rarely has a token from
        // this minute already): the unique constraint refuses it if taken, and the next attempt reads.
        const a = await allocateTid(
          ctx,
          who.tenant,
          plan.drn,
          now,
          plan.isStid,
          attempt === 0 ? [] : undefined,
        );
        request.tid = a.tid;
        release = a.release;
      }
    }
    try {
      const [result] = await ctx.keys.vend(who.tenant, [
        { ref: config.ref, request, ...(newConfig === undefined ? {} : { newRef: newConfig.ref }) },
      ]);
      if (result === undefined || 'error' in result) {
        const e = result?.error ?? { code: 'internal', message: 'no answer' };
        throw new ApiError(e.code === 'internal' ? 500 : 400, e.code, e.message);
      }
      const createdAt = new Date(ctx.now()).toISOString();
      const rows: TokenRecord[] = result.tokens.map((t) => ({
        ref: newRef('tok'),
        tenant: who.tenant,
        meter: plan.drn,
        configRef: config.ref,
        tokenNo: t.token,
        tokenType: t.nectarType,
        class: t.class,
        subclass: t.subclass,
        tid: t.tid,
        value: plan.value,
        userRef: who.key,
        requestId,
        createdAt,
      }));
      const status = 200;
      const text = okBody(rows.map(tokenView), requestId);
      const answer: IdempotentAnswer | undefined =
        idempotency === undefined ? undefined : { requestHash: idempotency.requestHash, status, body: text };
      const r = await ctx.store.recordTokens({
        tenant: who.tenant,
        tokens: rows,
        mode: 'all',
        meterOn: { meter: plan.drn, configRef: config.ref },
        ...(newConfig === undefined ? {} : { meterConfig: { meter: plan.drn, configRef: newConfig.ref } }),
        ...(idempotency === undefined || answer === undefined
          ? {}
          : { idempotency: { key: idempotency.key, answer } }),
        audit: auditInput(ctx, who.tenant, who.key, TOKENS_ISSUED, plan.drn, {
          request_id: requestId,
          config_ref: config.ref,
        }),
      });
      if (r.ok) return { status, body: text };
      if (r.reason === 'idempotency-key-used') throw new IdempotencyRace();
      if (r.reason === 'meter-moved') throw meterMoved(plan.drn, r.current);
      if (plan.tokenTime !== undefined)
        throw new ApiError(
          409,
          'tid-taken',
          `meter ${plan.drn} already has a token with TID ${request.tid} (token_id ${String(body.token_id)}); the meter would reject a second one`,
        );
      if (attempt >= MAX_TID_ATTEMPTS)
        throw new ApiError(409, 'tid-busy', `meter ${plan.drn}: no free TID found, try again`);
    } finally {
      release();
    }
  }
}

/** Another request with the same Idempotency-Key committed first: the caller answers with its stored answer. */
export class IdempotencyRace extends Error {}

function tidOrError(instant: string, baseDate: BaseDate, isStid: boolean, what = 'token_id'): number {
  try {
    return tidFromInstant(instant, baseDate, { isStid });
  } catch (e) {
    const c = e as { code?: string; message?: string };
    throw new ApiError(400, c.code ?? 'invalid-time', `${what}: ${c.message ?? 'invalid'}`);
  }
}

export async function getToken(ctx: ServiceContext, who: Principal, ref: string): Promise<unknown> {
  const t = await ctx.store.token(who.tenant, ref);
  if (t === undefined) throw notFound('token', ref);
  return tokenView(t);
}

/** POST /v1/tokens/{token_no}: decode with the stored configuration's key for the meter. */
export async function decodeTokenEndpoint(
  ctx: ServiceContext,
  who: Principal,
  tokenNo: string,
  body: Record<string, unknown>,
): Promise<unknown> {
  onlyFields(body, ['decoder_reference_number', 'config_ref', 'debug'], 'a decode request');
  optBool(body, 'debug');
  const drn = str(body, 'decoder_reference_number', 20);
  const config = await usableConfiguration(ctx, who.tenant, str(body, 'config_ref', 100), 'config_ref');
  const d = await ctx.keys.decode(who.tenant, config.ref, tokenNo, drn);
  if ('error' in d) {
    const e = d.error as { code: string; message: string };
    throw new ApiError(e.code === 'internal' ? 500 : 422, e.code, e.message);
  }
  const { id: _id, ...fields } = d;
  return { token_no: tokenNo, meter_no: drn, config_ref: config.ref, ...fields };
}
