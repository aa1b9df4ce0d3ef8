// What a ceremony step may say: for each sts-keygen command, its arguments and which of them are
// files read or written, so `ceremony plan` can check paths before any secret exists.

import * as path from 'node:path';
import { BUNDLE_FILES } from 'sts-crypto';
import { shareFileName } from './files.ts';

/** How an argument is used. `inputs` is the list of positional files (`files:` in the YAML). */
export type ArgKind = 'string' | 'int' | 'bool' | 'dkga' | 'input' | 'indir' | 'output' | 'outdir' | 'inputs';

export interface ArgSpec {
  readonly kind: ArgKind;
  readonly required?: boolean;
  /** For 'int': the allowed range. */
  readonly min?: number;
  readonly max?: number;
}

export interface StepSpec {
  /** The command words, as registered ('shares split'). */
  readonly command: string;
  readonly args: Readonly<Record<string, ArgSpec>>;
  /** The step creates or handles a secret: a person confirms it first on a terminal. */
  readonly risky: boolean;
  /** The command takes --rehearsal (and --seed): a rehearsal run passes them on. */
  readonly rehearsal: boolean;
  /** Files the step writes that are not named by an argument (e.g. the share files inside --out DIR). */
  readonly impliedOutputs?: (args: Readonly<Record<string, unknown>>) => string[];
  /** The output files are secret (mode 0600 expected). */
  readonly secretOutputs: boolean;
}

const dkga: ArgSpec = { kind: 'dkga', required: true };

export const STEP_SPECS: readonly StepSpec[] = [
  {
    command: 'vending-key generate',
    args: { dkga, out: { kind: 'output', required: true } },
    risky: true,
    rehearsal: true,
    secretOutputs: true,
  },
  {
    command: 'vending-key components',
    args: { dkga, count: { kind: 'int', required: true, min: 2, max: 9 }, out: { kind: 'output' } },
    risky: true,
    rehearsal: true,
    secretOutputs: true,
  },
  {
    command: 'vending-key combine',
    args: { dkga, components: { kind: 'int', required: true, min: 2, max: 9 }, out: { kind: 'output' } },
    risky: true,
    rehearsal: true,
    secretOutputs: true,
  },
  {
    command: 'shares split',
    args: {
      in: { kind: 'input', required: true },
      threshold: { kind: 'int', required: true, min: 2, max: 255 },
      shares: { kind: 'int', required: true, min: 2, max: 255 },
      out: { kind: 'outdir', required: true },
      label: { kind: 'string' },
    },
    risky: true,
    rehearsal: true,
    secretOutputs: true,
    impliedOutputs: (a) => {
      const n = Number(a.shares);
      const dir = String(a.out);
      if (!Number.isInteger(n) || n < 2 || n > 255) return [];
      return Array.from({ length: n }, (_, i) => path.join(dir, shareFileName(i + 1, n)));
    },
  },
  {
    command: 'shares verify',
    args: { files: { kind: 'inputs', required: true } },
    risky: false,
    rehearsal: false,
    secretOutputs: false,
  },
  {
    command: 'shares combine',
    args: { files: { kind: 'inputs', required: true }, out: { kind: 'output', required: true } },
    risky: true,
    rehearsal: false,
    secretOutputs: true,
  },
  // The RSA, bundle and config commands (commands/rsa.ts, bundle.ts, config-check.ts): their options
  // as their usage texts give them; the ceremony runs them through the same registry.
  {
    command: 'rsa',
    args: { out: { kind: 'outdir', required: true }, 'passphrase-file': { kind: 'input' } },
    risky: true,
    rehearsal: false,
    secretOutputs: true,
    impliedOutputs: (a) => [path.join(String(a.out), 'key.pem'), path.join(String(a.out), 'public.pub')],
  },
  {
    command: 'bundle',
    args: {
      config: { kind: 'input', required: true },
      'signing-key': { kind: 'input', required: true },
      recipient: { kind: 'input', required: true },
      out: { kind: 'outdir', required: true },
      profile: { kind: 'string' },
      'symmetric-key-file': { kind: 'input' },
      'iv-file': { kind: 'input' },
      'passphrase-file': { kind: 'input' },
    },
    risky: true,
    rehearsal: false,
    secretOutputs: false,
    impliedOutputs: (a) => {
      const names: string[] = [BUNDLE_FILES.data, BUNDLE_FILES.digest, BUNDLE_FILES.symmetric];
      if (a.profile === 'strong') names.push(BUNDLE_FILES.mac, BUNDLE_FILES.profile);
      return names.map((n) => path.join(String(a.out), n));
    },
  },
  {
    command: 'bundle open',
    args: {
      dir: { kind: 'indir', required: true },
      'recipient-key': { kind: 'input', required: true },
      signer: { kind: 'input', required: true },
      out: { kind: 'output' },
      'passphrase-file': { kind: 'input' },
    },
    risky: true,
    rehearsal: false,
    secretOutputs: true,
  },
  {
    command: 'config check',
    args: { files: { kind: 'inputs', required: true } },
    risky: false,
    rehearsal: false,
    secretOutputs: false,
  },
];

/** The spec of a command, or undefined. */
export function stepSpec(command: string): StepSpec | undefined {
  return STEP_SPECS.find((s) => s.command === command);
}
