// All-or-nothing output files: every output is planned before the first is written, each is created
// exclusively (never overwriting), and a failure or a signal removes all that the set wrote.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, EXIT } from './errors.ts';
import { systemReason } from './system-reason.ts';

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

/** Sets not yet committed: `abortOpenOutputs` (on a signal) removes what they wrote. */
const openSets = new Set<OutputSet>();

/** Abort every output set still open; register it with `onTerminate` so Ctrl-C leaves no partial output. */
export function abortOpenOutputs(): void {
  for (const set of openSets) set.abort();
}

/**
 * A set of output files written all-or-nothing. `plan()` every output first (refuses any that
 * exist, before anything is written), then `write()` each, then `commit()`. Until commit, `abort()`
 * (or a failure inside `run`) removes every file and directory this set created.
 *
 * Each write goes to a temp file in the target's directory (mode 0600 for secrets, 0644 otherwise,
 * created exclusively), is fsynced, then hard-linked to its final name: link fails if the name
 * exists, so an output is never overwritten even if it appears between plan and write.
 */
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
    if (this.#planned.has(abs)) throw new CliError('bad-input', `${file} is named twice as an output`);
    if (fs.existsSync(abs)) throw new CliError('exists', `${file} already exists (never overwritten)`);
    this.#planned.add(abs);
  }

  /** Create directory `dir` (and missing parents, mode 0700) if needed; removed on abort if made here and empty. */
  ensureDir(dir: string): void {
    const abs = path.resolve(dir);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs);
    } catch {
      st = undefined;
    }
    if (st) {
      if (!st.isDirectory()) throw new CliError('bad-input', `${dir} is not a directory`);
      return;
    }
    const parent = path.dirname(abs);
    if (parent !== abs) this.ensureDir(parent);
    try {
      fs.mkdirSync(abs, { mode: 0o700 });
    } catch (err) {
      throw new CliError('cannot-write', `cannot create directory ${dir}: ${systemReason(err)}`, EXIT.io);
    }
    this.#createdDirs.push(abs);
  }

  /** Write `data` to `file` exclusively; `secret` gives mode 0600. */
  write(file: string, data: Uint8Array | string, options: { secret: boolean }): void {
    if (this.#done) throw new Error('OutputSet already committed or aborted');
    const abs = path.resolve(file);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const mode = options.secret ? 0o600 : 0o644;
    const tmp = path.join(
      path.dirname(abs),
      `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
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
      const code = (err as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists' : 'cannot-write';
      throw new CliError(code, `cannot write ${file}: ${systemReason(err)}`, EXIT.io);
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
