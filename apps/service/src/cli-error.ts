// Exit codes and the one error class of the CLI, in the shape of sts-cli-kit's (which replaces this file
// once the kit is on main): a stable code, one line of message, an exit code.

export const EXIT = { ok: 0, failed: 1, usage: 2, io: 3, internal: 70 } as const;

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

export function usageError(message: string): CliError {
  return new CliError('usage', message, EXIT.usage);
}
