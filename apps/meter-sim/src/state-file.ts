// The meter state file: JSON of MeterState, written atomically (temp file in the same directory,
// fsync, rename, fsync of the directory) with mode 0600 because it holds the decoder key.

import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Meter, MeterError } from './meter.ts';

/** A state file that cannot be read, parsed or written. `message` is one line naming the file. */
export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EEXIST') return 'already exists';
  if (code === 'ENOTDIR') return 'a parent is not a directory';
  return code ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e));
}

/** Read and JSON-parse a state file (no validation beyond JSON). Stale `*.tmp` files beside it are ignored. */
async function readStateFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new StateFileError(`cannot read state file ${path}: ${describe(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StateFileError(`state file ${path} is not valid JSON`);
  }
}

/** Load a meter from its state file. Throws StateFileError (I/O, JSON, or an invalid state). */
export async function loadMeter(path: string, opts?: { clock?: () => Date }): Promise<Meter> {
  const state = await readStateFile(path);
  try {
    return Meter.fromState(state, opts);
  } catch (e) {
    if (e instanceof MeterError) throw new StateFileError(`state file ${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Write `text` to `path` atomically: a fresh temp file in the same directory (mode 0600, exclusive),
 * write, fsync, then rename over `path` (or link it, failing if `path` exists, when `exclusive`),
 * then fsync the directory. A crash at any point leaves either the old file or the new one.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  opts: { exclusive?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.exclusive) {
      // link() fails with EEXIST instead of replacing: "refuse to overwrite" without a check-then-act race.
      await fs.link(tmp, path);
      await fs.unlink(tmp);
    } else {
      await fs.rename(tmp, path);
    }
  } catch (e) {
    await handle?.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    throw new StateFileError(`cannot write state file ${path}: ${describe(e)}`);
  }
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** Save a meter's state (with its key) atomically, mode 0600. */
export async function saveMeter(path: string, meter: Meter): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(meter.toState(), null, 2)}\n`);
}

/** Create a new state file; fails with "already exists" rather than overwrite one. */
export async function createStateFile(path: string, meter: Meter): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(meter.toState(), null, 2)}\n`, { exclusive: true });
}
