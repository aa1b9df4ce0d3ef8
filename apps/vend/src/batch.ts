// The JSON Lines batch engine: cut the input into pieces of whole lines, answer them on this thread or in
// worker threads, write the answers in input order. Flat memory: few pieces in flight, backpressure obeyed.
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CliError, checkStdin, EXIT, type ParsedArgs, shown, systemReason, usageError } from 'sts-cli-kit';
import type { LineAnswerer } from './batch-lines.ts';
import { WorkerPool, type WorkerSetup } from './batch-pool.ts';
import type { PieceOutput } from './batch-worker.ts';
import type { CommandResult } from './output.ts';
import { createProgress, type Progress } from './progress.ts';

export interface BatchResult {
  /** Non-empty lines answered. */
  lines: number;
  /** Lines answered with an error. */
  failed: number;
}

/** Bytes per read: big enough that the per-read costs (one await) vanish. */
const CHUNK_BYTES = 64 * 1024;

export interface BatchInput {
  stream: Readable;
  /** Size of the input file, for the progress display; undefined for stdin. */
  size: number | undefined;
}

/** What a batch input is called in messages. */
const WHAT = 'batch input';

/**
 * Open `path` (or stdin for `-`) for a batch. Refused at once, one line and exit 2, as the kit's
 * readInput refuses: a missing or unreadable file, a directory, and anything that is not a regular
 * file, a pipe or a socket (`/dev/zero`, `/dev/urandom`: devices that never end). A terminal is fine
 * as stdin (lines typed one at a time).
 */
export async function openBatchInput(path: string): Promise<BatchInput> {
  if (path === '-') {
    checkStdin(WHAT);
    return { stream: process.stdin, size: undefined };
  }
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile() && !stat.isFIFO() && !stat.isSocket()) {
      const kind = stat.isDirectory()
        ? 'is a directory'
        : `not a regular file (${stat.isCharacterDevice() ? 'character device' : stat.isBlockDevice() ? 'block device' : 'special file'})`;
      throw new CliError('not-regular-file', `cannot read ${WHAT} ${path}: ${kind}`, EXIT.usage);
    }
    return {
      stream: handle.createReadStream({ highWaterMark: CHUNK_BYTES }),
      size: stat.isFile() ? stat.size : undefined,
    };
  } catch (error) {
    await handle?.close().catch(() => {});
    if (error instanceof CliError) throw error;
    throw new CliError('unreadable-file', `cannot read ${WHAT} ${path}: ${systemReason(error)}`, EXIT.usage);
  }
}

/** How a batch answers its lines. */
export interface BatchPlan {
  /** The answerer of the main thread (small inputs, and while workers load). */
  createAnswerer: () => LineAnswerer;
  /** The module (URL) and factory from which each worker builds its own answerer; none: one thread. */
  worker?: WorkerSetup;
  /** Sees the notes of each piece on the main thread, in input order (the duplicate-TID check). */
  onNotes?: (notes: unknown) => void;
}

/**
 * Bytes of input per piece (whole lines) handed to a worker or answered at once: a few thousand lines,
 * so the per-piece costs (a message each way, one write) vanish and a piece's garbage dies young.
 */
const PIECE_BYTES = 256 * 1024;

/**
 * Inputs smaller than this stay on the main thread: starting workers (each loads the libraries through
 * tsx) costs more than it saves. Stdin (size unknown) starts them once this much has been read.
 */
const WORKERS_FROM_BYTES = 2 * 1024 * 1024;

/**
 * A piece bigger than this (a few very long lines) is answered on the main thread: a worker's heap is
 * capped (batch-pool.ts), the main thread's is not.
 */
const WORKER_PIECE_LIMIT = 8 * 1024 * 1024;

/**
 * The longest line a batch takes. A request is a few hundred bytes; the bound keeps memory flat when
 * the input has no newline at all (`cat /dev/zero | sts-vend token --batch -`).
 */
export const MAX_LINE_BYTES = WORKER_PIECE_LIMIT;

/**
 * Most workers by default: each adds ~25 MB of peak memory (its heap, its copy of the libraries), and
 * past a few the main thread (reading, ordering, writing) is the limit anyway.
 */
const MAX_WORKERS = 4;

/**
 * Worker threads for a batch: `STS_VEND_WORKERS` (0 = all on the main thread) or, unset, one per core
 * (at least 2, at most 4) when the input is big enough; never for a terminal (lines typed one at a time).
 * `forced` (the variable is set): workers for any input, and a batch fails if they cannot start.
 */
export function batchWorkers(input: BatchInput): { count: number; forced: boolean; fromBytes: number } {
  const setting = process.env.STS_VEND_WORKERS;
  if (setting !== undefined && setting !== '') {
    if (!/^\d+$/.test(setting) || Number(setting) > 64)
      throw new CliError(
        'usage',
        `STS_VEND_WORKERS must be a whole number from 0 to 64, got '${setting.slice(0, 20)}'`,
        EXIT.usage,
      );
    return { count: Number(setting), forced: true, fromBytes: 0 };
  }
  if ((input.stream as { isTTY?: boolean }).isTTY === true) return { count: 0, forced: false, fromBytes: 0 };
  if (input.size !== undefined && input.size < WORKERS_FROM_BYTES)
    return { count: 0, forced: false, fromBytes: 0 };
  const count = Math.min(MAX_WORKERS, Math.max(2, availableParallelism()));
  return { count, forced: false, fromBytes: input.size === undefined ? WORKERS_FROM_BYTES : 0 };
}

/** `bytes` joined into one buffer of its own (never a slice of Node's shared pool: it may be moved to a worker). */
function ownBytes(parts: Buffer[], length: number): Buffer {
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) at += part.copy(out, at);
  return out;
}

/** Resolves when `output` has room again, or is closed or broken. */
function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      output.off('drain', done);
      output.off('close', done);
      output.off('error', done);
      resolve();
    };
    output.on('drain', done);
    output.on('close', done);
    output.on('error', done);
  });
}

function lineTooLong(line: number): CliError {
  return new CliError(
    'line-too-long',
    `${WHAT} line ${line}: longer than ${MAX_LINE_BYTES} bytes`,
    EXIT.usage,
  );
}

function countNewlines(bytes: Buffer): number {
  let count = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) count++;
  return count;
}

/**
 * Run a batch: every non-empty line of `input` is answered (by the plan's answerer, on the main thread
 * or in worker threads) and the answers are written to `output` one line each, in input order. Blank
 * lines are skipped but still counted, so line numbers match the file. Memory stays flat: a bounded
 * number of pieces is in flight, and stdout backpressure is obeyed. Resolves when the output has taken
 * everything.
 */
export async function runBatch(
  input: BatchInput,
  output: Writable,
  plan: BatchPlan,
  progress: Progress,
): Promise<BatchResult> {
  const workers = plan.worker === undefined ? { count: 0, forced: false, fromBytes: 0 } : batchWorkers(input);
  if (workers.count === 0 && workers.forced) workers.forced = false;
  // Regular files are read as fast as they go; a pipe's lines are answered as soon as they arrive.
  const interactive = input.size === undefined;
  let pool: WorkerPool | undefined;
  let local: LineAnswerer | undefined;

  let lines = 0;
  let failed = 0;
  let bytesRead = 0;
  let outputClosed = false;
  let outputError: Error | undefined;
  let failure: Error | undefined;
  let sent = 0; // pieces numbered so far
  let written = 0; // pieces written so far (all before `written` are out)
  const answered = new Map<number, PieceOutput>();
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleep = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  const onOutputError = (error: NodeJS.ErrnoException) => {
    // EPIPE: the reader went away (`sts-vend ... | head`): stop quietly, like other Unix filters.
    outputClosed = true;
    if (error.code !== 'EPIPE') outputError = error;
    wakeUp();
  };
  output.on('error', onOutputError);

  /** Keep `answer` for piece `seq`, and write every piece now due, in order. */
  const deliver = (seq: number, answer: PieceOutput) => {
    answered.set(seq, answer);
    for (let due = answered.get(written); due !== undefined; due = answered.get(written)) {
      answered.delete(written);
      written++;
      lines += due.lines;
      failed += due.failed;
      if (due.notes !== undefined) plan.onNotes?.(due.notes);
      if (due.output.length > 0 && !outputClosed) output.write(due.output);
    }
    progress.update(lines, bytesRead);
    wakeUp();
  };

  /**
   * Answer a piece: in a worker once they are started (waiting for one to load or to have room), on this
   * thread before. Answering here while they load was tried: it slowed their start on two cores and grew
   * this thread's heap for the rest of the batch.
   */
  const dispatch = async (bytes: Buffer, firstLine: number) => {
    if (pool === undefined && workers.count > 0 && bytesRead >= workers.fromBytes) {
      pool = new WorkerPool(workers.count, plan.worker!, {
        ready: wakeUp,
        answer: deliver,
        error: (error) => {
          failure ??= error;
          wakeUp();
        },
        unavailable: (error) => {
          // Without workers the batch still runs, on this thread, unless workers were asked for.
          if (workers.forced) failure ??= error;
          else workers.count = 0;
          pool = undefined;
          wakeUp();
        },
      });
    }
    if (local !== undefined && pool?.ready) {
      // The workers have taken over: the keys this thread prepared meanwhile are wiped and freed.
      local.destroy();
      local = undefined;
    }
    const seq = sent++;
    for (;;) {
      if (failure !== undefined) throw failure;
      if (outputClosed) return;
      if (bytes.length <= WORKER_PIECE_LIMIT && pool?.submit({ seq, firstLine, bytes })) break;
      if (pool === undefined || bytes.length > WORKER_PIECE_LIMIT) {
        local ??= plan.createAnswerer();
        const { text, lines, failed, notes } = local.answerPiece(bytes.toString('utf8'), firstLine);
        deliver(seq, { output: text, lines, failed, notes });
        break;
      }
      await sleep();
    }
    // Answers are written as they come (in worker events too): wait here while the output is full.
    while (output.writableNeedDrain && !outputClosed) await drained(output);
  };

  try {
    let parts: Buffer[] = [];
    let partBytes = 0;
    let nextLine = 1;
    for await (const chunk of input.stream as AsyncIterable<Buffer | string>) {
      if (outputClosed) break;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      bytesRead += bytes.length;
      parts.push(bytes);
      partBytes += bytes.length;
      if (partBytes < PIECE_BYTES && !(interactive && input.stream.readableLength === 0)) continue;
      // Cut after the last newline; the partial line after it starts the next piece.
      let last = parts.length - 1;
      let cut = -1;
      for (; last >= 0 && cut === -1; last--) cut = parts[last]!.lastIndexOf(10);
      if (cut === -1) {
        if (partBytes > MAX_LINE_BYTES) throw lineTooLong(nextLine);
        continue;
      }
      last++;
      const tail = parts[last]!;
      const head = parts.slice(0, last);
      head.push(tail.subarray(0, cut + 1));
      const rest = [tail.subarray(cut + 1), ...parts.slice(last + 1)].filter((p) => p.length > 0);
      const pieceLength = partBytes - rest.reduce((n, p) => n + p.length, 0);
      const piece = ownBytes(head, pieceLength);
      parts = rest;
      partBytes -= pieceLength;
      const firstLine = nextLine;
      nextLine += countNewlines(piece);
      await dispatch(piece, firstLine);
      if (partBytes > MAX_LINE_BYTES) throw lineTooLong(nextLine);
    }
    if (partBytes > 0 && !outputClosed) await dispatch(ownBytes(parts, partBytes), nextLine);
    while (written < sent && !outputClosed) {
      if (failure !== undefined) throw failure;
      await sleep();
    }
    while (output.writableNeedDrain && !outputClosed) await drained(output);
    progress.update(lines, bytesRead);
    progress.finish();
  } finally {
    output.off('error', onOutputError);
    local?.destroy();
    await pool?.close(failure !== undefined || outputClosed);
  }
  if (outputError)
    throw new CliError(
      'write-failed',
      `cannot write the output: ${systemReason(outputError)}`,
      EXIT.internal,
    );
  return { lines, failed };
}

/** Fail when any of `names` was given: those options do not apply here. */
function rejectOptions(parsed: ParsedArgs, names: readonly string[], context: string): void {
  for (const name of names) {
    if (parsed.values[name] !== undefined) throw usageError(`--${name} does not apply to ${context}`);
  }
}

/**
 * `<command> --batch FILE|-`: refuse the single-request options (each line carries its own request,
 * so they would be silently ignored), run the batch to stdout with a progress line on stderr, exit 1
 * when any line failed. `plan` may need the progress display (the duplicate-TID warnings go through it).
 */
export async function runBatchCommand(
  command: string,
  parsed: ParsedArgs,
  path: string,
  plan: (progress: Progress) => BatchPlan,
): Promise<CommandResult> {
  const requestOptions = Object.keys(parsed.values).filter((name) => name !== 'batch' && name !== 'json');
  rejectOptions(parsed, requestOptions, `${command} --batch (each line carries its own request)`);
  if (parsed.positionals.length > 0) {
    throw usageError(`unexpected argument ${shown(parsed.positionals[0]!)} with --batch`);
  }
  const input = await openBatchInput(path);
  const progress = createProgress(process.stderr, input.size);
  const result = await runBatch(input, process.stdout, plan(progress), progress);
  return { stdout: '', exitCode: result.failed > 0 ? EXIT.failed : EXIT.ok };
}
