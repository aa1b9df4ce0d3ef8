// Safe files: every read and write of sts-keygen goes through here (key-ceremony.md feature 10).
// Exclusive create, write to a temp file then link into place, 0600 for secrets, all-or-nothing.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './errors.ts';

/** One file event: ceremony transcripts log these (path, SHA-256, size). */
export interface FileEvent {
  op: 'read' | 'write';
  path: string;
  sha256: string;
  bytes: number;
}
export type FileObserver = (event: FileEvent) => void;

/** Lower-case hex SHA-256 of bytes. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EEXIST':
      return 'already exists';
    default:
      return code ?? 'cannot access';
  }
}

/**
 * Read a whole input file. Missing or unreadable files become an InputError naming the file;
 * larger than `maxBytes` (default 1 MiB: every input of this tool is small) is refused.
 */
export function readInput(
  file: string,
  options: { observer?: FileObserver | undefined; maxBytes?: number; what?: string } = {},
): Buffer {
  const maxBytes = options.maxBytes ?? 1 << 20;
  const label = options.what ? `${options.what} ${file}` : file;
  let data: Buffer;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) throw new InputError(`cannot read ${label}: is a directory`);
    if (st.size > maxBytes) throw new InputError(`cannot read ${label}: larger than ${maxBytes} bytes`);
    data = fs.readFileSync(file);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read ${label}: ${describe(err)}`);
  }
  options.observer?.({ op: 'read', path: file, sha256: sha256Hex(data), bytes: data.length });
  return data;
}

/** Identity of a path for "same file" checks: dev+ino when it exists, else its resolved real location. */
function identity(file: string): string {
  try {
    const st = fs.statSync(file);
    return `inode:${st.dev}:${st.ino}`;
  } catch {
    const dir = path.dirname(path.resolve(file));
    let realDir = dir;
    try {
      realDir = fs.realpathSync(dir);
    } catch {
      // the directory does not exist yet: compare resolved paths
    }
    return `path:${path.join(realDir, path.basename(file))}`;
  }
}

/** Refuse any output that is also an input (same inode, or same resolved path). */
export function assertDistinct(inputs: readonly string[], outputs: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const file of inputs) seen.set(identity(file), file);
  for (const file of outputs) {
    const id = identity(file);
    const input = seen.get(id);
    if (input !== undefined) throw new InputError(`${file} is both an input (${input}) and an output`);
  }
}

/**
 * A set of output files written all-or-nothing. `plan()` every output first (refuses any that
 * exist, before anything is written), then `write()` each, then `commit()`. Until commit, `abort()`
 * (or a failure inside write) removes every file and directory this set created.
 *
 * Each write goes to a temp file in the target's directory (mode 0600 for secrets, 0644 otherwise,
 * created with `wx`), is fsynced, then hard-linked to its final name: link fails if the name exists,
 * so an output is never overwritten even if it appears between plan and write.
 */
/** Sets not yet committed: the CLI aborts them on SIGINT/SIGTERM so Ctrl-C leaves no partial output. */
const openSets = new Set<OutputSet>();

/** Abort every output set still open (called by the CLI on a signal). */
export function abortOpenOutputs(): void {
  for (const set of openSets) set.abort();
}

export class OutputSet {
  readonly #observer: FileObserver | undefined;
  readonly #created: string[] = [];
  readonly #createdDirs: string[] = [];
  readonly #planned = new Set<string>();
  #done = false;

  constructor(observer?: FileObserver) {
    this.#observer = observer;
    openSets.add(this);
  }

  /** Check that `file` does not exist yet (and was not planned twice). Call for every output before writing. */
  plan(file: string): void {
    const abs = path.resolve(file);
    if (this.#planned.has(abs)) throw new InputError(`${file} is named twice as an output`);
    if (fs.existsSync(abs))
      throw new InputError(`${file} already exists (sts-keygen never overwrites a file)`);
    this.#planned.add(abs);
  }

  /** Create directory `dir` (and missing parents, mode 0700) if needed; removed on abort if we made it and it is empty. */
  ensureDir(dir: string): void {
    const abs = path.resolve(dir);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) throw new InputError(`${dir} is not a directory`);
      return;
    }
    const parent = path.dirname(abs);
    if (parent !== abs) this.ensureDir(parent);
    try {
      fs.mkdirSync(abs, { mode: 0o700 });
    } catch (err) {
      throw new InputError(`cannot create directory ${dir}: ${describe(err)}`);
    }
    this.#createdDirs.push(abs);
  }

  /** Write `data` to `file` exclusively; `secret` gives mode 0600. */
  write(file: string, data: Uint8Array | string, options: { secret: boolean }): void {
    if (this.#done) throw new Error('OutputSet already committed or aborted');
    const abs = path.resolve(file);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const mode = options.secret ? 0o600 : 0o644;
    const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${randomBytes(6).toString('hex')}.tmp`);
    let fd: number | undefined;
    try {
      fd = fs.openSync(tmp, 'wx', mode);
      fs.fchmodSync(fd, mode); // the umask must not widen or narrow what we chose
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = undefined;
      fs.linkSync(tmp, abs); // fails with EEXIST rather than replacing an existing file
      this.#created.push(abs);
    } catch (err) {
      if (fd !== undefined) fs.closeSync(fd);
      throw new InputError(`cannot write ${file}: ${describe(err)}`);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
    this.#observer?.({ op: 'write', path: file, sha256: sha256Hex(bytes), bytes: bytes.length });
  }

  /** The outputs are complete: keep them. */
  commit(): void {
    this.#done = true;
    openSets.delete(this);
  }

  /** Remove every file written and every directory created by this set (no-op after commit). */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    openSets.delete(this);
    for (const file of this.#created.reverse()) fs.rmSync(file, { force: true });
    for (const dir of this.#createdDirs.reverse()) {
      try {
        fs.rmdirSync(dir); // only if empty: never remove something we did not make
      } catch {
        // not empty or already gone
      }
    }
  }

  /** Run `work` with this set: commit when it returns, abort when it throws. */
  async run<T>(work: (set: OutputSet) => Promise<T> | T): Promise<T> {
    try {
      const value = await work(this);
      this.commit();
      return value;
    } catch (err) {
      this.abort();
      throw err;
    }
  }
}
