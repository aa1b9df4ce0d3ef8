// Human and --json output of every command's result (errors go through the kit's reportError).
// Commands print through this so that `--json` gives exactly one JSON document on stdout.

import { type Streams, warn } from 'sts-cli-kit';

export type OutputStreams = Streams;

/** The single place a command writes to the terminal. */
export class Output {
  readonly json: boolean;
  /** Where results and errors go (the kit's reportError writes errors to the same streams). */
  readonly streams: OutputStreams;

  constructor(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }) {
    this.json = json;
    this.streams = streams;
  }

  /**
   * The command's result: `human` lines in text mode, `data` as one JSON line in --json mode
   * (`{"ok":true, ...data}`). Call once, at the end of a successful command.
   */
  result(human: string | readonly string[], data: Record<string, unknown>): void {
    if (this.json) {
      this.streams.stdout.write(`${JSON.stringify({ ok: true, ...data })}\n`);
    } else {
      const lines = typeof human === 'string' ? [human] : human;
      if (lines.length > 0) this.streams.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  /** Progress or advice for a person, on stderr (so stdout stays clean), suppressed in --json mode. */
  info(message: string): void {
    if (!this.json) this.streams.stderr.write(`${message}\n`);
  }

  /** A warning: always on stderr, `sts-keygen: warning: …` (the kit's wording). */
  warn(message: string): void {
    warn('sts-keygen', message, this.streams);
  }

  /** Plain text for --help and listings (not JSON even in --json mode). */
  text(message: string): void {
    this.streams.stdout.write(message.endsWith('\n') ? message : `${message}\n`);
  }
}
