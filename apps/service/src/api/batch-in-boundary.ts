// A batch cut into chunks of whole lines that the key boundary's thread reads and vends (vend-chunk.ts),
// TIDs picked from the minute of now; this thread judges the configurations, records and answers.
import type { IncomingMessage } from 'node:http';
import {
  columnsDigest,
  type SharedTokenFields,
  TOKEN_COLUMNS,
  TOKENS_ISSUED,
  type TokenColumns,
} from '../audit.ts';
import { auditInput, type ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import type { ChunkReply } from '../keys/vend-chunk.ts';
import type { ConfigurationRecord, Store } from '../store/store.ts';
import {
  answerLine,
  type LineFault,
  type LineId,
  LineTooLong,
  lineFault,
  MAX_LINE_BYTES,
} from './batch-line.ts';
import { type BatchIo, tidTaken, vendLinesHere } from './batch-on-server.ts';
import { meterMoved, usableConfiguration } from './tokens.ts';

/**
 * Bytes of body per chunk (about 400 lines of a monthly run). A chunk's text and its answers stay
 * under V8's large-object size (128 KiB): a large object is mapped for itself and unmapped when
 * collected, and at 128 KiB chunks those page faults cost the server a fifth more CPU per token.
 */
const CHUNK_BYTES = 48 * 1024;
/** Chunks at the boundary while the oldest is recorded and written: both threads stay busy. */
const DEPTH = 3;
const NEWLINE = 0x0a;

/** Whether the store can take a batch this way: rows in columns, TIDs judged by its unique index alone. */
export function boundaryBatchFits(store: Store): boolean {
  return store.recordTokenColumns !== undefined && store.reserveTid === undefined;
}

interface Chunk {
  bytes: Buffer;
  firstLine: number;
  work: Promise<{ reply: ChunkReply; shared: SharedTokenFields }>;
}

export async function batchInBoundary(
  ctx: ServiceContext,
  who: Principal,
  req: IncomingMessage,
  requestId: string,
  io: BatchIo,
): Promise<void> {
  // config_ref values are judged once per batch, as the first chunk naming each comes back unjudged.
  const usable: string[] = [];
  const refused: Record<string, LineFault> = {};
  const judging = new Map<string, Promise<void>>();
  const judge = (ref: string): Promise<void> => {
    let p = judging.get(ref);
    if (p === undefined) {
      p = usableConfiguration(ctx, who.tenant, ref, 'config_ref').then(
        () => {
          usable.push(ref);
        },
        (e: unknown) => {
          if (!(e instanceof ApiError)) throw e;
          refused[ref] = { code: e.code, message: e.message };
        },
      );
      judging.set(ref, p);
    }
    return p;
  };
  const vend = async (bytes: Buffer, firstLine: number): Promise<Awaited<Chunk['work']>> => {
    for (;;) {
      const nowMs = ctx.now();
      const shared = {
        tenant: who.tenant,
        userRef: who.key,
        requestId,
        createdAt: new Date(nowMs).toISOString(),
      };
      const reply = await ctx.keys.vendChunk({
        tenant: who.tenant,
        bytes,
        firstLine,
        nowMs,
        usable,
        refused,
        shared,
      });
      if (reply.unjudged.length === 0) return { reply, shared };
      await Promise.all(reply.unjudged.map(judge));
    }
  };
  const configs = new Map<string, ConfigurationRecord | ApiError>();
  const queue: Chunk[] = [];
  const finishOldest = async (): Promise<void> => {
    const chunk = queue.shift()!;
    const { reply, shared } = await chunk.work;
    await ctx.store.walDrained?.();
    const answers = new Answers(reply.answers, reply.ends);
    await record(ctx, who, requestId, chunk, reply, answers, shared, configs);
    await io.write(answers.text());
    if (reply.tooLong !== undefined) throw new LineTooLong(reply.tooLong);
  };

  let line = 1;
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong: number | undefined;
  const submit = async (buf: Buffer, end: number): Promise<void> => {
    // Cut at a newline byte, which is never inside a UTF-8 sequence: the worker decodes the lines whole.
    const bytes = buf.subarray(0, end);
    let lines = 0;
    for (let i = bytes.indexOf(NEWLINE); i !== -1; i = bytes.indexOf(NEWLINE, i + 1)) lines++;
    queue.push({ bytes, firstLine: line, work: vend(bytes, line) });
    line += lines;
    if (queue.length >= DEPTH) await finishOldest();
  };
  try {
    for await (const piece of req as AsyncIterable<Buffer>) {
      if (io.closed()) break;
      io.md5.update(piece);
      parts.push(piece);
      size += piece.length;
      if (size < CHUNK_BYTES) continue;
      const buf = Buffer.concat(parts, size);
      const cut = buf.lastIndexOf(NEWLINE);
      if (cut !== -1) await submit(buf, cut + 1);
      parts = cut + 1 < size ? [buf.subarray(cut + 1)] : [];
      size -= cut + 1;
      if (size > MAX_LINE_BYTES) {
        tooLong = line;
        break;
      }
    }
    if (tooLong === undefined && size > 0 && !io.closed()) await submit(Buffer.concat(parts, size), size);
    while (queue.length > 0 && !io.closed()) await finishOldest();
  } finally {
    // Chunks vended but not recorded are dropped: their tokens were never issued.
    for (const c of queue) c.work.catch(() => undefined);
  }
  if (tooLong !== undefined) throw new LineTooLong(tooLong);
}

/**
 * Record a chunk's rows and fix its answers: rows of meters a key change moved are refused, a TID the
 * meter already has is an error when the line asked for it and is picked again here when it was picked.
 */
async function record(
  ctx: ServiceContext,
  who: Principal,
  requestId: string,
  chunk: Chunk,
  reply: ChunkReply,
  answers: Answers,
  shared: SharedTokenFields,
  configs: Map<string, ConfigurationRecord | ApiError>,
): Promise<void> {
  const { rowLine, picked, faults } = reply;
  let values: TokenColumns = reply.values;
  let digest = reply.digest;
  if (values.length === 0 && faults.length === 0) return;
  const n = (i: number): number => chunk.firstLine + i;
  const idOf = (i: number): LineId => (JSON.parse(answers.get(i)) as { id: LineId }).id;

  // Meters a key change moved to another configuration: their lines are refused, before any other
  // fault of theirs, as on the server path.
  const meters = new Set<string>();
  for (let o = 1; o < values.length; o += TOKEN_COLUMNS)
    if (values[o] !== '') meters.add(values[o] as string);
  for (let f = 1; f < faults.length; f += 3) meters.add(faults[f] as string);
  const moved =
    meters.size === 0 ? new Map<string, string>() : await ctx.store.meterConfigs(who.tenant, [...meters]);
  let rows = Array.from({ length: values.length / TOKEN_COLUMNS }, (_, r) => r);
  if (moved.size > 0) {
    const refusedLines = new Map<number, string>();
    for (const r of rows) {
      const meter = values[r * TOKEN_COLUMNS + 1] as string;
      const current = moved.get(meter);
      if (current !== undefined && current !== values[r * TOKEN_COLUMNS + 2])
        refusedLines.set(rowLine[r]!, meter);
    }
    for (let f = 0; f < faults.length; f += 3) {
      const current = moved.get(faults[f + 1] as string);
      if (current !== undefined && current !== faults[f + 2])
        refusedLines.set(faults[f] as number, faults[f + 1] as string);
    }
    for (const [i, meter] of refusedLines) {
      const e = meterMoved(meter, moved.get(meter)!);
      answers.set(i, answerLine(idOf(i), { error: lineFault(n(i), e.code, e.message) }));
    }
    rows = rows.filter((r) => !refusedLines.has(rowLine[r]!));
    values = rows.flatMap((r) => values.slice(r * TOKEN_COLUMNS, (r + 1) * TOKEN_COLUMNS));
    digest = columnsDigest(values, shared);
  }
  if (rows.length === 0) return;
  const inserted = await ctx.store.recordTokenColumns!({
    shared,
    values,
    digest,
    audit: auditInput(ctx, who.tenant, who.key, TOKENS_ISSUED, 'batch', {
      request_id: requestId,
      lines: [chunk.firstLine, chunk.firstLine + answers.count - 1],
    }),
  });
  const again: number[] = [];
  inserted.forEach((ok, k) => {
    if (ok) return;
    const r = rows[k]!;
    const i = rowLine[r]!;
    if (picked[r]) again.push(i);
    else {
      const o = k * TOKEN_COLUMNS;
      answers.set(
        i,
        answerLine(idOf(i), {
          error: tidTaken(n(i), values[o + 1] as string, values[o + 7] as number | null),
        }),
      );
    }
  });
  if (again.length === 0) return;
  // The minute of now was taken (a request of the same minute): these lines read the ledger as
  // a store without picking would, and are vended again on this thread.
  const texts = chunk.bytes.toString('utf8').split('\n');
  const redone = await vendLinesHere(
    ctx,
    who,
    requestId,
    again.map((i) => [n(i), texts[i]!] as [number, string]),
    configs,
  );
  for (const [k, i] of again.entries()) answers.set(i, redone[k]!);
}

/** A chunk's answer lines as the worker sent them, one text; split into lines only to change one. */
class Answers {
  readonly #text: string;
  readonly #ends: readonly number[];
  #lines: string[] | undefined;

  constructor(text: string, ends: readonly number[]) {
    this.#text = text;
    this.#ends = ends;
  }

  get count(): number {
    return this.#ends.length;
  }

  get(i: number): string {
    return this.#lines?.[i] ?? this.#text.slice(i === 0 ? 0 : this.#ends[i - 1], this.#ends[i]);
  }

  set(i: number, line: string): void {
    this.#lines ??= this.#ends.map((_, k) => this.get(k));
    this.#lines[i] = line;
  }

  text(): string {
    return this.#lines === undefined ? this.#text : this.#lines.join('');
  }
}
