// What every endpoint works with: the store, the key boundary, the clock, and the per-process caches
// that are correct to lose (loaded configurations, unsealed API secrets, TIDs being issued right now).
import { randomBytes } from 'node:crypto';
import type { KeyBoundary } from './keys/key-boundary.ts';
import type { AuditInput, ConfigurationRecord, Store } from './store/store.ts';

export interface ServiceContext {
  store: Store;
  keys: KeyBoundary;
  now(): number;
  /** Make sure the key boundary holds configuration `c` open; false when its sealed blob does not open. */
  ensureLoaded(c: ConfigurationRecord): Promise<boolean>;
  /** Wipe a configuration's keys in the boundary (deactivation). */
  unload(tenant: string, ref: string): Promise<void>;
  /** API secrets by credential key, unsealed once by the boundary. */
  secretOf(key: string, sealed: Uint8Array): Promise<string | undefined>;
  /** TIDs being issued now, by tenant\0meter: allocation skips them; the unique constraint has the last word. */
  inFlightTids: Map<string, Set<number>>;
}

export function createContext(store: Store, keys: KeyBoundary, now: () => number = Date.now): ServiceContext {
  const loaded = new Map<string, Promise<boolean>>();
  const secrets = new Map<string, string>();
  return {
    store,
    keys,
    now,
    ensureLoaded(c) {
      const id = `${c.tenant}\0${c.ref}`;
      let p = loaded.get(id);
      if (p === undefined) {
        p = keys.load(c.tenant, c.ref, c.sealed);
        loaded.set(id, p);
        p.then((ok) => {
          if (!ok) loaded.delete(id);
        });
      }
      return p;
    },
    async unload(tenant, ref) {
      loaded.delete(`${tenant}\0${ref}`);
      await keys.unload(tenant, ref);
    },
    async secretOf(key, sealed) {
      let s = secrets.get(key);
      if (s === undefined) {
        s = await keys.unsealSecret(key, sealed);
        if (s !== undefined) secrets.set(key, s);
      }
      return s;
    },
    inFlightTids: new Map(),
  };
}

// Random bytes for references, drawn 4 KiB at a time and kept as hex: a batch makes a million refs.
let pool = '';
let poolAt = 0;

/** `bytes` random bytes as hex, from the pool. */
export function randomHex(bytes: number): string {
  const digits = 2 * bytes;
  if (poolAt + digits > pool.length) {
    pool = randomBytes(4096).toString('hex');
    poolAt = 0;
  }
  poolAt += digits;
  return pool.slice(poolAt - digits, poolAt);
}

let stampMs = -1;
let stamp = '';

/**
 * A new reference: prefix, the time in ms (12 hex digits) and 12 random hex digits. Time first, so
 * that new refs go to the end of the ledger's unique index instead of all over it: with random refs
 * that index cost more than a third of a ledger insert.
 */
export function newRef(prefix: string): string {
  const ms = Date.now();
  if (ms !== stampMs) {
    stampMs = ms;
    stamp = ms.toString(16).padStart(12, '0');
  }
  return `${prefix}_${stamp}${randomHex(6)}`;
}

export function auditInput(
  ctx: { now(): number },
  tenant: string,
  actor: string,
  action: string,
  subject: string,
  detail: Record<string, unknown> = {},
): AuditInput {
  return { at: new Date(ctx.now()).toISOString(), tenant, actor, action, subject, detail };
}
