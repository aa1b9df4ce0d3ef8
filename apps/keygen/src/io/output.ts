// Human and --json output for every command; errors as one line `sts-keygen: …` on stderr.
// Commands print through this so that `--json` gives exactly one JSON document on stdout.

import type { Writable } from 'node:stream';

export interface OutputStreams {
  stdout: Writable;
  stderr: Writable;
}

/** The single place a command writes to the terminal. */
export class Output {
  readonly json: boolean;
  readonly #streams: OutputStreams;

  constructor(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }) {
    this.json = json;
    this.#streams = streams;
  }

  /**
   * The command's result: `human` lines in text mode, `data` as one JSON line in --json mode
   * (`{"ok":true, ...data}`). Call once, at the end of a successful command.
   */
  result(human: string | readonly string[], data: Record<string, unknown>): void {
    if (this.json) {
      this.#streams.stdout.write(`${JSON.stringify({ ok: true, ...data })}\n`);
    } else {
      const lines = typeof human === 'string' ? [human] : human;
      if (lines.length > 0) this.#streams.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** Progress or advice for a person, on stderr (so stdout stays clean), suppressed in --json mode. */
  info(message: string): void {
    if (!this.json) this.#streams.stderr.write(`${message}\n`);
  }

  /** A warning: always on stderr, `sts-keygen: warning: …`. */
  warn(message: string): void {
    this.#streams.stderr.write(`sts-keygen: warning: ${message}\n`);
  }

  /** Plain text for --help and listings (not JSON even in --json mode). */
  text(message: string): void {
    this.#streams.stdout.write(message.endsWith('\n') ? message : `${message}\n`);
  }

  /**
   * A failure: one line `sts-keygen: message` per line of `message` on stderr; in --json mode also
   * `{"ok":false,"exitCode":n,"error":"…"}` on stdout so scripts read one document either way.
   */
  error(message: string, exitCode: number): void {
    for (const line of message.split('\n')) this.#streams.stderr.write(`sts-keygen: ${line}\n`);
    if (this.json) this.#streams.stdout.write(`${JSON.stringify({ ok: false, exitCode, error: message })}\n`);
  }
}
