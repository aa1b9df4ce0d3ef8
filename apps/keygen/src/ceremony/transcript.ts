// The ceremony transcript: append-only JSON Lines, each entry hash-chained to the one before
// (`prev` = SHA-256 of the previous line), and the text summary people sign (key-ceremony.md feature 9).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from 'sts-cli-kit';

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
      throw new CliError(
        'bad-input',
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

/** One transcript entry as read back: the fields every entry has, and the rest as written. */
export interface TranscriptEntry {
  readonly seq: number;
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface ChainCheck {
  /** Empty when intact; otherwise each names its line (the first is the first broken line). */
  readonly problems: string[];
  /** SHA-256 of the last line: what the summary prints as the head of the chain. */
  readonly head: string;
  readonly entries: number;
  /** The entries that parsed, by line (undefined where a line is not JSON). */
  readonly parsed: (TranscriptEntry | undefined)[];
}

/**
 * Check a transcript's chain: every line is a JSON object, `seq` counts from 0 and `prev` is the
 * SHA-256 of the line before. An edited line shows in the next line's `prev`, a removed, inserted
 * or moved line in `seq`; each problem names its line and what most likely happened.
 */
export function verifyTranscript(text: string): ChainCheck {
  const problems: string[] = [];
  const parsed: (TranscriptEntry | undefined)[] = [];
  let prev = GENESIS;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const n = i + 1;
    let entry: TranscriptEntry | undefined;
    try {
      const value = JSON.parse(line) as unknown;
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        entry = value as TranscriptEntry;
    } catch {
      entry = undefined;
    }
    parsed.push(entry);
    if (entry === undefined) problems.push(`line ${n}: not a JSON entry (the line was altered)`);
    else if (entry.seq !== i) {
      problems.push(
        `line ${n}: seq is ${String(entry.seq)}, expected ${i} (a line before it was removed, inserted or moved)`,
      );
    } else if (entry.prev !== prev) {
      problems.push(
        n === 1
          ? 'line 1: prev is not 64 zeros (the first line was altered)'
          : `line ${n}: prev is not the SHA-256 of line ${i} (line ${i} was altered)`,
      );
    }
    prev = sha256OfLine(line);
  });
  return { problems, head: prev, entries: lines.length, parsed };
}
