// How every app reports a failure: one line per problem on stderr as "APP: …", or with --json one
// object {"error":{"code","message"}} on stdout. Never a stack, never an object that might hold a key.

import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './errors.ts';

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const processStreams = (): Streams => ({ stdout: process.stdout, stderr: process.stderr });

interface Report {
  code: string;
  message: string;
  details: readonly string[];
  exitCode: number;
}

/**
 * sts-token's TokenError, recognised by shape so that reporting an error never loads the token
 * library (a broken install still gets one line instead of a stack).
 */
function isTokenError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    error.name === 'TokenError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** Classify anything thrown: our errors and the library's keep their code; the rest is internal (70). */
export function describeError(error: unknown): Report {
  if (error instanceof CliError) {
    return { code: error.code, message: error.message, details: error.details, exitCode: error.exitCode };
  }
  if (isTokenError(error)) {
    const internal = error.code === 'internal';
    return {
      code: error.code,
      message: error.message,
      details: [],
      exitCode: internal ? EXIT.internal : EXIT.usage,
    };
  }
  // A bug: the kind of error and its first line; never the stack, never the object (it might hold a key).
  const name = error instanceof Error ? error.name : typeof error;
  const first = error instanceof Error ? (error.message.split('\n')[0] ?? '') : '';
  return {
    code: 'internal',
    message: `internal error: ${name}${first ? `: ${first}` : ''}`,
    details: [],
    exitCode: EXIT.internal,
  };
}

/** Write the report of `error` (stderr lines, or one JSON object on stdout) and return its exit code. */
export function reportError(app: string, error: unknown, opts: { json: boolean; streams?: Streams }): number {
  const streams = opts.streams ?? processStreams();
  const report = describeError(error);
  if (opts.json) {
    const body: Record<string, unknown> = { code: report.code, message: report.message };
    if (report.details.length > 0) body.details = report.details;
    streams.stdout.write(`${JSON.stringify({ error: body })}\n`);
  } else {
    const lines = report.details.length > 0 ? report.details : report.message.split('\n');
    streams.stderr.write(lines.map((line) => `${app}: ${line}\n`).join(''));
  }
  return report.exitCode;
}

/** A warning: always on stderr as "APP: warning: …" (never on stdout, never in a JSON document). */
export function warn(app: string, message: string, streams: Streams = processStreams()): void {
  streams.stderr.write(`${app}: warning: ${message}\n`);
}

/** "APP VERSION" from the app's package.json, for `--version`. */
export function versionText(app: string, packageJsonUrl: URL): string {
  const { version } = JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: string };
  return `${app} ${version ?? 'unknown'}`;
}
