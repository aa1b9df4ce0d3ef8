// A small real HTTP server on loopback for the SDK's tests: it checks every request's Nectar signature
// with verifySignature (as sts-service does), records what it received, and answers as each test says.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5Hex, parseAuthorization, parseRequestDate, verifySignature } from '../../src/index.ts';

export const KEY = 'test-key-1';
export const SECRET = 'test-secret-ÿ-1';

/** What the server received, after its signature checked out. */
export interface Received {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

/** How to answer: an envelope's data (status 200), a full answer, or a fault. */
export type Answer =
  | { data: unknown; status?: number }
  | { status: number; raw: string; headers?: Record<string, string> }
  | { status: number; envelope: unknown; headers?: Record<string, string> }
  | { ndjson: string[] }
  | 'destroy'
  | 'hang';

export interface TestServer {
  url: string;
  received: Received[];
  /** Requests refused by the signature check (with the reason). */
  refused: string[];
  respond: (request: Received) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with a free port; `pages` are served unsigned (GET, text/html). */
export async function startServer(
  respond: TestServer['respond'],
  pages: Record<string, string> = {},
): Promise<TestServer> {
  const usedNonces = new Set<string>();
  const state: TestServer = {
    url: '',
    received: [],
    refused: [],
    respond,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const page = req.method === 'GET' ? pages[req.url ?? ''] : undefined;
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(page);
    }
    handle(req, res, state, usedNonces).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = state.close;
  state.close = () => {
    server.closeAllConnections();
    return close();
  };
  return state;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: TestServer, usedNonces: Set<string>) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const bodyBytes = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://x');
  const refusal = await checkSignature(req, url.pathname, bodyBytes, usedNonces);
  if (refusal !== undefined) {
    state.refused.push(refusal);
    return send(res, 401, JSON.stringify(envelope(401, 'wrong key or signature', { code: 'unauthorized' })));
  }
  const body = bodyBytes.toString('utf8');
  const received: Received = {
    method: req.method ?? '',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    json: body !== '' && req.headers['content-type'] === 'application/json' ? JSON.parse(body) : undefined,
  };
  state.received.push(received);
  const answer = await state.respond(received);
  if (answer === 'destroy') return req.socket.destroy();
  if (answer === 'hang') return;
  if ('ndjson' in answer) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const line of answer.ndjson) res.write(line);
    return res.end();
  }
  if ('raw' in answer) return send(res, answer.status, answer.raw, answer.headers);
  if ('envelope' in answer) return send(res, answer.status, JSON.stringify(answer.envelope), answer.headers);
  const status = answer.status ?? 200;
  return send(res, status, JSON.stringify(envelope(status, 'OK', undefined, answer.data)));
}

/** The reason a request is refused, or undefined when its key, signature, body MD5, Date and nonce are good. */
async function checkSignature(
  req: IncomingMessage,
  path: string,
  body: Buffer,
  usedNonces: Set<string>,
): Promise<string | undefined> {
  const auth = parseAuthorization(req.headers.authorization);
  if (auth === undefined || auth.key !== KEY) return 'no or unknown key';
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : '';
  };
  // A browser drops the Date header a script sets: the signed date then comes in X-Date.
  const date = header('date') || header('x-date');
  const ok = await verifySignature({
    method: req.method ?? '',
    path,
    contentMd5: header('content-md5'),
    contentType: header('content-type'),
    date,
    nonce: header('nonce'),
    secret: SECRET,
    signature: auth.signature,
  });
  if (!ok) return 'bad signature';
  if (md5Hex(new Uint8Array(body)) !== header('content-md5')) return 'body MD5 does not match';
  const when = parseRequestDate(date);
  if (when === undefined || Math.abs(when - Date.now()) > 5 * 60_000) return 'Date missing or too far off';
  if (usedNonces.has(header('nonce'))) return 'nonce used before';
  usedNonces.add(header('nonce'));
  return undefined;
}

export function envelope(code: number, message: string, error?: unknown, data?: unknown) {
  return {
    status: { code, message, request_id: `req-${code}` },
    ...(error !== undefined ? { error } : {}),
    ...(data !== undefined ? { data: { data } } : {}),
  };
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
