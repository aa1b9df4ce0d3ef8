// The command registry: which module serves which first word of `sts-keygen <command> …`.
// Modules load lazily (only the one a command needs), and a missing module reports "not available".
//
// HOW TO REGISTER a command module:
//   1. Create `commands/<file>.ts` exporting `export const commands: Command[] = [...]`, where each
//      Command (io/command.ts) has `name` (the words: 'shares split'), `summary`, `usage`, `run`.
//      A module may serve several commands sharing its first word ('bundle', 'bundle open').
//   2. Add (or keep) a row below: `{ word, module, summary }`. Rows for vending-key, shares and
//      ceremony are already here; until their files exist they answer "not available in this build".

import { existsSync } from 'node:fs';
import type { Command } from '../io/command.ts';

export interface RegistryEntry {
  /** First word of the command line. */
  readonly word: string;
  /** Module path relative to this file. */
  readonly module: string;
  /** One line for the top-level help (the module's own commands give the detail). */
  readonly summary: string;
}

export const registry: readonly RegistryEntry[] = [
  { word: 'config', module: './config.ts', summary: 'make and check STS configuration files' },
  { word: 'rsa', module: './rsa.ts', summary: 'generate the RSA-4096 key pair that signs upload bundles' },
  { word: 'bundle', module: './bundle.ts', summary: 'build or open a Nectar upload bundle' },
  {
    word: 'vending-key',
    module: './vending-key.ts',
    summary: 'vending keys from custodian components, KCVs',
  },
  { word: 'shares', module: './shares.ts', summary: 'Shamir M-of-N backup of a key' },
  { word: 'ceremony', module: './ceremony.ts', summary: 'plan and run a key ceremony from one YAML file' },
];

/** Thrown when a registered module's file is not there (a partial build). */
export class NotAvailableError extends Error {}

/** Load the commands of one registry entry. */
export async function loadCommands(entry: RegistryEntry): Promise<readonly Command[]> {
  const url = new URL(entry.module, import.meta.url);
  if (!existsSync(url)) throw new NotAvailableError(`'${entry.word}' is not available in this build`);
  const mod = (await import(url.href)) as {
    commands?: readonly Command[];
    default?: Command | readonly Command[];
  };
  const list = mod.commands ?? mod.default;
  if (list === undefined) throw new Error(`${entry.module} exports no commands`);
  return Array.isArray(list) ? (list as readonly Command[]) : [list as Command];
}
