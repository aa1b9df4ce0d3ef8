// Options shared by the ceremony commands: --rehearsal and --seed (seeded randomness is a rehearsal
// privilege), and small number parsers whose errors name the option.

import { flag, integerOption, type OptionSpec, type ParsedArgs, stringOption, usageError } from 'sts-cli-kit';
import { type RandomSource, seededRandom, systemRandom } from './rng.ts';

export const REHEARSAL_OPTIONS: OptionSpec = {
  rehearsal: { type: 'boolean' },
  seed: { type: 'string' },
};

/** `--rehearsal` and `--seed S`: a seed without --rehearsal is a usage error. */
export function rehearsalOf(args: ParsedArgs): { rehearsal: boolean; rng: RandomSource } {
  const rehearsal = flag(args, 'rehearsal');
  const seed = stringOption(args, 'seed');
  if (seed !== undefined) {
    if (!rehearsal)
      throw usageError('--seed is only allowed with --rehearsal (real keys need real randomness)');
    return { rehearsal, rng: seededRandom(seed) };
  }
  return { rehearsal, rng: systemRandom };
}

/** A whole number option within [lo, hi] that must be given (the kit's wording for both). */
export function intOption(args: ParsedArgs, name: string, lo: number, hi: number): number {
  const value = integerOption(args, name, { min: lo, max: hi });
  if (value === undefined) throw usageError(`--${name} is required`);
  return value;
}

/** `dir/REHEARSAL-name` for a rehearsal, the path unchanged otherwise. */
export function rehearsalName(file: string, rehearsal: boolean): string {
  if (!rehearsal) return file;
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const base = file.slice(slash + 1);
  if (base.startsWith('REHEARSAL-')) return file;
  return `${file.slice(0, slash + 1)}REHEARSAL-${base}`;
}
