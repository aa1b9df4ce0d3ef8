// POST /v1/tokens/batch: JSON Lines in, JSON Lines out, streamed and in order; sts-vend's batch line
// contract with config_ref instead of a configuration. Each chunk of lines is committed before it is answered.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { type BaseDate, tidFromInstant, tokenTypeByName } from 'sts-token';
import { TOKENS_ISSUED } from '../audit.ts';
import { auditInput, newRef, type ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import type { VendItem } from '../keys/key-store.ts';
import type { ConfigurationRecord, TokenRecord } from '../store/store.ts';
import { kind } from './fields.ts';
import { allocateTid } from './tid-allocation.ts';
import { usableConfiguration } from './tokens.ts';

export const MAX_LINE_BYTES = 64 * 1024;
const CHUNK_LINES = 2000;
const REFUSED = ['config', 'decoderKey', 'encryptionAlgorithm', 'baseDate', 'keyExpiryNo', 'newConfig'];

type Id = string | number | null;
interface Line {
  n: number;
  id: Id;
  /** Set when the line is answered with an error. */
  error?: { code: string; message: string };
  item?: VendItem;
  drn?: string;
  config?: ConfigurationRecord;
  release?: () => void;
}

/** Lines of a request body, with a bound per line; the body's MD5 is computed on the way. */
async function* bodyLines(
  req: IncomingMessage,
  md5: ReturnType<typeof createHash>,
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

class LineTooLong extends Error {
  constructor(readonly line: number) {
    super(`line ${line}: longer than ${MAX_LINE_BYTES} bytes`);
  }
}

function fail(line: Line, code: string, message: string): Line {
  line.error = { code, message: `line ${line.n}: ${message}` };
  return line;
}

/** Parse and check one line (no TID yet). */
async function parseLine(
  ctx: ServiceContext,
  who: Principal,
  n: number,
  text: string,
  configs: Map<string, ConfigurationRecord | ApiError>,
): Promise<Line> {
  const line: Line = { n, id: null };
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return fail(line, 'bad-json', 'not valid JSON');
  }
  if (r === null || typeof r !== 'object' || Array.isArray(r))
    return fail(line, 'invalid-request', `request must be a JSON object, got ${kind(r)}`);
  const req = r as Record<string, unknown>;
  if (typeof req.id === 'string' || typeof req.id === 'number') line.id = req.id;
  for (const f of REFUSED)
    if (f in req)
      return fail(
        line,
        'key-field-refused',
        `${f}: the key comes from the stored configuration named by config_ref`,
      );
  const ref = req.config_ref;
  if (typeof ref !== 'string') return fail(line, 'missing-field', 'config_ref is required (a string)');
  const info = typeof req.type === 'string' ? tokenTypeByName(req.type) : undefined;
  if (info?.layout === 'key-change')
    return fail(line, 'not-in-batch', 'key changes are asked for one at a time with POST /v1/tokens');
  let config = configs.get(ref);
  if (config === undefined) {
    config = await usableConfiguration(ctx, who.tenant, ref, 'config_ref').catch((e: unknown) => {
      if (e instanceof ApiError) return e;
      throw e;
    });
    configs.set(ref, config);
  }
  if (config instanceof ApiError) return fail(line, config.code, config.message);
  const { config_ref: _ref, ...request } = req;
  line.config = config;
  line.item = { ref, request };
  if (info !== undefined && info.class !== 1 && typeof req.drn === 'string') line.drn = req.drn;
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
  for (const [n, text] of raw) lines.push(await parseLine(ctx, who, n, text, configs));
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
      fail(
        l,
        'meter-on-other-configuration',
        `meter ${l.drn} was moved to configuration ${current} by a key change; ask with config_ref ${current}`,
      );
      continue;
    }
    if (!needing.has(l)) continue;
    const isStid = l.item!.request.isStid === true;
    const now = nowTids.get(`${l.config!.summary.base_date}:${isStid}`)!;
    if (now instanceof Error) {
      fail(l, (now as { code?: string }).code ?? 'invalid-time', `now: ${now.message}`);
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
): Promise<string> {
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
    const answers = new Map<
      Line,
      {
        token: string;
        type: string;
        nectarType: string;
        class: number;
        subclass: number;
        tid: number | null;
        ref: string;
      }[]
    >();
    results.forEach((res, i) => {
      const line = work[i]!;
      if ('error' in res) {
        fail(line, res.error.code, res.error.message);
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
        fail(
          line,
          'tid-taken',
          `meter ${row.meter} already has a token with TID ${row.tid}; the meter would reject a second one`,
        );
      });
    }
    let out = '';
    for (const l of lines) {
      const tokens = answers.get(l);
      out +=
        l.error !== undefined || tokens === undefined
          ? `${JSON.stringify({ id: l.id, error: l.error ?? { code: 'internal', message: `line ${l.n}: no answer` } })}\n`
          : `${JSON.stringify({ id: l.id, tokens })}\n`;
    }
    return out;
  } finally {
    for (const l of lines) l.release?.();
  }
}

function ledgerValue(r: Record<string, unknown>): string | null {
  for (const f of ['amount', 'watts', 'register', 'rate', 'pad', 'factor', 'control'])
    if (r[f] !== undefined) return String(r[f]);
  return null;
}

export async function postBatch(
  ctx: ServiceContext,
  who: Principal,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const md5 = createHash('md5');
  const declared = String(req.headers['content-md5'] ?? '').toUpperCase();
  const configs = new Map<string, ConfigurationRecord | ApiError>();
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  const write = async (text: string): Promise<void> => {
    if (text !== '' && !res.write(text) && !closed) await once(res, 'drain');
  };
  // Two chunks in flight at most: the next is parsed and sent to the key boundary while the
  // previous one is committed and written. Memory stays flat whatever the batch size.
  let raw: [number, string][] = [];
  let prepared: Line[] = [];
  let previous: Promise<string> | undefined;
  const flush = async (): Promise<void> => {
    prepared = await prepareChunk(ctx, who, raw, configs);
    raw = [];
    const running = runChunk(ctx, who, requestId, prepared);
    prepared = [];
    if (previous !== undefined) await write(await previous);
    previous = running;
  };
  try {
    for await (const entry of bodyLines(req, md5)) {
      if (closed) break;
      raw.push(entry);
      if (raw.length >= CHUNK_LINES) await flush();
    }
    if (raw.length > 0) await flush();
    if (previous !== undefined) await write(await previous);
    previous = undefined;
    if (md5.digest('hex').toUpperCase() !== declared)
      await write(
        `${JSON.stringify({ id: null, error: { code: 'content-md5-mismatch', message: 'the Content-MD5 header does not match the body' } })}\n`,
      );
  } catch (e) {
    for (const l of prepared) l.release?.();
    if (previous !== undefined) await previous.catch(() => undefined);
    const message =
      e instanceof LineTooLong ? e.message : e instanceof ApiError ? e.message : 'internal error';
    const code = e instanceof LineTooLong ? 'line-too-long' : e instanceof ApiError ? e.code : 'internal';
    if (!closed) res.write(`${JSON.stringify({ id: null, error: { code, message } })}\n`);
  }
  res.end();
}
