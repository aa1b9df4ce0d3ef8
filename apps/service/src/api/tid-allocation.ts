// TID allocation (IEC 62055-41 §6.3.5: a meter accepts each TID once): the next free minute from now
// for a meter, skipping TIDs issued (in the ledger) or being issued (in flight); the unique constraint decides.
import { MAX_TID } from 'sts-token';
import type { ServiceContext } from '../context.ts';
import { ApiError } from '../http/envelope.ts';

const PAGE = 512;

/** Minute-of-day 1 (00:01) is the STID's; other tokens skip it (sts-token's tidFromInstant moves it to 00:02). */
export const usableTid = (tid: number, isStid: boolean): boolean => isStid || tid % 1440 !== 1;

/**
 * The first TID ≥ `from` that the meter has not been given and that no request in this process is
 * issuing; it is marked in flight before returning (call release() after the ledger commit).
 */
export async function allocateTid(
  ctx: Pick<ServiceContext, 'store' | 'inFlightTids'>,
  tenant: string,
  meter: string,
  from: number,
  isStid: boolean,
  /** Every TID ≥ from already issued to the meter, when the caller has read them (a batch reads a chunk's at once). */
  issued?: readonly number[],
): Promise<{ tid: number; release(): void }> {
  if (ctx.store.reserveTid !== undefined) {
    let tid = await ctx.store.reserveTid(tenant, meter, from);
    while (!usableTid(tid, isStid)) tid = await ctx.store.reserveTid(tenant, meter, tid + 1);
    if (tid > MAX_TID)
      throw new ApiError(409, 'tid-exhausted', `meter ${meter} has no free TID left after ${from}`);
    return { tid, release() {} };
  }
  const id = `${tenant}\0${meter}`;
  let candidate = from;
  for (;;) {
    const used = issued ?? (await ctx.store.issuedTids(tenant, meter, candidate, PAGE));
    // Everything below runs without an await: choosing and marking cannot interleave with another request.
    let flight = ctx.inFlightTids.get(id);
    const usedSet = new Set(used);
    const end = issued !== undefined || used.length < PAGE ? MAX_TID : used[used.length - 1]!;
    for (; candidate <= end; candidate++) {
      if (!usableTid(candidate, isStid) || usedSet.has(candidate) || flight?.has(candidate)) continue;
      if (flight === undefined) {
        flight = new Set();
        ctx.inFlightTids.set(id, flight);
      }
      flight.add(candidate);
      const tid = candidate;
      const set = flight;
      return {
        tid,
        release() {
          set.delete(tid);
          if (set.size === 0 && ctx.inFlightTids.get(id) === set) ctx.inFlightTids.delete(id);
        },
      };
    }
    if (candidate > MAX_TID)
      throw new ApiError(409, 'tid-exhausted', `meter ${meter} has no free TID left after ${from}`);
  }
}
