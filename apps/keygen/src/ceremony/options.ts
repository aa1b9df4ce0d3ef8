// Options shared by the ceremony commands: --rehearsal and --seed (seeded randomness is a rehearsal
// privilege), and small number parsers whose errors name the option.

import type { OptionSpec, ParsedArgs } from '../io/args.ts';
import { UsageError } from '../io/errors.ts';
import { type RandomSource, seededRandom, systemRandom } from './rng.ts';

export const REHEARSAL_OPTIONS: OptionSpec = {
  rehearsal: { type: 'boolean' },
  seed: { type: 'string' },
};

/** `--rehearsal` and `--seed S`: a seed without --rehearsal is a usage error. */
export function rehearsalOf(args: ParsedArgs): { rehearsal: boolean; rng: RandomSource } {
  const rehearsal = args.values.rehearsal === true;
  const seed = args.values.seed;
  if (seed !== undefined) {
    if (!rehearsal)
      throw new UsageError('--seed is only allowed with --rehearsal (real keys need real randomness)');
    if (typeof seed !== 'string' || seed === '') throw new UsageError('--seed needs a value');
    return { rehearsal, rng: seededRandom(seed) };
  }
  return { rehearsal, rng: systemRandom };
}

/** A whole number option within [lo, hi]. */
export function intOption(args: ParsedArgs, name: string, lo: number, hi: number): number {
  const v = args.values[name];
  if (v === undefined) throw new UsageError(`missing --${name}`);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) {
    throw new UsageError(`--${name} must be a whole number from ${lo} to ${hi}, got '${String(v)}'`);
  }
  return Number(v);
}

/** `dir/REHEARSAL-name` for a rehearsal, the path unchanged otherwise. */
export function rehearsalName(file: string, rehearsal: boolean): string {
  if (!rehearsal) return file;
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const base = file.slice(slash + 1);
  if (base.startsWith('REHEARSAL-')) return file;
  return `${file.slice(0, slash + 1)}REHEARSAL-${base}`;
}
