// Bounded input for every app: files and standard input are read with a limit that stops the read
// at the limit, never after it; devices such as /dev/zero are refused before a byte is read.

import type { Stats } from 'node:fs';
import { constants, promises as fs, fstatSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty } from 'node:tty';
import { CliError, EXIT } from './errors.ts';
import { systemReason } from './system-reason.ts';

/** The default bound of an input file: every config, key, bundle file or share is far smaller. */
export const MAX_INPUT_BYTES = 1 << 20;

export interface InputOptions {
  /** What the file is, for messages: 'config', 'signer public key', 'state file'. */
  what: string;
  /** Refuse more than this many bytes (default MAX_INPUT_BYTES). */
  maxBytes?: number;
  /** Standard input, for the path '-' (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

const CHUNK = 64 * 1024;

function label(what: string, file: string): string {
  return file === '-' ? `${what} from standard input` : what ? `${what} ${file}` : file;
}

/** What a file is, when it is none of the kinds an input may be. */
function kindOf(st: Stats): string {
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic link';
  return 'special file';
}

/** Regular files, pipes and sockets carry data with an end; devices such as /dev/zero may never end. */
function isReadableKind(st: Stats): boolean {
  return st.isFile() || st.isFIFO() || st.isSocket();
}

function notReadable(what: string, file: string, st: Stats): CliError {
  const reason = st.isDirectory() ? 'is a directory' : `not a regular file (${kindOf(st)})`;
  return new CliError('not-regular-file', `cannot read ${label(what, file)}: ${reason}`, EXIT.usage);
}

function tooLarge(what: string, file: string, maxBytes: number): CliError {
  return new CliError(
    'too-large',
    `cannot read ${label(what, file)}: larger than ${maxBytes} bytes`,
    EXIT.usage,
  );
}

/**
 * Refuse a standard input that is a device and not a terminal (`< /dev/zero`), or a directory, before
 * anything is read from it. A terminal, a pipe, a socket and a regular file pass.
 */
export function checkStdin(what: string, fd = 0): void {
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch {
    return; // no standard input at all: reading it gives an empty input, which the caller judges
  }
  if (isReadableKind(st) || (st.isCharacterDevice() && isatty(fd))) return;
  throw notReadable(what, '-', st);
}

/** Grow `buffer` to hold at least `need` bytes; the old one is wiped (it may hold a secret). */
function grow(buffer: Buffer, need: number, cap: number): Buffer {
  const next = Buffer.alloc(Math.min(Math.max(need, buffer.length * 2), cap));
  buffer.copy(next);
  buffer.fill(0);
  return next;
}

/** Read a stream to its end with a bound; the stream is destroyed when the bound is passed. */
async function readStream(
  stream: NodeJS.ReadableStream,
  what: string,
  file: string,
  maxBytes: number,
): Promise<Buffer> {
  let buffer: Buffer = Buffer.alloc(Math.min(CHUNK, maxBytes + 1));
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (length + bytes.length > maxBytes) {
        buffer.fill(0);
        bytes.fill(0);
        throw tooLarge(what, file, maxBytes);
      }
      if (length + bytes.length > buffer.length) buffer = grow(buffer, length + bytes.length, maxBytes + 1);
      bytes.copy(buffer, length);
      bytes.fill(0);
      length += bytes.length;
    }
  } finally {
    (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
  return buffer.subarray(0, length);
}

/**
 * A FIFO is opened non-blocking and read through the event loop, not the thread pool: a blocking
 * open() of a FIFO without a writer would hold a pool thread that even process.exit() waits for.
 */
function fifoStream(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * Read the file at `path` ('-' for standard input) with a bound. Refuses, each in one line with exit 2:
 * a file that does not exist or cannot be opened; anything that is not a regular file, a pipe or a
 * socket (checked before reading); more than `maxBytes` (the read stops at maxBytes + 1). Reads in
 * chunks on the thread pool, so SIGINT and SIGTERM are handled while a slow pipe is read.
 */
export async function readInput(path: string, opts: InputOptions): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? MAX_INPUT_BYTES;
  if (path === '-') {
    checkStdin(opts.what);
    return readStream(opts.stdin ?? process.stdin, opts.what, '-', maxBytes);
  }
  const fail = (error: unknown) =>
    new CliError(
      'unreadable-file',
      `cannot read ${label(opts.what, path)}: ${systemReason(error)}`,
      EXIT.usage,
    );
  let st: Stats;
  try {
    st = await fs.stat(path);
  } catch (error) {
    throw fail(error);
  }
  if (!isReadableKind(st)) throw notReadable(opts.what, path, st);
  if (st.isFile() && st.size > maxBytes) throw tooLarge(opts.what, path, maxBytes);
  if (!st.isFile()) {
    let stream: Socket;
    try {
      stream = fifoStream(path);
    } catch (error) {
      throw fail(error);
    }
    return readStream(stream, opts.what, path, maxBytes);
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw fail(error);
  }
  try {
    const opened = await handle.stat(); // the path may have been swapped for another kind since the stat
    if (!opened.isFile()) throw notReadable(opts.what, path, opened);
    let buffer: Buffer = Buffer.alloc(Math.min(opened.size + 1, maxBytes + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) {
          buffer.fill(0);
          throw tooLarge(opts.what, path, maxBytes);
        }
        buffer = grow(buffer, length + CHUNK, maxBytes + 1);
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      buffer.fill(0);
      throw tooLarge(opts.what, path, maxBytes);
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw fail(error);
  } finally {
    await handle.close().catch(() => {});
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why `bytes` is not UTF-8 text, or undefined when it is. */
function notTextReason(bytes: Uint8Array): string | undefined {
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  )
    return 'it is UTF-16';
  if (bytes.includes(0)) return 'it has NUL bytes';
  try {
    utf8.decode(bytes);
  } catch {
    return 'it is not valid UTF-8';
  }
  return undefined;
}

/**
 * `readInput`, then the bytes as UTF-8 text (a leading UTF-8 BOM dropped). A binary or UTF-16 file is
 * one line, "WHAT FILE is not a UTF-8 text file (it has NUL bytes)", not one error per garbled line.
 */
export async function readInputText(path: string, opts: InputOptions): Promise<string> {
  const bytes = await readInput(path, opts);
  try {
    const reason = notTextReason(bytes);
    if (reason)
      throw new CliError('not-text', `${label(opts.what, path)} is not a UTF-8 text file (${reason})`);
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    return bytes.toString('utf8', start);
  } finally {
    bytes.fill(0);
  }
}

export interface LineOptions {
  /** What the lines are, for messages: 'input', 'batch input'. */
  what: string;
  /** The longest line accepted, in bytes (without its end of line). */
  maxLineBytes: number;
}

/**
 * The lines of a stream (`\n` or `\r\n`; a last line without one counts), read as they arrive, with a
 * bound on each line: a longer one, or a NUL byte (binary data), throws a CliError naming the line.
 * Memory stays at one chunk plus one line whatever the input's length.
 */
export async function* lines(stream: NodeJS.ReadableStream, opts: LineOptions): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0;
  const tooLong = () =>
    new CliError('line-too-long', `${opts.what} line ${lineNo + 1}: longer than ${opts.maxLineBytes} bytes`);
  const finish = (tail: Buffer): string => {
    lineNo++;
    let line = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    return line.toString('utf8');
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.includes(0)) throw new CliError('binary-input', `${opts.what} line ${lineNo + 1}: binary data`);
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(10, start);
      if (end < 0) break;
      if (pendingBytes + end - start > opts.maxLineBytes) throw tooLong();
      yield finish(bytes.subarray(start, end));
      start = end + 1;
    }
    if (start < bytes.length) {
      pending.push(bytes.subarray(start));
      pendingBytes += bytes.length - start;
      if (pendingBytes > opts.maxLineBytes + 1) throw tooLong();
    }
  }
  if (pendingBytes > 0) {
    if (pendingBytes > opts.maxLineBytes) throw tooLong();
    yield finish(Buffer.alloc(0));
  }
}
