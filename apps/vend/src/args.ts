// Command-line parsing on node:util parseArgs (strict): Node's messages become one short line each.
// No CLI framework: the option tables live next to each command, the checks here.
import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parse `args` strictly against `options`; every problem is a usage error naming the option. */
export function parseCommandArgs(command: string, args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw usageError(`${describeParseError(error)} (see 'sts-vend ${command} --help')`);
  }
}

/** Node's parseArgs messages are long and point at '--' tricks; keep the fact, name the option. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `option ${option} takes no value`;
      return `option ${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${option}'`;
    default:
      return message.split('\n')[0] ?? 'bad arguments';
  }
}

/** A string option's value, or undefined. Empty values are errors: `--drn=` is a typo, not a choice. */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (value === '') throw usageError(`option --${name} needs a value`);
  return value;
}

export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * A whole-number option: decimal, or hexadecimal with `0x` (handy for `--register 0xFFFF`).
 * Ranges are the library's business; here only the form is checked.
 */
export function integerOption(parsed: ParsedArgs, name: string): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  let value: number;
  if (/^[0-9]+$/.test(text)) value = Number(text);
  else if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text.slice(2), 16);
  else throw usageError(`--${name} must be a whole number, got ${shown(text)}`);
  if (!Number.isSafeInteger(value)) throw usageError(`--${name} is too large: ${shown(text)}`);
  return value;
}

/**
 * User text as a message shows it: quoted, never more than a screen line of it, and never a run of 16
 * or more hex digits (a decoder or vending key typed in the wrong place), of which only the length is told.
 */
export function shown(text: string, max = 40): string {
  if (/^[0-9a-fA-F]{16,}$/.test(text)) return `${text.length} hex digits (not shown: it may be a key)`;
  return `'${text.length > max ? `${text.slice(0, max)}…` : text}'`;
}

/** Fail when any of `names` was given: those options do not apply here. */
export function rejectOptions(parsed: ParsedArgs, names: readonly string[], context: string): void {
  for (const name of names) {
    if (parsed.values[name] !== undefined) throw usageError(`--${name} does not apply to ${context}`);
  }
}
