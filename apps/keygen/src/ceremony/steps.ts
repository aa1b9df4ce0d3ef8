// What a ceremony step may say: each command exports its own step description (its arguments and
// which are files read or written), collected here so `ceremony plan` checks paths before any secret.

import type { OptionSpec } from 'sts-cli-kit';
import { loadCommands, registry } from '../commands/index.ts';

/** How an argument is used. `inputs` is the list of positional files (`files:` in the YAML). */
export type ArgKind = 'string' | 'int' | 'bool' | 'dkga' | 'input' | 'indir' | 'output' | 'outdir' | 'inputs';

export interface ArgSpec {
  readonly kind: ArgKind;
  readonly required?: boolean;
  /** For 'int': the allowed range. */
  readonly min?: number;
  readonly max?: number;
}

/** What a command says about itself as a ceremony step (Command.step). */
export interface StepDescription {
  /** The options a step may give, by name, and the positional files as `files`. */
  readonly args: Readonly<Record<string, ArgSpec>>;
  /** The step creates or handles a secret: a person confirms it first on a terminal. */
  readonly risky: boolean;
  /** The command takes --rehearsal (and --seed): a rehearsal run passes them on. */
  readonly rehearsal: boolean;
  /** Files the step writes that are not named by an argument (e.g. the share files inside --out DIR). */
  readonly impliedOutputs?: (args: Readonly<Record<string, unknown>>) => string[];
  /** The output files are secret (mode 0600 expected). */
  readonly secretOutputs: boolean;
  /** Checks of the argument values beyond their kinds, made by `ceremony plan` before any secret exists. */
  readonly check?: (args: Readonly<Record<string, unknown>>) => { arg: string; message: string }[];
}

/** A step description with the command words it belongs to ('shares split'). */
export interface StepSpec extends StepDescription {
  readonly command: string;
}

/**
 * The command-line options of a step's arguments, so a command parses exactly what its step
 * description says: `bool` is a flag, `inputs` are the positionals, everything else takes a value.
 */
export function optionsOf(args: StepDescription['args']): OptionSpec {
  const options: OptionSpec = {};
  for (const [name, arg] of Object.entries(args)) {
    if (arg.kind === 'inputs') continue;
    options[name] = { type: arg.kind === 'bool' ? 'boolean' : 'string' };
  }
  return options;
}

/** Every command that may be a ceremony step, in registry order, with its description. */
export async function loadStepSpecs(): Promise<StepSpec[]> {
  const specs: StepSpec[] = [];
  for (const entry of registry) {
    for (const command of await loadCommands(entry)) {
      if (command.step) specs.push({ command: command.name, ...command.step });
    }
  }
  return specs;
}
