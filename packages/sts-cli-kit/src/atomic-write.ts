// Atomic file replacement: a temp file in the same directory, fsync, rename (or link, to refuse an
// existing file), fsync of the directory. A crash at any point leaves the old file or the new one.

import { randomBytes } from 'node:crypto';
import { constants, promises as fs, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError, EXIT } from './errors.ts';
import { isAlive } from './pid.ts';
import { systemReason } from './system-reason.ts';

export interface AtomicWriteOptions {
  /** File mode (default 0o600: these files often hold keys). */
  mode?: number;
  /** Fail with "already exists" instead of replacing an existing file. */
  exclusive?: boolean;
}

/** `.NAME.PID.RAND.tmp` beside `path`: the PID lets a later run tell a dead writer's leftovers. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Write `data` to `path` atomically with `mode`. Errors are CliError 'cannot-write' (exit 3) naming
 * the file; "already exists" when `exclusive` and the file is there (no check-then-act race: link()
 * fails rather than replaces).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const mode = opts.mode ?? 0o600;
  const tmp = tempName(path);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    await handle.chmod(mode); // the umask must not widen or narrow what was chosen
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (opts.exclusive) {
      await fs.link(tmp, path);
      await fs.unlink(tmp);
    } else {
      await fs.rename(tmp, path);
    }
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.unlink(tmp).catch(() => {});
    throw new CliError('cannot-write', `cannot write ${path}: ${systemReason(error)}`, EXIT.io);
  }
  try {
    const dir = await fs.open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/**
 * Remove the temp files that writers of `path` left when they were killed mid-write (`kill -9`):
 * `.NAME.PID.RAND.tmp` whose PID is no longer alive. They may hold a key. Returns how many went.
 */
export function removeStaleTemps(path: string): number {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!match || isAlive(Number(match[1]))) continue;
    rmSync(join(dirname(path), name), { force: true });
    removed++;
  }
  return removed;
}
