// POST /v1/tokens/batch: JSON Lines in, JSON Lines out, streamed and in order; sts-vend's batch line
// contract with config_ref instead of a configuration. Each chunk of lines is committed before it is answered.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceContext } from '../context.ts';
import type { Principal } from '../http/auth.ts';
import { ApiError } from '../http/envelope.ts';
import { batchInBoundary, boundaryBatchFits } from './batch-in-boundary.ts';
import { LineTooLong } from './batch-line.ts';
import { batchHere } from './batch-on-server.ts';

/** Bytes of answers that may wait for the client before the batch waits for it (a few chunks' worth). */
const WRITE_BACKLOG = 4 * 1024 * 1024;

/**
 * The lines go to the key boundary's thread in chunks when the store takes rows in columns and leaves
 * TIDs to its unique index (SQLite); otherwise (PostgreSQL's TID counters) they are worked here.
 */
export async function postBatch(
  ctx: ServiceContext,
  who: Principal,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
): Promise<void> {
  const md5 = createHash('md5');
  const declared = String(req.headers['content-md5'] ?? '').toUpperCase();
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-store',
    'x-request-id': requestId,
  });
  const io = {
    md5,
    closed: () => closed,
    async write(text: string): Promise<void> {
      // A slow reader is waited for only past WRITE_BACKLOG: waiting at every chunk's answers would
      // leave this thread idle while the next chunk is ready to record.
      if (text !== '' && !res.write(text) && res.writableLength > WRITE_BACKLOG && !closed)
        await once(res, 'drain');
    },
  };
  try {
    await (boundaryBatchFits(ctx.store) ? batchInBoundary : batchHere)(ctx, who, req, requestId, io);
    if (md5.digest('hex').toUpperCase() !== declared)
      await io.write(
        `${JSON.stringify({ id: null, error: { code: 'content-md5-mismatch', message: 'the Content-MD5 header does not match the body' } })}\n`,
      );
  } catch (e) {
    const message =
      e instanceof LineTooLong ? e.message : e instanceof ApiError ? e.message : 'internal error';
    const code = e instanceof LineTooLong ? 'line-too-long' : e instanceof ApiError ? e.code : 'internal';
    if (!closed) res.write(`${JSON.stringify({ id: null, error: { code, message } })}\n`);
  }
  res.end();
}
