// Spots two tokens for one meter with one TID inside a batch: the meter would reject the second as USED
// (IEC 62055-41 TID memory, sts-reference §12). Bounded, so a batch of any size keeps flat memory.

/** TIDs remembered per meter: the most recent ones; a repeat farther back than this goes unnoticed. */
export const RECENT_TIDS_PER_METER = 8;
/** Meters remembered at once: when full, the meter seen first is forgotten (first in, first out). */
export const MAX_METERS = 50_000;

/** Where a TID was seen before. */
export interface TidClash {
  tid: number;
  firstLine: number;
}

export class TidTracker {
  // meter id → [tid, line, tid, line, …], oldest first, at most RECENT_TIDS_PER_METER pairs.
  readonly #meters = new Map<string, number[]>();
  readonly #maxMeters: number;
  readonly #perMeter: number;

  constructor(maxMeters: number = MAX_METERS, perMeter: number = RECENT_TIDS_PER_METER) {
    this.#maxMeters = maxMeters;
    this.#perMeter = perMeter;
  }

  /** Record that `meter` got a token with `tid` on `line`; returns the earlier line if it already had one. */
  record(meter: string, tid: number, line: number): TidClash | undefined {
    let seen = this.#meters.get(meter);
    if (seen === undefined) {
      if (this.#meters.size >= this.#maxMeters) {
        // Map iterates in insertion order: the first key is the meter seen longest ago.
        const oldest = this.#meters.keys().next().value;
        if (oldest !== undefined) this.#meters.delete(oldest);
      }
      seen = [];
      this.#meters.set(meter, seen);
    } else {
      for (let i = 0; i < seen.length; i += 2) {
        if (seen[i] === tid) return { tid, firstLine: seen[i + 1]! };
      }
      if (seen.length >= this.#perMeter * 2) seen.splice(0, 2);
    }
    seen.push(tid, line);
    return undefined;
  }

  /** Meters currently remembered (for tests of the bound). */
  get size(): number {
    return this.#meters.size;
  }
}
