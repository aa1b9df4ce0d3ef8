// The contract between the dispatcher (cli.ts) and each command module (commands/*.ts).
// A module exports `commands: Command[]`; commands/index.ts says which module serves which words.

import type { FileObserver } from 'sts-cli-kit';
import type { StepDescription } from '../ceremony/steps.ts';
import type { Output } from './output.ts';

/** What every command receives besides its arguments. */
export interface CommandContext {
  /** --json was given: print one JSON document through `out.result`. */
  readonly json: boolean;
  /** All terminal output goes through here. */
  readonly out: Output;
  /** Told about every file read or written (path + SHA-256); the ceremony transcript sets it. */
  readonly observer?: FileObserver | undefined;
  /** Standard input (secret components and passphrases when piped). */
  readonly stdin: NodeJS.ReadStream;
}

/** One command, e.g. `{ name: 'shares split', ... }`. */
export interface Command {
  /** The words that select it, space-separated: 'rsa', 'bundle open', 'shares split'. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full --help text (starts with `usage: sts-keygen <name> …`). */
  readonly usage: string;
  /** Present when the command may be a ceremony step: its arguments as a step gives them. */
  readonly step?: StepDescription;
  /**
   * Run with the arguments after the command words (`--json` and `--help` already removed).
   * Returns the exit code; throws UsageError / InputError / VerificationError for failures.
   */
  run(argv: string[], ctx: CommandContext): Promise<number>;
}
