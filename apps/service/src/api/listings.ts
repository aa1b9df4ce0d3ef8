// Lists of a tenant's records: its configurations (GET /v1/configurations without ref) and a meter's
// last tokens in the ledger (GET /v1/tokens?meter=), what the token-generator page shows beside a token.
import type { ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import { configurationView } from './configurations.ts';
import { tokenView } from './tokens.ts';

/** More configurations than this is not a list to pick from. */
const MAX_CONFIGURATIONS = 1000;
const DEFAULT_TOKENS = 20;
const MAX_TOKENS = 200;

/** GET /v1/configurations (no ref): the tenant's configurations, oldest first, without their detail. */
export async function listConfigurations(ctx: ServiceContext, who: Principal): Promise<unknown> {
  const records = await ctx.store.configurations(who.tenant, MAX_CONFIGURATIONS);
  return records.map((r) => configurationView(r, false));
}

/** GET /v1/tokens?meter=DRN[&limit=N]: the meter's last tokens, newest first (another tenant's meter: none). */
export async function listMeterTokens(
  ctx: ServiceContext,
  who: Principal,
  q: URLSearchParams,
): Promise<unknown> {
  const meter = q.get('meter') ?? '';
  if (!/^\d{1,20}$/.test(meter))
    throw new ApiError(400, 'invalid-field', 'meter must be a meter number (1 to 20 digits)');
  const limitText = q.get('limit');
  if (limitText !== null && !/^\d{1,3}$/.test(limitText))
    throw new ApiError(400, 'invalid-field', `limit must be a whole number from 1 to ${MAX_TOKENS}`);
  const limit = limitText === null ? DEFAULT_TOKENS : Number(limitText);
  if (limit < 1 || limit > MAX_TOKENS)
    throw new ApiError(400, 'invalid-field', `limit must be a whole number from 1 to ${MAX_TOKENS}`);
  const rows = await ctx.store.meterTokens(who.tenant, meter, limit);
  return rows.map(tokenView);
}
