// An exclusive lock on a file that several processes may change (a meter's state file): a lock file
// `PATH.lock` that holds the owner's PID, so a lock left by a killed process is recognised and taken over.

import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { CliError, EXIT } from './errors.ts';
import { isAlive } from './pid.ts';
import { systemReason } from './system-reason.ts';

export interface FileLock {
  /** The file locked (not the lock file). */
  readonly path: string;
  /** Remove the lock; safe to call twice. Also done when the process exits. */
  release(): void;
}

function readPid(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  } catch {
    return undefined; // gone
  }
}

const held = new Set<() => void>();
let exitHookInstalled = false;

function inUse(what: string, path: string, pid: number): CliError {
  return new CliError('in-use', `${what} ${path} in use by PID ${pid}`, EXIT.io);
}

/**
 * Take the lock of `path` or throw CliError 'in-use' (exit 3) "WHAT PATH in use by PID N". The lock
 * file appears with its content in one step (written aside, then linked), so no one ever reads an
 * empty lock. A lock whose PID is dead is moved aside under a name of ours before it is removed, so
 * two processes that find the same stale lock cannot both take it.
 */
export function acquireLock(path: string, what = 'state file'): FileLock {
  const lockPath = `${path}.lock`;
  for (let attempt = 0; attempt < 8; attempt++) {
    const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644, flag: 'wx' });
    } catch (error) {
      throw new CliError('cannot-lock', `cannot lock ${what} ${path}: ${systemReason(error)}`, EXIT.io);
    }
    try {
      linkSync(tmp, lockPath);
      return register(path, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new CliError('cannot-lock', `cannot lock ${what} ${path}: ${systemReason(error)}`, EXIT.io);
    } finally {
      rmSync(tmp, { force: true });
    }
    const holder = readPid(lockPath);
    if (holder === undefined) continue; // released meanwhile: try again
    if (isAlive(holder)) throw inUse(what, path, holder);
    // The holder died without releasing (kill -9). Move the lock aside; if what we moved turns out to
    // be a live lock taken in between, put it back and report that holder.
    const aside = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
      renameSync(lockPath, aside);
    } catch {
      continue;
    }
    const moved = readPid(aside);
    if (moved !== undefined && moved !== holder && isAlive(moved)) {
      try {
        linkSync(aside, lockPath);
      } catch {
        // someone else holds it now; they report themselves
      }
      rmSync(aside, { force: true });
      throw inUse(what, path, moved);
    }
    rmSync(aside, { force: true });
  }
  throw new CliError(
    'in-use',
    `${what} ${path} is locked (${lockPath}) and the lock keeps changing hands`,
    EXIT.io,
  );
}

function register(path: string, lockPath: string): FileLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(release);
    if (readPid(lockPath) === process.pid) rmSync(lockPath, { force: true });
  };
  held.add(release);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const r of [...held]) r();
    });
  }
  return { path, release };
}
