// The HTTP API of `sts-meter serve`: POST /tokens, GET /state and the web keypad, on node:http.
// Every answered token result is already on disk (commit-queue.ts); no response ever holds key material.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Meter, MeterResult } from '../meter.ts';
import { CommitQueue, PersistError, type PersistFn } from './commit-queue.ts';
import { type Asset, loadPageAssets } from './page.ts';

/** Largest POST /tokens body accepted; a token request is ~40 bytes. */
export const MAX_BODY_BYTES = 1024;
/** A body over the limit but under this is read to its end before the 413 (see readBody). */
const DRAIN_BYTES = 64 * 1024;

export interface MeterServerOptions {
  meter: Meter;
  /** Persist the whole state durably (saveMeter). */
  persist: PersistFn;
  /** Read the last durable state back (loadMeter): the rollback after a failed write. */
  reload: () => Promise<Meter>;
  /** One line per request to this function (`--verbose`); never a key. */
  log?: (line: string) => void;
  /**
   * Host header names accepted (with any port), to refuse DNS-rebinding pages; undefined accepts any.
   * The CLI passes the loopback names when bound to loopback.
   */
  allowedHosts?: readonly string[];
}

export interface MeterServer {
  readonly server: Server;
  readonly queue: CommitQueue;
  /** Stop accepting, answer every token already submitted, close all connections. */
  close(): Promise<void>;
}

const JSON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** `{"error":{"code","message"}}`: the one shape of every API error. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const ROUTES: Record<string, string> = {
  '/tokens': 'POST',
  '/state': 'GET',
};

/** Parse a POST /tokens body: a JSON object with exactly one field, `token`, a string. */
export function parseTokenBody(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid-json', 'body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'invalid-request', 'body must be a JSON object like {"token": "…"}');
  }
  const obj = body as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== 'token')
      throw new HttpError(400, 'unknown-field', `unknown field ${JSON.stringify(k.slice(0, 40))}`);
  }
  if (!('token' in obj)) throw new HttpError(400, 'missing-token', 'body has no "token" field');
  if (typeof obj.token !== 'string') {
    throw new HttpError(400, 'invalid-token', '"token" must be a string of 20 digits');
  }
  return obj.token;
}

/**
 * Read the body, at most MAX_BODY_BYTES. A larger body is still read and dropped up to DRAIN_BYTES before
 * the 413, so the client sees the answer rather than a reset while it is still sending; beyond that the
 * 413 goes out at once and the connection closes.
 */
function readBody(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > DRAIN_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > DRAIN_BYTES) {
        req.removeAllListeners('data');
        req.removeAllListeners('end');
        reject(tooLarge());
      }
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(tooLarge());
      else
        resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function tooLarge(): HttpError {
  return new HttpError(413, 'body-too-large', `body is larger than ${MAX_BODY_BYTES} bytes`, {
    Connection: 'close',
  });
}

function isJson(req: IncomingMessage): boolean {
  const t = req.headers['content-type'];
  // Requiring application/json makes a cross-site browser POST need a CORS preflight, which we never grant.
  return t !== undefined && /^application\/json\s*(;|$)/i.test(t);
}

function hostAllowed(req: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  const host = req.headers.host;
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return allowed.includes(name.toLowerCase());
}

/** Build the server (not yet listening). */
export function createMeterServer(opts: MeterServerOptions): MeterServer {
  const queue = new CommitQueue(opts.meter, opts.persist, opts.reload);
  const assets = loadPageAssets();
  const log = opts.log;
  let closing = false;

  function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
    if (closing) res.setHeader('Connection', 'close');
    res.writeHead(status, extra === undefined ? JSON_HEADERS : { ...JSON_HEADERS, ...extra });
    res.end(body);
  }

  function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
    res.writeHead(200, a.headers);
    res.end(req.method === 'HEAD' ? undefined : a.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (!hostAllowed(req, opts.allowedHosts)) {
      throw new HttpError(403, 'host-not-allowed', 'the Host header does not name this server');
    }
    const asset = assets.get(path);
    if (asset !== undefined) {
      if (method !== 'GET' && method !== 'HEAD') {
        throw new HttpError(405, 'method-not-allowed', `${path} allows GET only`, { Allow: 'GET, HEAD' });
      }
      sendAsset(req, res, asset);
      return '';
    }
    const allowed = ROUTES[path];
    if (allowed === undefined) throw new HttpError(404, 'not-found', 'no such resource');
    if (method !== allowed) {
      throw new HttpError(405, 'method-not-allowed', `${path} allows ${allowed} only`, { Allow: allowed });
    }
    if (path === '/state') {
      send(res, 200, JSON.stringify(queue.meter.toJSON()));
      return '';
    }
    // POST /tokens
    if (!isJson(req)) {
      req.resume();
      throw new HttpError(415, 'unsupported-media-type', 'Content-Type must be application/json');
    }
    const token = parseTokenBody(await readBody(req));
    if (closing || queue.closed) {
      throw new HttpError(503, 'shutting-down', 'the meter is shutting down', { Connection: 'close' });
    }
    let r: MeterResult;
    try {
      r = await queue.submit(token);
    } catch (e) {
      if (e instanceof PersistError) {
        // Only the file name and the reason reach the client: the kit's write errors never hold the key.
        throw new HttpError(500, 'state-not-saved', `the result was not saved, try again: ${e.message}`);
      }
      throw e;
    }
    send(res, 200, JSON.stringify(r));
    return ` ${r.result}`;
  }

  const server = createServer((req, res) => {
    const started = log === undefined ? 0 : performance.now();
    handle(req, res).then(
      (note) => {
        if (log !== undefined) logLine(log, req, res.statusCode, started, note);
      },
      (e: unknown) => {
        const h = e instanceof HttpError ? e : new HttpError(500, 'internal-error', 'internal error');
        send(res, h.status, errorBody(h.code, h.message), h.headers);
        if (log !== undefined) logLine(log, req, h.status, started, ` ${h.code}`);
      },
    );
  });
  // A small server for one meter: drop clients that dawdle over their headers or body.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;

  return {
    server,
    queue,
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await queue.close();
      // Every submitted token has been answered; whoever is still connected gets cut off.
      server.closeAllConnections();
      await closed;
    },
  };
}

function logLine(
  log: (line: string) => void,
  req: IncomingMessage,
  status: number,
  started: number,
  note: string,
): void {
  const ms = (performance.now() - started).toFixed(1);
  const path = (req.url ?? '/').slice(0, 60).replace(/[^\x21-\x7e]/g, '?');
  log(`${new Date().toISOString()} ${req.method} ${path} ${status} ${ms}ms${note}`);
}
