// `token --batch` lines: each request through sts-token's processTokenRequest, the answer as one JSON
// line, and the (meter, TID) of every token for the duplicate-TID check, which runs in input order.
import { processTokenRequest, RequestCache } from 'sts-token';
import { BATCH_CACHED_KEYS, LineAnswerer } from './batch-lines.ts';
import { clipEchoedValues } from './request-error.ts';
import type { MeterKey } from './tid-tracker.ts';

/**
 * The tokens of a piece that carry a TID, for the main thread's TidTracker, in line order: triples
 * (meter, tid, line) in `marks`, where meter is a meterKey number, or -(i + 1) for `meters[i]`.
 * A Float64Array moves to the main thread without a copy, and puts no object on its heap per token.
 */
export interface TidNotes {
  marks: Float64Array;
  meters: string[];
}

export class TokenLineAnswerer extends LineAnswerer {
  readonly #cache = new RequestCache({ maxKeys: BATCH_CACHED_KEYS });
  #marks: number[] = [];
  #meters: string[] = [];

  protected answerRequest(request: unknown, lineNumber: number): string {
    const answer = processTokenRequest(request, this.#cache);
    if ('error' in answer) {
      this.failed++;
      answer.error.message = `line ${lineNumber}: ${clipEchoedValues(answer.error.message)}`;
      return JSON.stringify(answer);
    }
    for (const token of answer.tokens) {
      if (token.tid === null) continue;
      const meter = meterKey(request);
      if (meter === undefined) continue;
      if (typeof meter === 'number') this.#marks.push(meter, token.tid, lineNumber);
      else this.#marks.push(-this.#meters.push(meter), token.tid, lineNumber);
    }
    return JSON.stringify(answer);
  }

  protected override takeNotes(): TidNotes | undefined {
    if (this.#marks.length === 0) return undefined;
    const notes = { marks: Float64Array.from(this.#marks), meters: this.#meters };
    this.#marks.length = 0;
    this.#meters = [];
    return notes;
  }

  destroy(): void {
    this.#cache.destroy();
  }
}

/** The answerer a batch worker builds (the worker's bundle imports it by name). */
export function createTokenLineAnswerer(): TokenLineAnswerer {
  return new TokenLineAnswerer();
}

/**
 * The meter a request addresses, as a TidTracker key: a DRN of up to 14 digits as the number
 * digits·16 + length (exact below 2^53, and the length keeps '0012' apart from '012'), any other DRN
 * as 'drn:…', a decoder key as 'key:HEX' (only kept as a map key, never printed).
 */
export function meterKey(request: unknown): MeterKey | undefined {
  const r = request as { drn?: unknown; decoderKey?: unknown };
  const drn = r.drn;
  if (typeof drn === 'string') {
    if (drn.length === 0 || drn.length > 14) return `drn:${drn}`;
    for (let i = 0; i < drn.length; i++) {
      const c = drn.charCodeAt(i);
      if (c < 48 || c > 57) return `drn:${drn}`;
    }
    return Number(drn) * 16 + drn.length;
  }
  if (typeof r.decoderKey === 'string') return `key:${r.decoderKey.toUpperCase()}`;
  return undefined;
}

/** The DRN of a numeric meterKey. */
export function drnOfKey(key: number): string {
  const length = key % 16;
  return String((key - length) / 16).padStart(length, '0');
}
