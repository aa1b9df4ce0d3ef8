// The ceremony transcript: append-only JSON Lines, each entry hash-chained to the one before
// (`prev` = SHA-256 of the previous line), and the text summary people sign (key-ceremony.md feature 9).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../io/errors.ts';

/** `prev` of the first entry. */
const GENESIS = '0'.repeat(64);

function sha256OfLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/**
 * Writes entries one line at a time, fsynced, to a file created exclusively. Entries carry KCVs,
 * file hashes and messages; callers never hand it a secret.
 */
export class TranscriptWriter {
  #fd: number;
  #prev = GENESIS;
  #seq = 0;

  constructor(file: string) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      this.#fd = fs.openSync(file, 'wx', 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(
        `cannot create transcript ${file}: ${code === 'EEXIST' ? 'already exists' : code}`,
      );
    }
  }

  /** Append one entry; returns the SHA-256 of its line (the next entry's `prev`). */
  append(event: string, fields: Record<string, unknown>): string {
    const entry = { seq: this.#seq++, time: new Date().toISOString(), prev: this.#prev, event, ...fields };
    const line = JSON.stringify(entry);
    fs.writeSync(this.#fd, `${line}\n`);
    fs.fsyncSync(this.#fd);
    this.#prev = sha256OfLine(line);
    return this.#prev;
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

/**
 * Check a transcript's chain: every line is JSON, `seq` counts from 0 and `prev` is the SHA-256 of
 * the line before. Returns the problems (empty when intact) and the head hash.
 */
export function verifyTranscript(text: string): { problems: string[]; head: string; entries: number } {
  const problems: string[] = [];
  let prev = GENESIS;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    let entry: { seq?: unknown; prev?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      prev = sha256OfLine(line);
      return;
    }
    if (entry.seq !== i) problems.push(`line ${i + 1}: seq is ${String(entry.seq)}, expected ${i}`);
    if (entry.prev !== prev) problems.push(`line ${i + 1}: prev does not match the SHA-256 of line ${i}`);
    prev = sha256OfLine(line);
  });
  return { problems, head: prev, entries: lines.length };
}
