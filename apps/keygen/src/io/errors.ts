// The errors a command throws and the exit codes they map to (README "Exit codes").
// Only these reach a user as text; anything else is an internal error (exit 70) shown without its stack.

/** Exit codes of every sts-keygen command. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A check failed: a bundle, share or key did not verify. */
  verificationFailed: 1,
  /** Bad command line or bad input (a file that is missing, malformed, or would be overwritten). */
  badInput: 2,
  /** A bug: an exception nobody expected (EX_SOFTWARE). */
  internal: 70,
} as const;

/** An error whose message is safe and meant for the user (never carries secret material). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** The command line is wrong (unknown option, missing argument). Exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** An input file or value is wrong, or an output would overwrite something. Exit 2. */
export class InputError extends CliError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}

/** Something was checked and did not hold (signature, digest, KCV, checksum). Exit 1. */
export class VerificationError extends CliError {
  constructor(message: string) {
    super(message, EXIT.verificationFailed);
  }
}
