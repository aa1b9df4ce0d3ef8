// The custodian-facing terminal: one secret reader per stdin (a ceremony runs several steps on the
// same stdin), reveal-then-clear for components, and confirmation prompts before risky steps.

import { usageError } from 'sts-cli-kit';
import { createSecretReader, type SecretReader } from '../io/secret-input.ts';

/** ANSI: clear the screen and the scrollback, cursor home. Used after each custodian's reveal. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

const readers = new WeakMap<object, SecretReader>();

/**
 * The secret reader of `stdin`, created once: a pipe is read to its end by the first reader, so
 * every step of a ceremony must share it to get the next lines.
 */
export function secretReaderFor(stdin: NodeJS.ReadStream): SecretReader {
  let reader = readers.get(stdin);
  if (!reader) {
    reader = createSecretReader(stdin, process.stderr);
    readers.set(stdin, reader);
  }
  return reader;
}

/** Whether a person sits at this terminal: stdin and stderr both TTYs. */
export function isInteractive(stdin: NodeJS.ReadStream): boolean {
  return stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Wait for Enter at the terminal (whatever is typed is discarded and wiped). */
export async function waitForEnter(reader: SecretReader, prompt: string): Promise<void> {
  const typed = await reader.read(prompt);
  typed.fill(0);
}

/**
 * Ask "… [y/N]" at the terminal; anything but y/yes refuses with a UsageError (exit 2).
 * Without a terminal the caller must have been given --yes.
 */
export async function confirm(reader: SecretReader, question: string): Promise<void> {
  const answer = await reader.read(`${question} [y/N] `);
  const text = Buffer.from(answer).toString('utf8').trim().toLowerCase();
  answer.fill(0);
  if (text !== 'y' && text !== 'yes') throw usageError('not confirmed: stopped before the step');
}
