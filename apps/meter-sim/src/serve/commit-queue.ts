// Group commit for `sts-meter serve`: tokens are processed one at a time, the state is persisted once per
// batch, and no result is answered before the state that holds it is on disk (write, fsync, rename).

import type { Meter, MeterResult } from '../meter.ts';

/** Writes the meter's whole state durably (state-file.ts saveMeter in the server). */
export type PersistFn = (meter: Meter) => Promise<void>;

/** Thrown to every waiter of a batch whose state could not be written; the meter was rolled back. */
export class PersistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PersistError';
  }
}

interface Waiter {
  token: string;
  resolve: (r: MeterResult) => void;
  reject: (e: Error) => void;
}

/**
 * A serial queue in front of one meter. `submit` returns the token's result once it is durable.
 *
 * The loop: take every waiting token, enter them in arrival order on the in-memory meter (synchronous,
 * so two tokens never interleave), persist once, then answer the whole batch. Tokens that arrive while
 * the write is in flight form the next batch. One fsync is shared by the batch: that is what makes
 * thousands of durable results per second possible on one disk.
 *
 * When the write fails, the meter is rolled back to the last durable state (`reload`) and every waiter of
 * the batch gets a PersistError: a result is never answered unless it is on disk.
 */
export class CommitQueue {
  #meter: Meter;
  readonly #persist: PersistFn;
  readonly #reload: () => Promise<Meter>;
  #waiting: Waiter[] = [];
  #running = false;
  #idle: (() => void)[] = [];
  #closed = false;
  /** Batches written so far (for tests and logs). */
  batches = 0;

  constructor(meter: Meter, persist: PersistFn, reload: () => Promise<Meter>) {
    this.#meter = meter;
    this.#persist = persist;
    this.#reload = reload;
  }

  /** The current meter (replaced after a rollback). Read it only between batches or synchronously. */
  get meter(): Meter {
    return this.#meter;
  }

  /** Enter `token` in turn; resolves with its result once the state holding it is durable. */
  submit(token: string): Promise<MeterResult> {
    if (this.#closed) return Promise.reject(new PersistError('the meter is shutting down'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ token, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        // Defer one turn so requests parsed in the same I/O phase join the first batch.
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    // The previous batch, durable but not yet answered: it is answered right after the next write has
    // started, so sending its responses overlaps that write's fsync instead of delaying it.
    let answer: (() => void) | null = null;
    while (this.#waiting.length > 0) {
      const batch = this.#waiting;
      this.#waiting = [];
      const results: MeterResult[] = new Array(batch.length);
      for (let i = 0; i < batch.length; i++) results[i] = this.#meter.enter(batch[i]!.token);
      // The meter is not touched again until this write has finished (success or rollback).
      const write = this.#persist(this.#meter);
      answer?.();
      answer = null;
      try {
        await write;
        this.batches++;
      } catch (e) {
        await this.#rollback();
        const err = new PersistError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
        for (const w of batch) w.reject(err);
        continue;
      }
      answer = () => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      };
    }
    answer?.();
    this.#running = false;
    const idle = this.#idle;
    this.#idle = [];
    for (const f of idle) f();
  }

  async #rollback(): Promise<void> {
    try {
      const fresh = await this.#reload();
      this.#meter.destroy();
      this.#meter = fresh;
    } catch {
      // The file cannot be read back either: keep the in-memory meter (ahead of the disk) and refuse
      // further tokens, since an answer could no longer be backed by the file.
      this.#closed = true;
      for (const w of this.#waiting)
        w.reject(new PersistError('the state file can be neither written nor read'));
      this.#waiting = [];
    }
  }

  /** Stop taking tokens; resolves once every submitted token has been answered. */
  close(): Promise<void> {
    this.#closed = true;
    if (!this.#running && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** True once close() was called or the state became unwritable. */
  get closed(): boolean {
    return this.#closed;
  }
}
