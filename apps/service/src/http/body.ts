// Reading a request body with a bound: a declared length over the bound is refused before reading,
// a streamed body is cut off at the bound (413 either way, and the connection is closed).
import type { IncomingMessage } from 'node:http';
import { ApiError } from './envelope.ts';

export const MAX_BODY_BYTES = 256 * 1024;

function tooLarge(max: number): ApiError {
  return new ApiError(413, 'body-too-large', `the request body is larger than ${max} bytes`, undefined, {
    connection: 'close',
  });
}

/** Refuse a Content-Length over `max` before reading anything. */
export function checkDeclaredLength(req: IncomingMessage, max: number): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) throw tooLarge(max);
}

export async function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer> {
  checkDeclaredLength(req, max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/** The body as a JSON object, or 400 naming what is wrong. */
export function jsonObject(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'bad-json', 'the request body is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ApiError(400, 'bad-json', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}
