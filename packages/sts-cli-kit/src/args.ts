// Command-line parsing for every app: node:util parseArgs in strict mode, with one wording for its
// errors and negative numbers accepted as values (`--amount -5`), which parseArgs alone refuses.

import { parseArgs } from 'node:util';
import { usageError } from './errors.ts';
import { shown } from './shown.ts';

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface ParseOptions {
  /** Positional arguments are allowed (default: refused as "unexpected argument"). */
  allowPositionals?: boolean;
  /** Added to every message as " (see 'HINT')", e.g. "sts-vend token --help". */
  helpHint?: string;
}

const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * A string option followed by a negative number takes it as its value: `--amount -5` becomes
 * `--amount=-5` (parseArgs would call it ambiguous). `--` ends the options, as usual.
 */
function joinNegativeValues(argv: readonly string[], spec: OptionSpec): string[] {
  const byShort = new Map<string, string>();
  for (const [name, option] of Object.entries(spec)) if (option.short) byShort.set(option.short, name);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = arg.startsWith('--')
      ? arg.slice(2)
      : /^-[^-]$/.test(arg)
        ? byShort.get(arg.slice(1))
        : undefined;
    const next = argv[i + 1];
    if (
      name !== undefined &&
      spec[name]?.type === 'string' &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Node's long parseArgs messages as one short line naming the option. */
function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${shown(option).slice(1, -1)}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (message.includes('does not take an argument')) return `option ${option} takes no value`;
      if (message.includes('ambiguous'))
        return `option ${option} needs a value; write a value that starts with '-' as ${option}=VALUE`;
      return `option ${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${shown(quoted)}`;
    default:
      return message.split('\n')[0] ?? 'bad arguments';
  }
}

/** Parse `argv` strictly against `spec`; every problem is a UsageError (exit 2) of one line. */
export function parseCommandArgs(
  argv: readonly string[],
  spec: OptionSpec,
  opts: ParseOptions = {},
): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: joinNegativeValues(argv, spec),
      options: spec,
      strict: true,
      allowPositionals: opts.allowPositionals ?? false,
    });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    const hint = opts.helpHint ? ` (see '${opts.helpHint}')` : '';
    throw usageError(`${describeParseError(error)}${hint}`);
  }
}

/** A string option's value, or undefined. An empty value is an error: `--drn=` is a typo, not a choice. */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.values[name];
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (Array.isArray(value)) throw usageError(`option --${name} is given more than once`);
  if (value === '') throw usageError(`option --${name} needs a value`);
  return value;
}

/** A string option that must be given: "--x is required" otherwise. */
export function requiredOption(parsed: ParsedArgs, name: string): string {
  const value = stringOption(parsed, name);
  if (value === undefined) throw usageError(`--${name} is required`);
  return value;
}

/** A boolean option. */
export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}

/**
 * A whole-number option: decimal, or hexadecimal with `0x` (handy for `--register 0xFFFF`), optionally
 * within a range. The text is checked before Number() sees it: `1e3`, `12abc` and ` 7` are refused.
 */
export function integerOption(
  parsed: ParsedArgs,
  name: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  let value: number;
  if (/^-?[0-9]+$/.test(text)) value = Number(text);
  else if (/^0[xX][0-9a-fA-F]+$/.test(text)) value = Number.parseInt(text.slice(2), 16);
  else throw usageError(`--${name} must be a whole number, got ${shown(text)}`);
  const { min, max } = range;
  if (
    !Number.isSafeInteger(value) ||
    (min !== undefined && value < min) ||
    (max !== undefined && value > max)
  ) {
    if (min !== undefined && max !== undefined)
      throw usageError(`--${name} must be from ${min} to ${max}, got ${shown(text)}`);
    if (min !== undefined) throw usageError(`--${name} must be at least ${min}, got ${shown(text)}`);
    if (max !== undefined) throw usageError(`--${name} must be at most ${max}, got ${shown(text)}`);
    throw usageError(`--${name} is too large: ${shown(text)}`);
  }
  return value;
}
