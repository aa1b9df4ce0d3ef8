// The CLI's own errors and its exit codes (documented in apps/vend/README.md).
// Library errors (TokenError) keep their code; everything else that escapes is an internal error.

/** Exit codes: the contract with scripts that call sts-vend. */
export const EXIT_OK = 0;
/** Some batch lines failed, or a decoded token failed its CRC. */
export const EXIT_FAILED = 1;
/** Usage or bad input: bad option, unreadable file, invalid config, invalid token request. */
export const EXIT_USAGE = 2;
/** Internal error (a bug): one line on stderr, never a stack trace. */
export const EXIT_INTERNAL = 70;

/**
 * An error the CLI reports as one line (several for config files) and a documented exit code.
 * `code` is machine-readable (`usage`, `bad-config`, `unreadable-file`, or a sts-token code).
 */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /** Extra lines printed before the message (one per config error). */
  readonly details: readonly string[];

  constructor(code: string, message: string, exitCode: number = EXIT_USAGE, details: readonly string[] = []) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.details = details;
  }
}

/**
 * The error of a failed sts-token request as a CliError: bad input exits 2, but `internal` (a bug in
 * the library, not the input's fault) exits 70 like any other bug.
 */
export function requestError(error: { code: string; message: string }): CliError {
  return new CliError(error.code, error.message, error.code === 'internal' ? EXIT_INTERNAL : EXIT_USAGE);
}

/** A usage error: bad option, missing argument, conflicting options. Exit 2. */
export function usageError(message: string): CliError {
  return new CliError('usage', message, EXIT_USAGE);
}
