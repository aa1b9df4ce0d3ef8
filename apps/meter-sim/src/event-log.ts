// The meter's event log: a bounded ring of compact records (every entered token, accepted or not).
// Not an STS clause: a simulator feature. MeterEvent objects are built only when the log is read.

import { type MeterEvent, RESULT_DISPLAY, type ResultCode } from './types.ts';

/** What a record keeps of a result: the fields a MeterEvent shows. */
interface LoggedResult {
  token: string;
  result: ResultCode;
  message: string;
  class?: number;
  subclass?: number;
  tid?: number;
}

const ABSENT = -1;
const FIRST_CAPACITY = 16;

/**
 * A ring of `size` records in parallel arrays: entering a token stores numbers and three string references,
 * no object. Capacity grows by doubling up to `size`, so a meter that sees few tokens stays small.
 */
export class EventRing {
  readonly size: number;
  #count = 0;
  #head = 0; // index of the oldest record once the ring is full
  #atMs: Float64Array;
  #tid: Int32Array;
  #classSub: Int32Array; // (class + 1) << 8 | (subclass + 1); 0 = absent
  readonly #token: string[] = [];
  readonly #code: ResultCode[] = [];
  readonly #message: string[] = [];
  /** Entries loaded from a state file, kept as given (their display and numbers are not re-derived). */
  #loaded: (MeterEvent | undefined)[] | null = null;

  constructor(size: number) {
    this.size = size;
    const cap = Math.min(size, FIRST_CAPACITY);
    this.#atMs = new Float64Array(cap);
    this.#tid = new Int32Array(cap);
    this.#classSub = new Int32Array(cap);
  }

  /** The slot for a new record (the oldest is overwritten when full). */
  #slot(): number {
    const n = this.#count;
    if (n < this.size) {
      if (n === this.#atMs.length) this.#grow();
      this.#count = n + 1;
      return n;
    }
    const i = this.#head;
    this.#head = i + 1 === this.size ? 0 : i + 1;
    return i;
  }

  #grow(): void {
    const cap = Math.min(this.size, this.#atMs.length * 2);
    const at = new Float64Array(cap);
    at.set(this.#atMs);
    this.#atMs = at;
    const tid = new Int32Array(cap);
    tid.set(this.#tid);
    this.#tid = tid;
    const cs = new Int32Array(cap);
    cs.set(this.#classSub);
    this.#classSub = cs;
  }

  push(atMs: number, r: LoggedResult): void {
    const i = this.#slot();
    this.#atMs[i] = atMs;
    this.#tid[i] = r.tid === undefined ? ABSENT : r.tid;
    this.#classSub[i] =
      (r.class === undefined ? 0 : (r.class + 1) << 8) | (r.subclass === undefined ? 0 : r.subclass + 1);
    this.#token[i] = r.token;
    this.#code[i] = r.result;
    this.#message[i] = r.message;
    if (this.#loaded !== null) this.#loaded[i] = undefined;
  }

  /** An entry from a state file (already validated). */
  pushLoaded(e: MeterEvent): void {
    const i = this.#slot();
    this.#atMs[i] = Date.parse(e.at);
    this.#token[i] = e.token;
    this.#code[i] = e.result;
    this.#message[i] = e.message;
    if (this.#loaded === null) this.#loaded = [];
    this.#loaded[i] = e;
  }

  /** The records as MeterEvent objects, oldest first. */
  toArray(): MeterEvent[] {
    const n = this.#count;
    const out: MeterEvent[] = new Array(n);
    const start = n < this.size ? 0 : this.#head;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % this.size;
      const loaded = this.#loaded?.[i];
      const e: MeterEvent = {
        at: new Date(this.#atMs[i]!).toISOString(),
        token: this.#token[i]!,
        result: this.#code[i]!,
        display: loaded === undefined ? RESULT_DISPLAY[this.#code[i]!] : loaded.display,
        message: this.#message[i]!,
      };
      if (loaded === undefined) {
        const cs = this.#classSub[i]!;
        if (cs >>> 8 !== 0) e.class = (cs >>> 8) - 1;
        if ((cs & 0xff) !== 0) e.subclass = (cs & 0xff) - 1;
        const tid = this.#tid[i]!;
        if (tid !== ABSENT) e.tid = tid;
      } else {
        if (loaded.class !== undefined) e.class = loaded.class;
        if (loaded.subclass !== undefined) e.subclass = loaded.subclass;
        if (loaded.tid !== undefined) e.tid = loaded.tid;
      }
      out[k] = e;
    }
    return out;
  }
}
