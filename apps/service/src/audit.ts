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

/**
 * Ledger rows in columns (a batch chunk): the fields each row has of its own, TOKEN_COLUMNS values per
 * row in this order, and those the chunk's rows share.
 */
export const TOKEN_COLUMNS = 9;
export type TokenColumns = (string | number | null)[];
export interface SharedTokenFields {
  tenant: string;
  userRef: string;
  requestId: string;
  createdAt: string;
}

/** The row at `i` of `values` as a TokenRecord. */
export function tokenAt(
  values: readonly (string | number | null)[],
  i: number,
  s: SharedTokenFields,
): TokenRecord {
  const o = i * TOKEN_COLUMNS;
  return {
    ref: values[o] as string,
    tenant: s.tenant,
    meter: values[o + 1] as string,
    configRef: values[o + 2] as string,
    tokenNo: values[o + 3] as string,
    tokenType: values[o + 4] as string,
    class: values[o + 5] as number,
    subclass: values[o + 6] as number,
    tid: values[o + 7] as number | null,
    value: values[o + 8] as string | null,
    userRef: s.userRef,
    requestId: s.requestId,
    createdAt: s.createdAt,
  };
}

/** tokensDigest of rows in columns, with no object made per row (a batch digests a million). */
export function columnsDigest(values: readonly (string | number | null)[], s: SharedTokenFields): string {
  const h = createHash('sha256');
  const tail = `|${s.userRef}|${s.requestId}|${s.createdAt}\n`;
  // The text of 256 rows at a time: one call into the hash instead of one per row.
  let text = '';
  for (let o = 0, k = 1; o < values.length; o += TOKEN_COLUMNS, k++) {
    text += `${values[o]}|${s.tenant}|${values[o + 1]}|${values[o + 2]}|${values[o + 3]}|${values[o + 4]}|${values[o + 5]}|${values[o + 6]}|${values[o + 7] ?? ''}|${values[o + 8] ?? ''}${tail}`;
    if (k % 256 === 0) {
      h.update(text);
      text = '';
    }
  }
  return h.update(text).digest('hex');
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
