// What sts-keygen adds to the kit's file handling (sts-cli-kit: bounded readInput, OutputSet): reads
// told to the ceremony transcript's observer, and the check that no output is also an input.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, type FileObserver, readInput, sha256Hex } from 'sts-cli-kit';

/**
 * Read an input with the kit's bound (devices such as /dev/zero refused before a byte is read;
 * default 1 MiB) and tell `observer` its SHA-256: the ceremony transcript logs every file read.
 */
export async function readObserved(
  file: string,
  options: { what: string; maxBytes?: number; observer?: FileObserver | undefined },
): Promise<Buffer> {
  const data = await readInput(
    file,
    options.maxBytes === undefined
      ? { what: options.what }
      : { what: options.what, maxBytes: options.maxBytes },
  );
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
    if (input !== undefined)
      throw new CliError('bad-input', `${file} is both an input (${input}) and an output`);
  }
}
