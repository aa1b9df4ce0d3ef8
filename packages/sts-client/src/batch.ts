// Token batches: an (async) iterable of requests in, an async iterable of answers out, JSON Lines both ways.
// POST /v1/tokens/batch (issue 10): sts-vend's batch line contract with config_ref instead of a configuration.
import { StsApiError } from './errors.ts';
import type { TokenRequest } from './token-request.ts';
import { TOKEN_REQUEST_TYPES } from './token-request.ts';
import { networkError, type Transport } from './transport.ts';

/** A batch item: a token request and the id its answer carries back (default: its position, from 1). */
export type BatchItem = TokenRequest & { id?: string | number };

/** One answer line, in input order: the tokens of the request, or its error. */
export type BatchResult =
  | {
      id: string | number | null;
      tokens: {
        token: string;
        type: string;
        nectarType: string;
        class: number;
        subclass: number;
        tid: number | null;
        /** The token's ref in the service's ledger. */
        ref?: string;
      }[];
    }
  | { id: string | number | null; error: { code: string; message: string } };

export interface BatchOptions {
  /** Most lines in one signed request; default 5000. */
  linesPerRequest?: number;
  /** Most bytes in one signed request; default 2 MiB. */
  bytesPerRequest?: number;
  /** Longest answer line read, in bytes; default 1 MiB. */
  maxLineBytes?: number;
  signal?: AbortSignal;
}

const NDJSON = 'application/x-ndjson';
const encoder = new TextEncoder();

// sts-vend's batch field names for the SDK's request fields (where they differ).
const BATCH_NAMES: Record<string, string> = {
  configRef: 'config_ref',
  tokenId: 'time',
  randomNo: 'random',
  maximumPowerLimit: 'watts',
  mppul: 'watts',
  tariffRate: 'rate',
  wmFactor: 'factor',
  newConfigRef: 'new_config_ref',
  ro: 'rollover',
};

/**
 * Sends the items as JSON Lines and yields one answer per item, in order, as answers arrive.
 * The body of a signed request must be hashed (Content-MD5) before it is sent, so the items go in
 * requests of at most `linesPerRequest` lines / `bytesPerRequest` bytes: memory stays flat however
 * long the batch is. Each request has its own Idempotency-Key and is retried like any call; an
 * answer cut off midway is not retried (its tokens may be issued) and rejects with `network-error`.
 */
export async function* tokenBatch(
  transport: Transport,
  items: AsyncIterable<BatchItem> | Iterable<BatchItem>,
  options: BatchOptions = {},
): AsyncGenerator<BatchResult> {
  const maxLines = options.linesPerRequest ?? 5000;
  const maxBytes = options.bytesPerRequest ?? 2 * 1024 * 1024;
  const maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
  let lines: string[] = [];
  let bytes = 0;
  let position = 0;
  let firstLine = 1;
  for await (const item of items) {
    position++;
    const line = `${JSON.stringify(batchLine(item, position))}\n`;
    const size = encoder.encode(line).byteLength;
    if (lines.length > 0 && (lines.length >= maxLines || bytes + size > maxBytes)) {
      yield* sendLines(transport, lines, firstLine, maxLineBytes, options.signal);
      firstLine += lines.length;
      lines = [];
      bytes = 0;
    }
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) yield* sendLines(transport, lines, firstLine, maxLineBytes, options.signal);
}

/** The batch line of one item (sts-vend's names; a zoneless Nectar token_id is UTC). */
export function batchLine(item: BatchItem, position: number): Record<string, unknown> {
  if (item === null || typeof item !== 'object')
    throw new TypeError(`batch item ${position} must be an object`);
  if (!Object.hasOwn(TOKEN_REQUEST_TYPES, item.type)) {
    throw new TypeError(
      `batch item ${position}: type ${JSON.stringify(item.type)?.slice(0, 40)} is not a token type`,
    );
  }
  const line: Record<string, unknown> = { id: item.id ?? position };
  for (const [name, value] of Object.entries(item)) {
    if (name === 'id' || name === 'debug' || value === undefined) continue;
    const wire = BATCH_NAMES[name] ?? name;
    if (name === 'tokenId') line[wire] = batchTime(value as Date | string);
    else if (name === 'amount') line[wire] = String(value);
    else if (name === 'ro') line[wire] = value === 1 || value === true;
    else line[wire] = value;
  }
  return line;
}

function batchTime(value: Date | string): string {
  if (value instanceof Date) return value.toISOString();
  // Nectar's zoneless yyyy-MM-ddTHH:mm is UTC; sts-vend's batch format wants the zone written.
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value;
}

async function* sendLines(
  transport: Transport,
  lines: string[],
  firstLine: number,
  maxLineBytes: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<BatchResult> {
  const body = encoder.encode(lines.join(''));
  const spec = {
    method: 'POST' as const,
    path: '/v1/tokens/batch',
    raw: { bytes: body, contentType: NDJSON },
    ...(signal ? { signal } : {}),
  };
  const { response } = await transport.send(spec, false);
  let answered = 0;
  try {
    for await (const text of responseLines(response, maxLineBytes)) {
      let result: BatchResult;
      try {
        result = JSON.parse(text) as BatchResult;
      } catch {
        throw new StsApiError(
          response.status,
          'bad-response',
          `batch answer line ${firstLine + answered} is not JSON`,
        );
      }
      if (answered === lines.length) throw streamError(result, response);
      answered++;
      yield renumbered(result, firstLine - 1);
    }
  } catch (error) {
    if (error instanceof StsApiError) throw error;
    throw networkError(spec, error, undefined);
  }
  if (answered !== lines.length) {
    throw new StsApiError(
      0,
      'network-error',
      `batch answer ended after ${answered} of ${lines.length} lines (from line ${firstLine}); those may be issued: ask again with token_id set, or look them up`,
    );
  }
}

/** A line past the last answer is the service's verdict on the whole request (e.g. its body MD5 did not match). */
function streamError(result: BatchResult, response: Response): StsApiError {
  const error = 'error' in result ? result.error : undefined;
  return new StsApiError(
    response.status,
    typeof error?.code === 'string' ? error.code : 'bad-response',
    typeof error?.message === 'string'
      ? error.message.slice(0, 500)
      : 'batch answer has more lines than the request',
    response.headers.get('x-request-id') ?? undefined,
  );
}

/** The service numbers lines within each request; give the line of the whole batch instead. */
function renumbered(result: BatchResult, offset: number): BatchResult {
  if (offset === 0 || !('error' in result) || typeof result.error?.message !== 'string') return result;
  const message = result.error.message.replace(
    /^line (\d+): /,
    (_, n: string) => `line ${Number(n) + offset}: `,
  );
  return { ...result, error: { ...result.error, message } };
}

/** The answer's lines, decoded as they arrive; a line longer than `maxLineBytes` is refused. */
async function* responseLines(response: Response, maxLineBytes: number): AsyncGenerator<string> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let pending = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
        const line = pending.slice(start, newline).trim();
        start = newline + 1;
        if (line !== '') yield line;
      }
      pending = pending.slice(start);
      if (pending.length > maxLineBytes) {
        throw new StsApiError(
          response.status,
          'response-too-large',
          `batch answer line over ${maxLineBytes} bytes`,
        );
      }
      if (done) break;
    }
    if (pending.trim() !== '') yield pending.trim();
  } finally {
    await reader.cancel().catch(() => {});
  }
}
