// The JSON Lines batch engine: split input chunks into lines, answer each line, write in input order.
// Constant memory: one input chunk and its answers are alive at a time, and stdout backpressure is obeyed.
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CliError, EXIT_USAGE } from './errors.ts';
import type { Progress } from './progress.ts';

/** Answers one request line; `failed` marks an error response (the exit code becomes 1). */
export type LineHandler = (request: unknown, lineNumber: number) => { response: string; failed: boolean };

export interface BatchResult {
  /** Non-empty lines answered. */
  lines: number;
  /** Lines answered with an error. */
  failed: number;
}

/**
 * Prepared decoder keys a batch keeps (sts-token's RequestCache LRU): enough for meters that come back
 * within a few thousand lines, small enough that memory stays flat (each key holds its schedule).
 */
export const BATCH_CACHED_KEYS = 4096;

/**
 * Bytes per read: big enough that the per-chunk costs (one write, one await) vanish, small enough that a
 * chunk's answers die young (a bigger chunk keeps them alive across scavenges and grows the old heap).
 */
const CHUNK_BYTES = 64 * 1024;

export interface BatchInput {
  stream: Readable;
  /** Size of the input file, for the progress display; undefined for stdin. */
  size: number | undefined;
}

/** Open `path` (or stdin for `-`) for a batch; an unreadable file is a usage error (exit 2). */
export async function openBatchInput(path: string): Promise<BatchInput> {
  if (path === '-') return { stream: process.stdin, size: undefined };
  try {
    const handle = await open(path, 'r');
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw new CliError('unreadable-file', `cannot read ${path}: it is a directory`, EXIT_USAGE);
    }
    return {
      stream: handle.createReadStream({ highWaterMark: CHUNK_BYTES }),
      size: stat.isFile() ? stat.size : undefined,
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('unreadable-file', `cannot read ${path}: ${systemReason(error)}`, EXIT_USAGE);
  }
}

/** The short reason of a file-system error (`no such file`), never a stack. */
export function systemReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  }
}

/** The response line for a line that is not JSON. */
function badJsonLine(lineNumber: number, error: unknown): string {
  const reason = error instanceof Error ? error.message : 'not JSON';
  return JSON.stringify({ id: null, error: { code: 'bad-json', message: `line ${lineNumber}: ${reason}` } });
}

/**
 * Run a batch: every non-empty line of `input` goes through JSON.parse and `handle`, and the answers
 * are written to `output` one line each, in input order. Blank lines are skipped but still counted,
 * so line numbers match the file. Resolves when the output has taken everything.
 */
export async function runBatch(
  input: BatchInput,
  output: Writable,
  handle: LineHandler,
  progress: Progress,
): Promise<BatchResult> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNumber = 0;
  let lines = 0;
  let failed = 0;
  let bytesRead = 0;
  let outputClosed = false;
  let outputError: Error | undefined;
  const onOutputError = (error: NodeJS.ErrnoException) => {
    // EPIPE: the reader went away (`sts-vend ... | head`): stop quietly, like other Unix filters.
    outputClosed = true;
    if (error.code !== 'EPIPE') outputError = error;
  };
  output.on('error', onOutputError);

  const answer = (text: string, out: string[]) => {
    lineNumber++;
    // Trim only when needed: most lines have no \r or surrounding blanks.
    let line = text;
    if (line.length === 0) return;
    const last = line.charCodeAt(line.length - 1);
    if (last === 13 /* \r */ || last === 32 || line.charCodeAt(0) === 32) {
      line = line.trim();
      if (line.length === 0) return;
    }
    lines++;
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (error) {
      failed++;
      out.push(badJsonLine(lineNumber, error));
      return;
    }
    const result = handle(request, lineNumber);
    if (result.failed) failed++;
    out.push(result.response);
  };

  const flush = async (out: string[]) => {
    if (out.length === 0 || outputClosed) return;
    out.push('');
    if (!output.write(out.join('\n'))) {
      await Promise.race([once(output, 'drain'), once(output, 'close')]);
    }
  };

  for await (const chunk of input.stream as AsyncIterable<Buffer | string>) {
    if (outputClosed) break;
    bytesRead += chunk.length;
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const out: string[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      answer(text.slice(start, newline), out);
      start = newline + 1;
    }
    carry = text.slice(start);
    await flush(out);
    progress.update(lines, bytesRead);
  }
  const out: string[] = [];
  const rest = carry + decoder.end();
  if (rest.length > 0) answer(rest, out);
  await flush(out);
  progress.update(lines, bytesRead);
  progress.finish();
  output.off('error', onOutputError);
  if (outputError)
    throw new CliError('write-failed', `cannot write the output: ${systemReason(outputError)}`, 70);
  return { lines, failed };
}
