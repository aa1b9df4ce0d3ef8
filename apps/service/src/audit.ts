// The audit log's hash chain: every change appended as a row whose hash covers the previous row's.
// Token rows are bound in by a digest of the ledger rows each entry covers, so an edited token is caught too.
import { createHash } from 'node:crypto';
import type { AuditInput, Store, TokenRecord } from './store/store.ts';

/** The prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The hash of an entry: SHA-256 over the previous hash and the entry's fields, one per line. */
export function auditHash(
  prevHash: string,
  seq: number,
  e: Omit<AuditInput, 'detail'> & { detail: string },
): string {
  return createHash('sha256')
    .update(`${prevHash}\n${seq}\n${e.at}\n${e.tenant}\n${e.actor}\n${e.action}\n${e.subject}\n${e.detail}`)
    .digest('hex');
}

/** SHA-256 over the ledger rows (every stored field, in order): the `tokens` digest of a token audit entry. */
export function tokensDigest(rows: readonly TokenRecord[]): string {
  const h = createHash('sha256');
  for (const t of rows)
    h.update(
      `${t.ref}|${t.tenant}|${t.meter}|${t.configRef}|${t.tokenNo}|${t.tokenType}|${t.class}|${t.subclass}|${t.tid ?? ''}|${t.value ?? ''}|${t.userRef}|${t.requestId}|${t.createdAt}\n`,
    );
  return h.digest('hex');
}

/** The action of the audit entries that cover ledger rows. */
export const TOKENS_ISSUED = 'tokens.issued';

export type AuditVerdict =
  | { ok: true; entries: number; tokens: number }
  | { ok: false; entries: number; seq: number | null; problem: string };

/**
 * Walk the chain: each entry's prev_hash is the hash before it, its hash is recomputed, seq numbers
 * have no gap, and each token entry's rows still give its digest and count. The first fault wins.
 */
export async function verifyAudit(store: Store): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let entries = 0;
  let tokens = 0;
  for await (const e of store.auditEntries()) {
    if (e.seq !== expected)
      return { ok: false, entries, seq: e.seq, problem: `entry ${expected} is missing (next is ${e.seq})` };
    if (e.prevHash !== prev)
      return { ok: false, entries, seq: e.seq, problem: `entry ${e.seq} does not follow entry ${e.seq - 1}` };
    if (auditHash(prev, e.seq, e) !== e.hash)
      return {
        ok: false,
        entries,
        seq: e.seq,
        problem: `entry ${e.seq} was altered (its hash does not match)`,
      };
    if (e.action === TOKENS_ISSUED) {
      const detail = JSON.parse(e.detail) as { count: number; digest: string };
      const rows = await store.tokensOfAudit(e.seq);
      if (rows.length !== detail.count || tokensDigest(rows) !== detail.digest)
        return {
          ok: false,
          entries,
          seq: e.seq,
          problem: `the ledger rows of entry ${e.seq} were altered or removed (${rows.length} of ${detail.count} rows, digest ${rows.length === detail.count ? 'differs' : 'not checked'})`,
        };
      tokens += rows.length;
    }
    prev = e.hash;
    expected++;
    entries++;
  }
  const stray = await store.unauditedTokens();
  if (stray > 0)
    return {
      ok: false,
      entries,
      seq: null,
      problem: `${stray} ledger rows are covered by no audit entry (inserted)`,
    };
  return { ok: true, entries, tokens };
}
