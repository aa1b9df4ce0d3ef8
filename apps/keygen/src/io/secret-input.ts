// Secret input: key components and passphrases, typed hidden at a terminal or piped on stdin.
// Secrets come back as bytes the caller wipes, never as strings that linger in the heap.

import { CliError, checkStdin, usageError } from 'sts-cli-kit';
import { readObserved } from './files.ts';

/** A source of secret lines: one `read()` per component or passphrase. */
export interface SecretReader {
  /** Ask for one secret line (prompt on stderr when interactive). The caller must wipe the result. */
  read(prompt: string): Promise<Uint8Array>;
  /** Whether a person is typing (a TTY): callers may ask for confirmation only then. */
  readonly interactive: boolean;
  /** Stop listening to stdin (lets the process exit). */
  close(): void;
}

const CR = 0x0d;
const LF = 0x0a;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x7f;
const CTRL_H = 0x08;

function appendByte(buf: Uint8Array, len: number, byte: number): Uint8Array {
  if (len < buf.length) {
    buf[len] = byte;
    return buf;
  }
  const bigger = new Uint8Array(buf.length * 2);
  bigger.set(buf);
  buf.fill(0);
  bigger[len] = byte;
  return bigger;
}

/** Hidden input at a TTY: raw mode, no echo, backspace works, Ctrl-C cancels (UsageError). */
function ttyReader(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): SecretReader {
  return {
    interactive: true,
    read(prompt: string): Promise<Uint8Array> {
      return new Promise((resolve, reject) => {
        stderr.write(prompt);
        let buf: Uint8Array = new Uint8Array(64);
        let len = 0;
        const finish = (err: Error | undefined): void => {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          stderr.write('\n');
          if (err) {
            buf.fill(0);
            reject(err);
          } else {
            const out = buf.slice(0, len);
            buf.fill(0);
            resolve(out);
          }
        };
        const onData = (chunk: Buffer): void => {
          try {
            for (const byte of chunk) {
              if (byte === CR || byte === LF) {
                finish(undefined);
                return;
              }
              if (byte === CTRL_C) {
                finish(usageError('cancelled'));
                return;
              }
              if (byte === CTRL_D && len === 0) {
                finish(new CliError('bad-input', 'no input (end of file)'));
                return;
              }
              if (byte === BACKSPACE || byte === CTRL_H) {
                if (len > 0) buf[--len] = 0;
                continue;
              }
              buf = appendByte(buf, len++, byte);
            }
          } finally {
            chunk.fill(0); // a pasted secret arrives with its Enter in one chunk
          }
        };
        stdin.setRawMode(true);
        stdin.resume();
        stdin.on('data', onData);
      });
    },
    close(): void {
      stdin.pause();
    },
  };
}

/** Piped secrets are a few lines (components, KCVs, passphrases): more than this is not a ceremony's input. */
export const MAX_PIPED_SECRET_BYTES = 64 * 1024;

/**
 * Lines from a pipe: stdin is read to its end once (at most MAX_PIPED_SECRET_BYTES, refused beyond
 * that while reading), then handed out a line at a time (LF or CRLF). The process's own stdin is
 * checked first: a device such as /dev/zero is refused before a byte is read.
 */
function pipeReader(stdin: NodeJS.ReadableStream): SecretReader {
  let all: Promise<Buffer> | undefined;
  let offset = 0;
  const load = (): Promise<Buffer> => {
    all ??= new Promise<Buffer>((resolve, reject) => {
      if (stdin === process.stdin) checkStdin('secret input');
      const chunks: Buffer[] = [];
      let total = 0;
      const wipe = () => {
        for (const c of chunks) c.fill(0);
      };
      const onData = (c: Buffer) => {
        chunks.push(c);
        total += c.length;
        if (total > MAX_PIPED_SECRET_BYTES) {
          wipe();
          stdin.off('data', onData);
          (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
          reject(
            new CliError(
              'too-large',
              `cannot read secret input from standard input: larger than ${MAX_PIPED_SECRET_BYTES} bytes`,
            ),
          );
        }
      };
      stdin.on('data', onData);
      stdin.on('end', () => {
        const joined = Buffer.concat(chunks);
        wipe();
        resolve(joined);
      });
      stdin.on('error', reject);
    });
    return all;
  };
  return {
    interactive: false,
    async read(): Promise<Uint8Array> {
      const data = await load();
      if (offset >= data.length) throw new CliError('bad-input', 'not enough lines on standard input');
      let end = data.indexOf(LF, offset);
      if (end < 0) end = data.length;
      let stop = end;
      if (stop > offset && data[stop - 1] === CR) stop--;
      const line = Uint8Array.prototype.slice.call(data, offset, stop);
      data.fill(0, offset, Math.min(end + 1, data.length));
      offset = end + 1;
      return line;
    },
    close(): void {
      // stdin ends by itself
    },
  };
}

/** A reader over process stdin: hidden TTY input when a person is there, lines otherwise. */
export function createSecretReader(
  stdin: NodeJS.ReadStream = process.stdin,
  stderr: NodeJS.WritableStream = process.stderr,
): SecretReader {
  return stdin.isTTY ? ttyReader(stdin, stderr) : pipeReader(stdin);
}

/**
 * Read a passphrase file: its first line, without the line end (what `openssl -pass file:F` uses).
 * An empty passphrase is refused. The caller wipes the result.
 */
export async function readPassphraseFile(file: string): Promise<Uint8Array> {
  const data = await readObserved(file, { what: 'passphrase file', maxBytes: 64 * 1024 });
  let end = data.indexOf(LF);
  if (end < 0) end = data.length;
  if (end > 0 && data[end - 1] === CR) end--;
  const pass = Uint8Array.prototype.slice.call(data, 0, end);
  data.fill(0);
  if (pass.length === 0) throw new CliError('bad-input', `passphrase file ${file} is empty`);
  return pass;
}
