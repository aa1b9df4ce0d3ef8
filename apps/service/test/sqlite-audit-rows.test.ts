// audit verify on SQLite finds each token entry's ledger rows by bisecting ids (audit_seq rises with id,
// and there is no index on it): every row is found across entries of one row, of many and of none,
// and a row moved to another entry, or removed, is reported against the entry that lost it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { columnsDigest, TOKENS_ISSUED, type TokenColumns, verifyAudit } from '../src/audit.ts';
import { createSqliteDatabase, openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sts-service-audit-rows-'));
const file = path.join(dir, 'service.db');
const shared = { tenant: 't', userRef: 'key_1', requestId: 'r1', createdAt: '2026-12-02T00:00:00.000Z' };
/** Rows per token entry, in order; 0 stands for an entry of another kind (a credential) between them. */
const SIZES = [1, 0, 3, 0, 0, 250, 1, 7, 0, 1000, 2, 0, 1, 1, 400];
let next = 0;

function rows(n: number): TokenColumns {
  const v: TokenColumns = [];
  for (let i = 0; i < n; i++, next++)
    v.push(
      `tok_${next}`,
      `m${next}`,
      'cfg_1',
      String(10n ** 19n + BigInt(next)),
      'Electricity_00',
      0,
      0,
      next,
      '1',
    );
  return v;
}

beforeAll(async () => {
  createSqliteDatabase(file);
  const store = openSqliteStore(file);
  for (const [k, n] of SIZES.entries()) {
    const audit = { at: shared.createdAt, tenant: 't', actor: 'key_1', subject: `s${k}`, detail: {} };
    if (n === 0) {
      await store.insertCredential(
        {
          key: `key_${k}`,
          tenant: 't',
          name: 'n',
          permissions: ['tokens:write'],
          sealedSecret: new Uint8Array(8),
          createdAt: shared.createdAt,
          revokedAt: null,
        },
        { ...audit, action: 'credential.created' },
      );
      continue;
    }
    const values = rows(n);
    const inserted = await store.recordTokenColumns!({
      shared,
      values,
      digest: columnsDigest(values, shared),
      audit: { ...audit, action: TOKENS_ISSUED },
    });
    expect(inserted.every(Boolean)).toBe(true);
  }
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const verify = async () => {
  const store = openSqliteStore(file, { readonly: true });
  try {
    return await verifyAudit(store);
  } finally {
    await store.close();
  }
};

describe('audit verify on SQLite, rows found by id', () => {
  test('a database made now has no index on audit_seq', () => {
    const db = new Database(file, { readonly: true });
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tokens'")
      .pluck()
      .all();
    db.close();
    expect(indexes).not.toContain('tokens_audit');
  });

  test('every row of every entry is found: entries of 1 to 1,000 rows with other entries between', async () => {
    expect(await verify()).toEqual({ ok: true, entries: SIZES.length, tokens: next });
  });

  test('a row moved to a later entry, then one removed, is reported against the entry that lost it', async () => {
    // Ids by entry: 1 | 2-4 | 5-254 (250 rows) | 255 | 256-262 (7 rows) | 263-1262 (1,000 rows) | …
    const db = new Database(file);
    const entry = (id: number) =>
      db.prepare('SELECT audit_seq FROM tokens WHERE id = ?').pluck().get(id) as number;
    const seven = entry(259);
    const thousand = entry(763);
    const two50 = entry(5);
    expect(new Set([seven, thousand, two50, entry(256), entry(262)]).size).toBe(3);
    db.prepare('UPDATE tokens SET audit_seq = ? WHERE id = 259').run(thousand);
    expect(await verify()).toMatchObject({
      ok: false,
      seq: seven,
      problem: `the ledger rows of entry ${seven} were altered or removed (3 of 7 rows, digest not checked)`,
    });
    db.prepare('UPDATE tokens SET audit_seq = ? WHERE id = 259').run(seven);
    expect(await verify()).toMatchObject({ ok: true });
    db.prepare('DELETE FROM tokens WHERE id = 5').run();
    db.close();
    expect(await verify()).toMatchObject({
      ok: false,
      seq: two50,
      problem: `the ledger rows of entry ${two50} were altered or removed (249 of 250 rows, digest not checked)`,
    });
  });
});
