// Option parsing for commands: node:util parseArgs in strict mode, its errors turned into UsageErrors.
// Keeps every command's "unknown option" and "missing value" messages one short line.

import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** Parse `argv` against `options`; unknown options, missing values and stray positionals are UsageErrors. */
export function parseArgs(argv: string[], options: OptionSpec, allowPositionals = false): ParsedArgs {
  try {
    const parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message = err instanceof Error ? err.message : String(err);
    const quoted = /'([^']+)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      throw new UsageError(quoted ? `unknown option '${quoted}'` : 'unknown option');
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const opt = /--([\w-]+)/.exec(message)?.[0];
      throw new UsageError(`option ${opt ?? ''} needs a value`.replace('  ', ' '));
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
      throw new UsageError(quoted ? `unexpected argument '${quoted}'` : 'unexpected argument');
    throw new UsageError(message.split('\n')[0] ?? 'bad arguments');
  }
}

/** The value of a string option that must be given. */
export function requireString(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

/** The value of an optional string option. */
export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}
