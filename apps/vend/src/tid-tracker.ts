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

/**
 * A meter's identity: any string, or a number standing for one (see token-batch.ts meterKey). Numbers
 * and strings are never equal as Map keys, so the two kinds cannot clash.
 */
export type MeterKey = string | number;

// Most meters get one token per batch: their (tid, line) pair is kept packed in one number, exactly
// (a TID is 24 bits; lines below 2^29 leave the product under 2^53). Only a second TID makes an array.
const TID_LIMIT = 2 ** 24;
const LINE_LIMIT = 2 ** 29;

export class TidTracker {
  // meter → tid·LINE_LIMIT + line (one pair), or [tid, line, tid, line, …] oldest first, at most
  // RECENT_TIDS_PER_METER pairs. ~60 bytes a meter in the packed form instead of ~250 for an array.
  readonly #meters = new Map<MeterKey, number | number[]>();
  // The meters in the order first seen, a ring: `#order[#oldest]` is the next to forget. Not the Map's
  // own order: finding a Map's first key walks over the holes its deletions left, a scan per line.
  readonly #order: MeterKey[] = [];
  #oldest = 0;
  readonly #maxMeters: number;
  readonly #perMeter: number;

  constructor(maxMeters: number = MAX_METERS, perMeter: number = RECENT_TIDS_PER_METER) {
    this.#maxMeters = maxMeters;
    this.#perMeter = perMeter;
  }

  /** Record that `meter` got a token with `tid` on `line`; returns the earlier line if it already had one. */
  record(meter: MeterKey, tid: number, line: number): TidClash | undefined {
    const known = this.#meters.get(meter);
    if (known === undefined) {
      if (this.#order.length < this.#maxMeters) this.#order.push(meter);
      else {
        this.#meters.delete(this.#order[this.#oldest]!);
        this.#order[this.#oldest] = meter;
        this.#oldest = (this.#oldest + 1) % this.#maxMeters;
      }
      const packable =
        Number.isInteger(tid) &&
        tid >= 0 &&
        tid < TID_LIMIT &&
        Number.isInteger(line) &&
        line >= 0 &&
        line < LINE_LIMIT;
      this.#meters.set(meter, packable ? tid * LINE_LIMIT + line : [tid, line]);
      return undefined;
    }
    let seen: number[];
    if (typeof known === 'number') {
      const firstLine = known % LINE_LIMIT;
      seen = [(known - firstLine) / LINE_LIMIT, firstLine];
      this.#meters.set(meter, seen);
    } else seen = known;
    for (let i = 0; i < seen.length; i += 2) {
      if (seen[i] === tid) return { tid, firstLine: seen[i + 1]! };
    }
    if (seen.length >= this.#perMeter * 2) seen.splice(0, 2);
    seen.push(tid, line);
    return undefined;
  }

  /** Meters currently remembered (for tests of the bound). */
  get size(): number {
    return this.#meters.size;
  }
}
