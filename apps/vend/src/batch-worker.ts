// A batch worker thread: answers pieces of a JSON Lines batch with its own LineAnswerer (its own key
// cache) and posts each answer back under the piece's sequence number; the main thread keeps the order.
import { parentPort } from 'node:worker_threads';
import type { LineAnswerer, PieceAnswer } from './batch-lines.ts';

/** One piece of input: whole lines (UTF-8), the first being line `firstLine` of the batch. */
export interface PieceJob {
  seq: number;
  firstLine: number;
  bytes: Uint8Array;
}

/**
 * A piece's answer as it travels: the response lines already encoded (UTF-8) in a buffer of their own,
 * moved to the main thread, which writes them as they are (no string on its heap, no encoding there).
 */
export interface PieceOutput extends Omit<PieceAnswer, 'text'> {
  output: Uint8Array | string;
}

/** A worker's messages: ready once loaded, then one answer (or failure) per piece. */
export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'answer'; seq: number; answer: PieceOutput }
  | { kind: 'failed'; seq: number; name: string; message: string };

/** Sent instead of a piece when the batch is over: the worker wipes its keys and ends. */
export const CLOSE = 'close';

/** The worker's main loop (its bundled entry calls it with the batch's answerer factory). */
export function serveBatch(createAnswerer: () => LineAnswerer): void {
  const port = parentPort;
  if (port === null) throw new Error('serveBatch runs in a worker thread');
  const answerer = createAnswerer();
  port.on('message', (job: PieceJob | typeof CLOSE) => {
    if (job === CLOSE) {
      answerer.destroy();
      port.close();
      return;
    }
    let reply: WorkerReply;
    let output: Buffer | undefined;
    try {
      const { buffer, byteOffset, byteLength } = job.bytes;
      const { text, lines, failed, notes } = answerer.answerPiece(
        Buffer.from(buffer, byteOffset, byteLength).toString('utf8'),
        job.firstLine,
      );
      // A buffer of its own (never a slice of Node's shared pool), so that it can be moved.
      output = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
      output.write(text, 'utf8');
      reply = { kind: 'answer', seq: job.seq, answer: { output, lines, failed, notes } };
    } catch (error) {
      // A bug: its kind and first line only (never a stack, never the object: it might hold a key).
      const name = error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : '';
      reply = { kind: 'failed', seq: job.seq, name, message };
    }
    port.postMessage(reply, output === undefined ? [] : [output.buffer as ArrayBuffer]);
  });
  port.postMessage({ kind: 'ready' } satisfies WorkerReply);
}
