// A ledger row as both stores read it back (SQLite and PostgreSQL share the column names), and the
// TokenRecord the service works with.

import type { TokenRecord } from './store.ts';

/** The columns of the `tokens` table. */
export interface TokenRow {
  ref: string;
  tenant: string;
  meter: string;
  config_ref: string;
  token_no: string;
  token_type: string;
  class: number;
  subclass: number;
  tid: number | null;
  value: string | null;
  user_ref: string;
  request_id: string;
  created_at: string;
}

/** A ledger row as a TokenRecord. */
export function tokenRecord(r: TokenRow): TokenRecord {
  return {
    ref: r.ref,
    tenant: r.tenant,
    meter: r.meter,
    configRef: r.config_ref,
    tokenNo: r.token_no,
    tokenType: r.token_type,
    class: r.class,
    subclass: r.subclass,
    tid: r.tid,
    value: r.value,
    userRef: r.user_ref,
    requestId: r.request_id,
    createdAt: r.created_at,
  };
}
