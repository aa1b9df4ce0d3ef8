// The group-commit queue in-process: durability before the answer, one write per batch, arrival order,
// rollback when the write fails.
import { describe, expect, test } from 'vitest';
import type { Meter } from '../src/meter.ts';
import { CommitQueue, PersistError } from '../src/serve/commit-queue.ts';
import { meterForRequest } from './helpers.ts';

const MADE = new Date('2004-01-01T00:00:00Z');
/** Published CTSA01 tokens for PAN 600727 00000000000 (vectors/sts-public.json, sts-reference §13). */
const T1355 = '23716100501183194197';

function meter(): Meter {
  return meterForRequest({ type: 'electricity' }, MADE, { clock: () => new Date('2004-03-02T00:00:00Z') });
}

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CommitQueue', () => {
  test('no result is answered before its write has finished', async () => {
    const writes: ReturnType<typeof deferred>[] = [];
    const q = new CommitQueue(
      meter(),
      () => {
        const d = deferred();
        writes.push(d);
        return d.promise;
      },
      async () => meter(),
    );
    let answered = false;
    const p = q.submit(T1355).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toHaveLength(1);
    expect(answered).toBe(false);
    writes[0]!.resolve();
    expect((await p).result).toBe('accept');
  });

  test('a durable batch is answered while the next batch is being written, never before its own write', async () => {
    const writes: ReturnType<typeof deferred>[] = [];
    const q = new CommitQueue(
      meter(),
      () => {
        const d = deferred();
        writes.push(d);
        return d.promise;
      },
      async () => meter(),
    );
    const done: string[] = [];
    const a = q.submit(T1355).then((r) => done.push(`a:${r.result}`));
    await new Promise((r) => setTimeout(r, 10));
    const b = q.submit(T1355).then((r) => done.push(`b:${r.result}`));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual([]);
    writes[0]!.resolve();
    await new Promise((r) => setTimeout(r, 10));
    expect(writes).toHaveLength(2);
    expect(done).toEqual(['a:accept']);
    writes[1]!.resolve();
    await Promise.all([a, b]);
    expect(done).toEqual(['a:accept', 'b:used']);
  });

  test('tokens arriving together share one write; those arriving during a write form the next batch', async () => {
    const snapshots: number[] = [];
    const q = new CommitQueue(
      meter(),
      async (m) => {
        snapshots.push(m.eventLog.length);
        await new Promise((r) => setTimeout(r, 10));
      },
      async () => meter(),
    );
    const first = Array.from({ length: 30 }, () => q.submit(T1355));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 2)); // the first write is in flight
    const second = Array.from({ length: 20 }, () => q.submit(T1355));
    const results = await Promise.all([...first, ...second]);
    expect(snapshots).toEqual([30, 50]);
    expect(q.batches).toBe(2);
    // Arrival order: the first entry is accepted, every later one is a replay.
    expect(results.map((r) => r.result)).toEqual(['accept', ...new Array(49).fill('used')]);
  });

  test('a failed write rolls the meter back and rejects the whole batch; the next batch proceeds', async () => {
    let fail = true;
    let reloads = 0;
    const q = new CommitQueue(
      meter(),
      async () => {
        if (fail) throw new Error('cannot write state file /x/meter.json: ENOSPC');
      },
      async () => {
        reloads++;
        return meter();
      },
    );
    await expect(q.submit(T1355)).rejects.toThrow(
      new PersistError('cannot write state file /x/meter.json: ENOSPC'),
    );
    expect(reloads).toBe(1);
    expect(q.meter.register(0)).toBe(0);
    fail = false;
    // The rolled-back meter has not seen the token: it is accepted again, not Used.
    expect((await q.submit(T1355)).result).toBe('accept');
    expect(q.meter.register(0)).toBe(1);
  });

  test('when the file can be neither written nor read, the queue closes', async () => {
    const q = new CommitQueue(
      meter(),
      async () => {
        throw new Error('EIO');
      },
      async () => {
        throw new Error('EIO');
      },
    );
    await expect(q.submit(T1355)).rejects.toThrow(PersistError);
    expect(q.closed).toBe(true);
    await expect(q.submit(T1355)).rejects.toThrow('the meter is shutting down');
  });

  test('close() waits for the batch in flight', async () => {
    const d = deferred();
    const q = new CommitQueue(
      meter(),
      () => d.promise,
      async () => meter(),
    );
    const p = q.submit(T1355);
    await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const c = q.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(false);
    d.resolve();
    await c;
    expect((await p).result).toBe('accept');
    await expect(q.submit(T1355)).rejects.toThrow('the meter is shutting down');
  });
});
