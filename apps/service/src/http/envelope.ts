// Nectar's response envelope with real HTTP status codes: {status: {code, message, request_id}, data: {data}}.
// Errors carry the same status block and a stable error.code; never a stack, a secret or a huge echo.
import type { ServerResponse } from 'node:http';

/** An error answer: HTTP status, stable code, one line. `details`: e.g. the config errors with line and column. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly string[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    status: number,
    code: string,
    message: string,
    details?: readonly string[],
    headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

const REASON: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function okBody(data: unknown, requestId: string, message = 'OK'): string {
  return JSON.stringify({ status: { code: 200, message, request_id: requestId }, data: { data } });
}

export function errorBody(e: ApiError, requestId: string): string {
  return JSON.stringify({
    status: { code: e.status, message: e.message, request_id: requestId },
    error: { code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) },
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  extra?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, REASON[status] ?? '', {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(body);
}

export function sendError(res: ServerResponse, e: ApiError, requestId: string): void {
  sendJson(res, e.status, errorBody(e, requestId), { ...e.headers, 'x-request-id': requestId });
}

/** A user value for a message: short, and never a long run of hex (it may be a key). */
export function shown(v: unknown, max = 40): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  if (/[0-9a-fA-F]{16,}/.test(text))
    return `a value with ${text.length} characters (not shown: it may be a key)`;
  return text.length > max
    ? `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`
    : JSON.stringify(text);
}
