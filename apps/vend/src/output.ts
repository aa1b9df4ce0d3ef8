// How sts-vend reports: errors as one line each (or one JSON object), tokens as 20 digits or grouped.
// Nothing here ever receives key material; messages come from CliError / TokenError, which never hold any.
import { CliError, EXIT_INTERNAL, EXIT_USAGE } from './errors.ts';

/** What a command produced: printed only once it is complete, so a failure leaves no partial output. */
export interface CommandResult {
  stdout: string;
  exitCode: number;
}

/** Print 20 digits, or 5 groups of 4 separated by spaces (the way vendors print them on receipts). */
export function showToken(digits: string, grouped: boolean): string {
  if (!grouped) return digits;
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8, 12)} ${digits.slice(12, 16)} ${digits.slice(16, 20)}`;
}

/**
 * sts-token's TokenError, recognised by shape so that this module (loaded for --help and for every
 * error) does not load the library: a broken install still gets one line instead of a stack.
 */
function isTokenError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    error.name === 'TokenError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

interface Report {
  code: string;
  message: string;
  details: readonly string[];
  exitCode: number;
}

/** Classify anything thrown: our errors and the library's keep their code; the rest is internal (70). */
function describeError(error: unknown): Report {
  if (error instanceof CliError) {
    return { code: error.code, message: error.message, details: error.details, exitCode: error.exitCode };
  }
  if (isTokenError(error)) {
    return { code: error.code, message: error.message, details: [], exitCode: EXIT_USAGE };
  }
  // A bug: say what kind of error, first line only; never a stack, never the object (it might hold a key).
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : '';
  return {
    code: 'internal',
    message: `internal error: ${name}${message ? `: ${message}` : ''}`,
    details: [],
    exitCode: EXIT_INTERNAL,
  };
}

/** Write the error report (stderr, one line each; or one JSON object on stdout) and return the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const report = describeError(error);
  if (json) {
    const body: Record<string, unknown> = { code: report.code, message: report.message };
    if (report.details.length > 0) body.details = report.details;
    process.stdout.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    const lines = report.details.length > 0 ? report.details : [report.message];
    process.stderr.write(lines.map((line) => `sts-vend: ${line}\n`).join(''));
  }
  return report.exitCode;
}

/** A warning line on stderr (config warnings, duplicate TIDs); never on stdout, never in JSON. */
export function warn(message: string): void {
  process.stderr.write(`sts-vend: warning: ${message}\n`);
}
