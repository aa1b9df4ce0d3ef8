// The one error class of the sts-* commands and their exit codes (each app's README "Exit codes").
// Only a CliError reaches a user as its own text; anything else is reported as an internal error.

/** Exit codes shared by every app. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A check did not hold: a token rejected, a verification failed, some batch lines failed. */
  failed: 1,
  /** Bad command line or bad input (a file that is missing, too large, malformed, or would be overwritten). */
  usage: 2,
  /** Cannot write, or a resource is in use (a state file locked by another process). */
  io: 3,
  /** A bug: an exception nobody expected (EX_SOFTWARE). Still one line, never a stack. */
  internal: 70,
} as const;

/**
 * An error meant for the user: `message` is one safe line (never key material), `code` a stable
 * machine-readable name (`usage`, `unreadable-file`, `invalid-config`, `in-use`, …), `details` extra
 * lines printed instead of the message in text mode (one per configuration error).
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(code: string, message: string, exitCode: number = EXIT.usage, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** A usage error: bad option, missing argument, conflicting options. Exit 2. */
export function usageError(message: string): CliError {
  return new CliError('usage', message, EXIT.usage);
}
