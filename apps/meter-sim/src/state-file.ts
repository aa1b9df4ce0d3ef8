// The meter state file: JSON of MeterState, read with a bound and written atomically with mode 0600
// (it holds the decoder key) through sts-cli-kit, under the kit's lock for every read-modify-write.

import { stat } from 'node:fs/promises';
import {
  acquireLock,
  CliError,
  EXIT,
  type FileLock,
  readInput,
  readInputText,
  removeStaleTemps,
  writeFileAtomic,
} from 'sts-cli-kit';
import { Meter, MeterError } from './meter.ts';

/**
 * A state file's bound: a meter with the largest TID memory (100 000) and a full default event log is
 * under 2 MB; a file much larger is not a state file.
 */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;

const WHAT = 'state file';

/**
 * Load a meter from its state file. Temp files a killed writer left beside it (`.NAME.PID.RAND.tmp`, they
 * hold the decoder key) are removed first. Throws CliError (exit 2): unreadable, not JSON, invalid state.
 */
export async function loadMeter(path: string, opts?: { clock?: () => Date }): Promise<Meter> {
  removeStaleTemps(path);
  const text = await readInputText(path, { what: WHAT, maxBytes: MAX_STATE_BYTES });
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new CliError('invalid-state', `state file ${path} is not valid JSON`);
  }
  try {
    return Meter.fromState(state, opts);
  } catch (e) {
    if (e instanceof MeterError) throw new CliError('invalid-state', `state file ${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Take the state file's lock for a read-modify-write (`enter`) or for the life of `serve`: a second writer
 * gets "state file PATH in use by PID N" (exit 3). A path that is not a regular file is refused first, in
 * the kit's words, so no lock file is ever made beside a device (`/dev/zero.lock`).
 */
export async function lockStateFile(path: string): Promise<FileLock> {
  const st = await stat(path).catch(() => undefined);
  if (st === undefined || !st.isFile()) {
    await readInput(path, { what: WHAT, maxBytes: 0 }); // throws: no such file, a device, a directory
    throw new CliError('not-regular-file', `cannot use state file ${path}: not a regular file`);
  }
  return acquireLock(path, WHAT);
}

function stateText(meter: Meter): string {
  return `${JSON.stringify(meter.toState(), null, 2)}\n`;
}

/** Save a meter's state (with its key) atomically, mode 0600. CliError 'cannot-write' (exit 3). */
export async function saveMeter(path: string, meter: Meter): Promise<void> {
  await writeFileAtomic(path, stateText(meter));
}

/** Create a new state file; "already exists" (exit 2) rather than overwrite one. */
export async function createStateFile(path: string, meter: Meter): Promise<void> {
  try {
    await writeFileAtomic(path, stateText(meter), { exclusive: true });
  } catch (e) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new CliError('exists', `cannot write state file ${path}: already exists`, EXIT.usage);
    throw e;
  }
}
