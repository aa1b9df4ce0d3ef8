// One signed HTTP call to the token service over fetch: signing, bounded reading, the envelope, retries.
// nectar-compat.md §4 (auth headers, envelope); Idempotency-Key makes a retried POST safe (issue 10).
import { StsApiError } from './errors.ts';
import { newNonce, signRequest } from './signing.ts';

/** How to reach the service and how hard to try. Only `host`, `key` and `secret` are required. */
export interface ClientOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:8080` (a path prefix is kept). */
  host: string;
  /** API key (from `sts-service credentials create`). */
  key: string;
  /** API secret: only ever used as the HMAC key; never sent, logged or put in an error. */
  secret: string;
  /** The fetch to use; default the global one (Node ≥ 20, browsers). */
  fetch?: typeof globalThis.fetch;
  /** Retries after a network error or a 503; default 3; 0 turns retrying off. */
  retries?: number;
  /** First retry delay in ms, doubled each time (with jitter); default 200. */
  retryDelayMs?: number;
  /** Longest wait between two tries, also for a 503's Retry-After; default 5000. */
  maxRetryDelayMs?: number;
  /** Time limit of one try in ms (then it counts as a network error); default 30 000. */
  timeoutMs?: number;
  /** Largest answer read, in bytes (JSON answers; a batch's answer lines are bounded one by one); default 16 MiB. */
  maxResponseBytes?: number;
  /** The clock for the Date header (ms since the epoch); default Date.now. */
  now?: () => number;
}

/** One call: method, path (no query), query parameters, JSON or raw body. */
export interface CallSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | boolean | undefined>;
  /** A JSON value (sent as application/json) or raw bytes with `contentType`. */
  json?: unknown;
  raw?: { bytes: Uint8Array; contentType: string };
  /** Idempotency-Key of a POST; a random one is made when absent, and kept across retries. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const JSON_TYPE = 'application/json';
const MESSAGE_LIMIT = 500;

/** Signs and sends calls; holds the secret in a private field (never enumerable or inspectable). */
export class Transport {
  readonly host: string;
  readonly key: string;
  readonly #secret: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly #now: () => number;

  constructor(options: ClientOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
    const { host, key, secret } = options;
    if (typeof host !== 'string' || !/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(host)) {
      throw new TypeError('host must be an http(s) URL without query, e.g. http://127.0.0.1:8080');
    }
    if (typeof key !== 'string' || !/^[^\s:]+$/.test(key)) {
      throw new TypeError('key must be a non-empty string without colon or white space');
    }
    if (typeof secret !== 'string' || secret.length === 0)
      throw new TypeError('secret must be a non-empty string');
    this.host = host.replace(/\/+$/, '');
    this.key = key;
    this.#secret = secret;
    const fetchFunction = options.fetch ?? globalThis.fetch;
    if (typeof fetchFunction !== 'function')
      throw new TypeError('fetch must be a function (no global fetch here)');
    // Called as a plain function: a browser's fetch throws 'Illegal invocation' when `this` is another object.
    this.#fetch = (input, init) => fetchFunction(input, init);
    this.#retries = whole(options.retries, 3, 'retries', 100);
    this.#retryDelayMs = whole(options.retryDelayMs, 200, 'retryDelayMs', 60_000);
    this.#maxRetryDelayMs = whole(options.maxRetryDelayMs, 5000, 'maxRetryDelayMs', 600_000);
    this.#timeoutMs = whole(options.timeoutMs, 30_000, 'timeoutMs', 3_600_000);
    this.maxResponseBytes = whole(options.maxResponseBytes, 16 * 1024 * 1024, 'maxResponseBytes', 2 ** 31);
    this.#now = options.now ?? Date.now;
  }

  /** A call whose answer is the JSON envelope: resolves to its `data.data`, rejects with StsApiError. */
  async call(spec: CallSpec): Promise<unknown> {
    const { response, release } = await this.send(spec, true);
    try {
      const envelope = await readEnvelope(response, this.maxResponseBytes);
      return (envelope.data as { data?: unknown } | undefined)?.data;
    } catch (error) {
      if (error instanceof StsApiError) throw error;
      if (spec.signal?.aborted) throw new StsApiError(0, 'aborted', `${spec.method} ${spec.path}: aborted`);
      throw networkError(spec, error, isTimeout(error) ? this.#timeoutMs : undefined);
    } finally {
      release();
    }
  }

  /**
   * Sends the call (signed afresh for each try: new Date, new nonce) and resolves to the first
   * successful answer, unread. Retries on network errors and 503 (a POST keeps its Idempotency-Key,
   * so the service answers a repeated request with the stored result). Any other error status is
   * read and thrown as StsApiError. The time limit covers the try up to the answer's headers, and
   * its body too when `timeBody` is set, until `release()`; a streamed answer sets it false.
   */
  async send(spec: CallSpec, timeBody: boolean): Promise<{ response: Response; release: () => void }> {
    const url = this.host + spec.path + queryString(spec.query);
    const signedPath = new URL(url).pathname;
    const body = spec.raw?.bytes ?? (spec.json === undefined ? '' : JSON.stringify(spec.json));
    const contentType = spec.raw?.contentType ?? JSON_TYPE;
    const idempotencyKey = spec.method === 'POST' ? (spec.idempotencyKey ?? randomKey()) : undefined;
    for (let attempt = 0; ; attempt++) {
      const headers = await signRequest({
        method: spec.method,
        path: signedPath,
        body,
        contentType,
        date: new Date(this.#now()).toUTCString(),
        nonce: newNonce(),
        key: this.key,
        secret: this.#secret,
      });
      if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
      // Browsers drop a script's Date header (a forbidden header name in the Fetch standard): the
      // signed date goes in X-Date too, for a service that reads it when Date is missing.
      headers['X-Date'] = headers.Date!;
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new DOMException('timed out', 'TimeoutError')),
        this.#timeoutMs,
      );
      const release = () => clearTimeout(timer);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout.signal]) : timeout.signal;
      let response: Response;
      try {
        const init: RequestInit = { method: spec.method, headers, signal };
        if (spec.method !== 'GET') init.body = body;
        response = await this.#fetch(url, init);
      } catch (error) {
        release();
        if (spec.signal?.aborted) throw new StsApiError(0, 'aborted', `${spec.method} ${spec.path}: aborted`);
        const failure = networkError(spec, error, timeout.signal.aborted ? this.#timeoutMs : undefined);
        if (attempt >= this.#retries) throw failure;
        await sleep(this.#backoff(attempt), spec.signal);
        continue;
      }
      if (!timeBody) release();
      if (response.status === 503 && attempt < this.#retries) {
        release();
        await response.body?.cancel().catch(() => {});
        await sleep(retryAfter(response, this.#maxRetryDelayMs) ?? this.#backoff(attempt), spec.signal);
        continue;
      }
      if (response.ok) return { response, release };
      try {
        throw await errorFromResponse(response, this.maxResponseBytes);
      } finally {
        release();
      }
    }
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#maxRetryDelayMs, this.#retryDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /** The secret stays out of JSON and util.inspect (private fields are neither). */
  toJSON(): Record<string, string> {
    return { host: this.host, key: this.key };
  }
}

/** The answer's envelope, read within the bound; rejects with StsApiError when it is an error or not one. */
export async function readEnvelope(response: Response, limit: number): Promise<Record<string, unknown>> {
  const text = await readBounded(response, limit);
  const envelope = parseEnvelope(text);
  if (envelope === undefined) {
    throw new StsApiError(
      response.status,
      'bad-response',
      `HTTP ${response.status} answer is not the service's JSON envelope`,
      response.headers.get('x-request-id') ?? undefined,
    );
  }
  const status = envelope.status as Record<string, unknown>;
  // Nectar's own service answers errors with HTTP 200 and the real code in status.code.
  const code = typeof status.code === 'number' ? status.code : response.status;
  if (response.ok && code >= 200 && code < 300) return envelope;
  throw envelopeError(response.ok ? code : response.status, envelope, response);
}

/** The StsApiError of an error answer (its envelope if it has one). */
export async function errorFromResponse(response: Response, limit: number): Promise<StsApiError> {
  let text: string;
  try {
    text = await readBounded(response, limit);
  } catch (error) {
    return error instanceof StsApiError ? error : networkError(undefined, error, undefined);
  }
  const envelope = parseEnvelope(text);
  if (envelope === undefined) {
    return new StsApiError(
      response.status,
      `http-${response.status}`,
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      response.headers.get('x-request-id') ?? undefined,
    );
  }
  return envelopeError(response.status, envelope, response);
}

function envelopeError(status: number, envelope: Record<string, unknown>, response: Response): StsApiError {
  const head = envelope.status as Record<string, unknown>;
  const error = (
    typeof envelope.error === 'object' && envelope.error !== null ? envelope.error : {}
  ) as Record<string, unknown>;
  const code = typeof error.code === 'string' ? error.code : `http-${status}`;
  const message = typeof head.message === 'string' ? head.message.slice(0, MESSAGE_LIMIT) : `HTTP ${status}`;
  const requestId =
    typeof head.request_id === 'string'
      ? head.request_id
      : (response.headers.get('x-request-id') ?? undefined);
  const details = Array.isArray(error.details) ? error.details : undefined;
  return new StsApiError(status, code, message, requestId, details);
}

function parseEnvelope(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const status = (value as Record<string, unknown>).status;
  if (typeof status !== 'object' || status === null) return undefined;
  return value as Record<string, unknown>;
}

/** The body as text, refusing (and cancelling) past `limit` bytes without reading on. */
export async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(response, limit);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(response, limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(response: Response, limit: number): StsApiError {
  return new StsApiError(
    response.status,
    'response-too-large',
    `answer larger than maxResponseBytes (${limit} bytes)`,
    response.headers.get('x-request-id') ?? undefined,
  );
}

/** An StsApiError for a call that got no answer; names the call and the cause, never a header. */
export function networkError(
  spec: CallSpec | undefined,
  error: unknown,
  timeoutMs: number | undefined,
): StsApiError {
  const what = spec ? `${spec.method} ${spec.path}: ` : '';
  if (timeoutMs !== undefined) {
    return new StsApiError(
      0,
      'network-error',
      `${what}no answer within ${timeoutMs} ms`,
      undefined,
      undefined,
      {
        cause: error,
      },
    );
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : error instanceof Error
        ? error.message
        : 'connection failed';
  return new StsApiError(0, 'network-error', `${what}no answer (${reason})`, undefined, undefined, {
    cause: error,
  });
}

/** A random Idempotency-Key (randomUUID where there is one; browsers have it only in secure contexts). */
function randomKey(): string {
  return typeof globalThis.crypto.randomUUID === 'function' ? globalThis.crypto.randomUUID() : newNonce();
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}

function queryString(query: CallSpec['query']): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function retryAfter(response: Response, maxMs: number): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || !/^\d{1,6}$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, maxMs);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new StsApiError(0, 'aborted', 'aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new StsApiError(0, 'aborted', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function whole(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be a whole number from 0 to ${max}, got ${value}`);
  }
  return value;
}
