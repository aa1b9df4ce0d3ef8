// The WAL stays within its bound under a writer faster than the checkpoint thread: a batch waits on
// walDrained() between chunks (here with a bound of 100 frames, so that a test-sized run crosses it).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { columnsDigest, TOKENS_ISSUED, type TokenColumns } from '../src/audit.ts';
import { createSqliteDatabase, openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'sts-service-wal-bound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shared = { tenant: 't', userRef: 'key_1', requestId: 'r1', createdAt: '2026-12-02T00:00:00.000Z' };
const FRAME = 4096 + 24;

async function run(wait: boolean): Promise<number> {
  const file = path.join(dir, `${wait}.db`);
  createSqliteDatabase(file);
  const store = openSqliteStore(file, { backgroundCheckpoints: true, walBacklogFrames: 100 });
  let next = 0;
  let largest = 0;
  try {
    for (let c = 0; c < 80; c++) {
      if (wait) await store.walDrained();
      const values: TokenColumns = [];
      // Meters scattered over the index, as a batch in random order: many pages per commit.
      for (let i = 0; i < 300; i++, next++) {
        const m = String(10_000_000_000 + ((next * 2_654_435_761) % 4_294_967_291));
        values.push(
          `tok_${next}`,
          m,
          'cfg_1',
          String(10n ** 19n + BigInt(next)),
          'Electricity_00',
          0,
          0,
          1,
          '1',
        );
      }
      await store.recordTokenColumns!({
        shared,
        values,
        digest: columnsDigest(values, shared),
        audit: {
          at: shared.createdAt,
          tenant: 't',
          actor: 'key_1',
          action: TOKENS_ISSUED,
          subject: 'b',
          detail: {},
        },
      });
      largest = Math.max(largest, statSync(`${file}-wal`).size);
    }
    expect(await store.countTokens()).toBe(80 * 300);
  } finally {
    await store.close();
  }
  return largest;
}

test('with walDrained() between chunks the WAL stays near its bound; without, it grows past it', async () => {
  const bounded = await run(true);
  const unbounded = await run(false);
  // The bound and one chunk's commit past it (a few hundred pages here); about 200 frames when run
  // on 2026-12-02, against about 7,000 without waiting.
  expect(bounded).toBeLessThan((100 + 400) * FRAME);
  expect(unbounded).toBeGreaterThan(4 * bounded);
}, 60_000);
