// Command-line options: node:util parseArgs (strict), with one wording for every error (sts-cli-kit's).
import { parseArgs } from 'node:util';
import { usageError } from '../cli-error.ts';

export type Spec = Record<string, { type: 'string' | 'boolean' }>;
export type Values = Record<string, string | boolean | undefined>;

export function parseOptions(argv: readonly string[], spec: Spec, hint: string): Values {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...spec, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values as Values;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const m =
      /'(-[^']*)'/.exec((e as Error).message)?.[1] ?? /argument '([^']*)'/.exec((e as Error).message)?.[1];
    const name = m?.replace(/^-+/, '') ?? '';
    const text =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `unknown option --${name}`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? (e as Error).message.includes('argument missing')
            ? `option --${name.split(' ')[0]} needs a value`
            : `option --${name.split(' ')[0]} takes no value`
          : code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
            ? `unexpected argument '${name}'`
            : 'bad command line';
    throw usageError(`${text} (see '${hint}')`);
  }
}

export function required(v: Values, name: string): string {
  const s = v[name];
  if (typeof s !== 'string') throw usageError(`--${name} is required`);
  if (s === '') throw usageError(`option --${name} needs a value`);
  return s;
}

export function optional(v: Values, name: string): string | undefined {
  const s = v[name];
  if (s === '') throw usageError(`option --${name} needs a value`);
  return typeof s === 'string' ? s : undefined;
}
