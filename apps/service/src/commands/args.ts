// Command-line options through sts-cli-kit's parseCommandArgs (one wording for every app), plus --json.
import { type OptionSpec, parseCommandArgs, requiredOption, stringOption } from 'sts-cli-kit';

export type Values = ReturnType<typeof parseCommandArgs>;

export function parseOptions(argv: readonly string[], spec: OptionSpec, hint: string): Values {
  return parseCommandArgs(argv, { ...spec, json: { type: 'boolean' } }, { helpHint: hint });
}

export const required = requiredOption;
export const optional = stringOption;
