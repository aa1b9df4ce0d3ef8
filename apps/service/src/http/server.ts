// The HTTP API on node:http: Nectar's paths and envelope, real status codes, every request authenticated.
// No framework: a dozen routes, and the body bound, auth order and streaming need control a framework would hide.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { postBatch } from '../api/batch.ts';
import { getConfiguration, postConfiguration, setConfigurationActivated } from '../api/configurations.ts';
import { queryRef } from '../api/fields.ts';
import { OPENAPI } from '../api/openapi.ts';
import { listPublicKeys, postPublicKey, setPublicKeyActivated } from '../api/public-keys.ts';
import { decodeTokenEndpoint, getToken, IdempotencyRace, postToken } from '../api/tokens.ts';
import { randomHex, type ServiceContext } from '../context.ts';
import { authenticate, md5Hex, type Permission, type Principal, requirePermission } from './auth.ts';
import { jsonObject, readBody } from './body.ts';
import { ApiError, okBody, sendError, sendJson } from './envelope.ts';

export interface ServiceInfo {
  servicePub: string;
  fingerprint: string;
}

type Handler = (ctx: ServiceContext, who: Principal, r: RequestParts) => Promise<unknown>;
interface RequestParts {
  query: URLSearchParams;
  body: Buffer;
  tail: string;
}

interface Route {
  permission: Permission;
  handler: Handler;
}

const json = (r: RequestParts): Record<string, unknown> => jsonObject(r.body);

const ROUTES: Record<string, Record<string, Route>> = {
  '/v1/public_keys': {
    POST: { permission: 'create_public_keys', handler: (c, w, r) => postPublicKey(c, w, json(r)) },
    GET: { permission: 'get_public_keys', handler: (c, w, r) => listPublicKeys(c, w, r.query) },
    PUT: {
      permission: 'create_public_keys',
      handler: (c, w, r) => setPublicKeyActivated(c, w, queryRef(r.query), true),
    },
    DELETE: {
      permission: 'create_public_keys',
      handler: (c, w, r) => setPublicKeyActivated(c, w, queryRef(r.query), false),
    },
  },
  '/v1/configurations': {
    POST: { permission: 'create_configurations', handler: (c, w, r) => postConfiguration(c, w, json(r)) },
    GET: {
      permission: 'get_configurations',
      handler: (c, w, r) => getConfiguration(c, w, r.query, queryRef(r.query)),
    },
    PUT: {
      permission: 'activate_configurations',
      handler: (c, w, r) => setConfigurationActivated(c, w, queryRef(r.query), true),
    },
    DELETE: {
      permission: 'deactivate_configurations',
      handler: (c, w, r) => setConfigurationActivated(c, w, queryRef(r.query), false),
    },
  },
  '/v1/tokens': {
    GET: { permission: 'get_token', handler: (c, w, r) => getToken(c, w, queryRef(r.query)) },
  },
  '/v1/tokens/': {
    POST: { permission: 'decode_token', handler: (c, w, r) => decodeTokenEndpoint(c, w, r.tail, json(r)) },
  },
};

const IDEMPOTENCY_RE = /^[\x21-\x7e]{1,200}$/;

export function createApiServer(ctx: ServiceContext, info: ServiceInfo, log: (line: string) => void): Server {
  const idempotencyInFlight = new Map<string, Promise<unknown>>();

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const queryText = q === -1 ? '' : url.slice(q);
    const query = new URLSearchParams(queryText);

    if (path === '/healthz' && method === 'GET') return sendJson(res, 200, okBody({ ok: true }, requestId));
    if (path === '/openapi.json' && method === 'GET') return sendJson(res, 200, JSON.stringify(OPENAPI));
    if (path === '/v1/service_key' && method === 'GET')
      return sendJson(res, 200, okBody({ key: info.servicePub, fingerprint: info.fingerprint }, requestId));
    if (path === '/v1/tokens/batch') {
      if (method !== 'POST') throw methodNotAllowed(['POST']);
      const who = await authenticate(ctx, {
        method,
        path,
        query: queryText,
        headers: req.headers,
        bodyMd5: undefined,
      });
      requirePermission(who, 'generate_token');
      return postBatch(ctx, who, req, res, requestId);
    }
    if (path === '/v1/tokens' && method === 'POST') return tokenRequest(req, res, requestId, path, queryText);

    const prefix = path.startsWith('/v1/tokens/') ? '/v1/tokens/' : path;
    const routes = ROUTES[prefix];
    if (routes === undefined)
      throw new ApiError(
        404,
        'no-such-path',
        `no endpoint ${path.length > 60 ? `${path.slice(0, 60)}…` : path}`,
      );
    const route = routes[method];
    if (route === undefined) throw methodNotAllowed(Object.keys(routes));
    const body = await readBody(req);
    const who = await authenticate(ctx, {
      method,
      path,
      query: queryText,
      headers: req.headers,
      bodyMd5: md5Hex(body),
    });
    requirePermission(who, route.permission);
    const data = await route.handler(ctx, who, {
      query,
      body,
      tail: decodeURIComponent(path.slice(prefix.length)),
    });
    sendJson(res, 200, okBody(data, requestId), { 'x-request-id': requestId });
  }

  async function tokenRequest(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    path: string,
    queryText: string,
  ): Promise<void> {
    const body = await readBody(req);
    const who = await authenticate(ctx, {
      method: 'POST',
      path,
      query: queryText,
      headers: req.headers,
      bodyMd5: md5Hex(body),
    });
    requirePermission(who, 'generate_token');
    const keyHeader = req.headers['idempotency-key'];
    const key = Array.isArray(keyHeader) ? keyHeader[0] : keyHeader;
    if (key === undefined) {
      const r = await postToken(
        ctx,
        who,
        json({ query: new URLSearchParams(), body, tail: '' }),
        requestId,
        undefined,
      );
      return sendJson(res, r.status, r.body, { 'x-request-id': requestId });
    }
    if (!IDEMPOTENCY_RE.test(key))
      throw new ApiError(
        400,
        'invalid-idempotency-key',
        'Idempotency-Key must be 1 to 200 printable ASCII characters',
      );
    const requestHash = createHash('sha256').update(`POST\n${path}\n`).update(body).digest('hex');
    const slot = `${who.tenant}\0${key}`;
    // One request per key at a time in this process; the store's unique key covers the others.
    for (;;) {
      const running = idempotencyInFlight.get(slot);
      if (running === undefined) break;
      await running.catch(() => undefined);
    }
    const stored = await ctx.store.idempotentAnswer(who.tenant, key);
    if (stored !== undefined) return replay(res, stored, requestHash, requestId);
    const work = postToken(ctx, who, json({ query: new URLSearchParams(), body, tail: '' }), requestId, {
      key,
      requestHash,
    });
    idempotencyInFlight.set(slot, work);
    try {
      const r = await work;
      sendJson(res, r.status, r.body, { 'x-request-id': requestId });
    } catch (e) {
      if (!(e instanceof IdempotencyRace)) throw e;
      const again = await ctx.store.idempotentAnswer(who.tenant, key);
      if (again === undefined) throw e;
      replay(res, again, requestHash, requestId);
    } finally {
      idempotencyInFlight.delete(slot);
    }
  }

  function replay(
    res: ServerResponse,
    stored: { requestHash: string; status: number; body: string },
    hash: string,
    requestId: string,
  ): void {
    if (stored.requestHash !== hash)
      throw new ApiError(
        422,
        'idempotency-key-reused',
        'this Idempotency-Key was used with another request body',
      );
    sendJson(res, stored.status, stored.body, { 'x-request-id': requestId, 'idempotent-replayed': 'true' });
  }

  return createServer(
    { requestTimeout: 300_000, headersTimeout: 30_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      const requestId = randomHex(8);
      handle(req, res, requestId).catch((e: unknown) => {
        if (e instanceof ApiError) {
          sendError(res, e, requestId);
          // A refused body is not read to its end: close the connection instead.
          if (e.status === 413) res.on('finish', () => req.destroy());
          return;
        }
        log(`request ${requestId}: internal error: ${(e as Error)?.name ?? 'Error'}`);
        sendError(res, new ApiError(500, 'internal', `internal error (request ${requestId})`), requestId);
      });
    },
  );
}

function methodNotAllowed(allowed: string[]): ApiError {
  return new ApiError(405, 'method-not-allowed', `allowed methods: ${allowed.join(', ')}`, undefined, {
    allow: allowed.join(', '),
  });
}
