// Batch lines worked on the serving thread, TIDs read from the ledger and the TIDs in flight: the path
// of stores that hand out TIDs themselves (PostgreSQL), and of lines whose picked TID was taken.
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { type BaseDate, type TokenRequestResult, tidFromInstant } from 'sts-token';
import { TOKENS_ISSUED } from '../audit.ts';
import { auditInput, newRef, type ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import type { VendItem } from '../keys/key-store.ts';
import type { ConfigurationRecord, TokenRecord } from '../store/store.ts';
import {
  answerLine,
  type LineFault,
  type LineId,
  LineTooLong,
  ledgerValue,
  lineFault,
  MAX_LINE_BYTES,
  parseBatchLine,
} from './batch-line.ts';
import { allocateTid } from './tid-allocation.ts';
import { meterMoved, usableConfiguration } from './tokens.ts';

type IssuedToken = Extract<TokenRequestResult, { tokens: unknown }>['tokens'][number];

/** Lines per chunk: parsed, vended and committed together. */
const CHUNK_LINES = 2000;

interface Line {
  n: number;
  id: LineId;
  /** Set when the line is answered with an error. */
  error?: LineFault;
  item?: VendItem;
  drn?: string;
  config?: ConfigurationRecord;
  release?: () => void;
}

/** Lines of a request body, with a bound per line; the body's MD5 is computed on the way. */
async function* bodyLines(
  req: IncomingMessage,
  md5: { update(b: Buffer): unknown },
): AsyncGenerator<[number, string]> {
  // A StringDecoder keeps a character cut by a chunk boundary whole.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    md5.update(chunk);
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      n++;
      if (nl - start > MAX_LINE_BYTES) throw new LineTooLong(n);
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.trim() !== '') yield [n, line];
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_BYTES) throw new LineTooLong(n + 1);
  }
  rest += decoder.end();
  if (rest.trim() !== '') yield [n + 1, rest];
}

function fail(line: Line, fault: LineFault): Line {
  line.error = fault;
  return line;
}

/** Check one line and resolve its configuration (no TID yet). */
async function readLine(
  ctx: ServiceContext,
  who: Principal,
  n: number,
  text: string,
  configs: Map<string, ConfigurationRecord | ApiError>,
): Promise<Line> {
  const p = parseBatchLine(n, text);
  const line: Line = { n, id: p.id };
  if ('error' in p) return fail(line, p.error);
  let config = configs.get(p.ref);
  if (config === undefined) {
    config = await usableConfiguration(ctx, who.tenant, p.ref, 'config_ref').catch((e: unknown) => {
      if (e instanceof ApiError) return e;
      throw e;
    });
    configs.set(p.ref, config);
  }
  if (config instanceof ApiError) return fail(line, lineFault(n, config.code, config.message));
  line.config = config;
  line.item = { ref: p.ref, request: p.request };
  if (p.drn !== undefined) line.drn = p.drn;
  return line;
}

/**
 * Parse a chunk of lines, check the meters' configurations and allocate the TIDs of the lines that
 * give neither time nor tid: two queries for the whole chunk, not two per line.
 */
async function prepareChunk(
  ctx: ServiceContext,
  who: Principal,
  raw: readonly [number, string][],
  configs: Map<string, ConfigurationRecord | ApiError>,
): Promise<Line[]> {
  const lines: Line[] = [];
  for (const [n, text] of raw) lines.push(await readLine(ctx, who, n, text, configs));
  const meters = [...new Set(lines.filter((l) => l.drn !== undefined).map((l) => l.drn!))];
  if (meters.length === 0) return lines;
  const moved = await ctx.store.meterConfigs(who.tenant, meters);
  const needTid = lines.filter(
    (l) =>
      l.error === undefined &&
      l.drn !== undefined &&
      l.item!.request.time === undefined &&
      l.item!.request.tid === undefined,
  );
  const needing = new Set(needTid);
  const nowMs = ctx.now();
  // The base dates of the chunk's configurations give each its TID of now; one query per base date.
  const nowTids = new Map<string, number | Error>();
  const issued = new Map<number, Map<string, number[]>>();
  for (const l of needTid) {
    const key = `${l.config!.summary.base_date}:${l.item!.request.isStid === true}`;
    if (nowTids.has(key)) continue;
    try {
      nowTids.set(
        key,
        tidFromInstant(new Date(nowMs).toISOString(), l.config!.summary.base_date as BaseDate, {
          isStid: l.item!.request.isStid === true,
        }),
      );
    } catch (e) {
      nowTids.set(key, e as Error);
    }
  }
  for (const tid of new Set([...nowTids.values()].filter((v): v is number => typeof v === 'number')))
    issued.set(
      tid,
      await ctx.store.issuedTidsOfMeters(who.tenant, [...new Set(needTid.map((l) => l.drn!))], tid),
    );
  for (const l of lines) {
    if (l.error !== undefined || l.drn === undefined) continue;
    const current = moved.get(l.drn);
    if (current !== undefined && current !== l.item!.ref) {
      const e = meterMoved(l.drn, current);
      fail(l, lineFault(l.n, e.code, e.message));
      continue;
    }
    if (!needing.has(l)) continue;
    const isStid = l.item!.request.isStid === true;
    const now = nowTids.get(`${l.config!.summary.base_date}:${isStid}`)!;
    if (now instanceof Error) {
      fail(l, lineFault(l.n, (now as { code?: string }).code ?? 'invalid-time', `now: ${now.message}`));
      continue;
    }
    const a = await allocateTid(ctx, who.tenant, l.drn, now, isStid, issued.get(now)?.get(l.drn) ?? []);
    l.item!.request.tid = a.tid;
    l.release = a.release;
  }
  return lines;
}

async function runChunk(
  ctx: ServiceContext,
  who: Principal,
  requestId: string,
  lines: Line[],
): Promise<string[]> {
  const work = lines.filter((l) => l.error === undefined && l.item !== undefined);
  try {
    const results =
      work.length === 0
        ? []
        : await ctx.keys.vend(
            who.tenant,
            work.map((l) => l.item!),
          );
    const createdAt = new Date(ctx.now()).toISOString();
    const rows: TokenRecord[] = [];
    const owners: Line[] = [];
    const answers = new Map<Line, (IssuedToken & { ref: string })[]>();
    results.forEach((res, i) => {
      const line = work[i]!;
      if ('error' in res) {
        fail(line, lineFault(line.n, res.error.code, res.error.message));
        return;
      }
      const list = res.tokens.map((t) => {
        const ref = newRef('tok');
        rows.push({
          ref,
          tenant: who.tenant,
          meter: line.drn ?? '',
          configRef: line.item!.ref,
          tokenNo: t.token,
          tokenType: t.nectarType,
          class: t.class,
          subclass: t.subclass,
          tid: t.tid,
          value: ledgerValue(line.item!.request),
          userRef: who.key,
          requestId,
          createdAt,
        });
        owners.push(line);
        return { ...t, ref };
      });
      answers.set(line, list);
    });
    if (rows.length > 0) {
      const r = await ctx.store.recordTokens({
        tenant: who.tenant,
        tokens: rows,
        mode: 'each',
        audit: auditInput(ctx, who.tenant, who.key, TOKENS_ISSUED, 'batch', {
          request_id: requestId,
          lines: [lines[0]!.n, lines[lines.length - 1]!.n],
        }),
      });
      if (!r.ok) throw new Error('batch record failed');
      r.inserted.forEach((ok, i) => {
        if (ok) return;
        const line = owners[i]!;
        answers.delete(line);
        const row = rows[i]!;
        fail(line, tidTaken(line.n, row.meter, row.tid));
      });
    }
    return lines.map((l) => {
      const tokens = answers.get(l);
      return l.error !== undefined || tokens === undefined
        ? answerLine(l.id, { error: l.error ?? lineFault(l.n, 'internal', 'no answer') })
        : answerLine(l.id, { tokens });
    });
  } finally {
    for (const l of lines) l.release?.();
  }
}

/** The answer to a line whose TID the meter already has. */
export function tidTaken(n: number, meter: string, tid: number | null): LineFault {
  return lineFault(
    n,
    'tid-taken',
    `meter ${meter} already has a token with TID ${tid}; the meter would reject a second one`,
  );
}

/** Answer `raw` lines ([number, text], none blank) on this thread: one answer line each, in order. */
export async function vendLinesHere(
  ctx: ServiceContext,
  who: Principal,
  requestId: string,
  raw: readonly [number, string][],
  configs: Map<string, ConfigurationRecord | ApiError>,
): Promise<string[]> {
  const lines = await prepareChunk(ctx, who, raw, configs);
  return runChunk(ctx, who, requestId, lines);
}

/**
 * The batch on this thread: CHUNK_LINES lines at a time, the next chunk read and vended while the one
 * before is committed and written. Memory stays flat whatever the batch size.
 */
export async function batchHere(
  ctx: ServiceContext,
  who: Principal,
  req: IncomingMessage,
  requestId: string,
  io: BatchIo,
): Promise<void> {
  const configs = new Map<string, ConfigurationRecord | ApiError>();
  let raw: [number, string][] = [];
  let prepared: Line[] = [];
  let previous: Promise<string[]> | undefined;
  const flush = async (): Promise<void> => {
    prepared = await prepareChunk(ctx, who, raw, configs);
    raw = [];
    const running = runChunk(ctx, who, requestId, prepared);
    prepared = [];
    if (previous !== undefined) await io.write((await previous).join(''));
    previous = running;
  };
  try {
    for await (const entry of bodyLines(req, io.md5)) {
      if (io.closed()) break;
      raw.push(entry);
      if (raw.length >= CHUNK_LINES) await flush();
    }
    if (raw.length > 0) await flush();
    if (previous !== undefined) await io.write((await previous).join(''));
  } catch (e) {
    for (const l of prepared) l.release?.();
    // The chunk before the fault is committed: it is answered before the fault's line.
    const done = await previous?.catch(() => undefined);
    if (done !== undefined) await io.write(done.join(''));
    throw e;
  }
}

/** What a batch path is given of the answer: the body's running MD5, a writer that waits for drain. */
export interface BatchIo {
  md5: { update(b: Buffer): unknown };
  write(text: string): Promise<void>;
  closed(): boolean;
}
