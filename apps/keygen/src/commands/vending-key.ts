// `sts-keygen vending-key generate|components|combine`: vending keys made whole or from custodian
// components under dual control, each identified by its KCV (key-ceremony.md features 2-4).

import {
  CliError,
  EXIT,
  OutputSet,
  parseCommandArgs,
  requiredOption,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import { wipe } from 'sts-crypto';
import { refuseExisting } from '../ceremony/files.ts';
import { intOption, REHEARSAL_OPTIONS, rehearsalOf } from '../ceremony/options.ts';
import { optionsOf, type StepDescription } from '../ceremony/steps.ts';
import { CLEAR_SCREEN, isInteractive, secretReaderFor, waitForEnter } from '../ceremony/terminal.ts';
import {
  combineComponents,
  desWeakness,
  generateComponents,
  generateVendingKey,
  groupedHex,
  isZeroKey,
  type KeyCheck,
  keyFileText,
  parseDkga,
  sameKeyBits,
  type VendingDkga,
  vendingKeyCheck,
  vendingKeyLength,
} from '../ceremony/vending-key.ts';
import type { Command, CommandContext } from '../io/command.ts';

const MAX_COMPONENTS = 9;
/** `dkga:` in a ceremony step: "02" or "04", required. */
const DKGA_ARG = { kind: 'dkga', required: true } as const;

/** What a written key is, as the summary lines say it. */
function keyLabel(dkga: VendingDkga): string {
  return dkga === '02' ? 'DKGA02, 64-bit DES key, odd parity set' : 'DKGA04, 160-bit key';
}

/** Write the key file (0600, exclusive, all-or-nothing) and report its path. */
async function writeKeyFile(
  ctx: CommandContext,
  file: string,
  key: Uint8Array,
  rehearsal: boolean,
): Promise<void> {
  await new OutputSet(ctx.observer).run((set) => {
    set.plan(file);
    set.write(file, keyFileText(key, rehearsal), { secret: true });
  });
}

/**
 * The end of `components` and `combine`: write the combined key when `out` is given, then the lines
 * and JSON fields that report each component's KCV and the key's (never a component or the key).
 */
async function reportCombinedKey(
  ctx: CommandContext,
  o: {
    dkga: VendingDkga;
    checks: readonly KeyCheck[];
    key: Uint8Array;
    out: string | undefined;
    rehearsal: boolean;
    /** Appended to each component's line (`confirmed` when the custodian brought the KCV). */
    suffix: string;
  },
): Promise<{ lines: string[]; data: Record<string, unknown> }> {
  const keyCheck = vendingKeyCheck(o.key);
  if (o.out !== undefined) await writeKeyFile(ctx, o.out, o.key, o.rehearsal);
  const count = o.checks.length;
  const lines = o.checks.map(
    (c, i) => `component ${i + 1} of ${count}: KCV ${c.kcv} (${c.method})${o.suffix}`,
  );
  lines.push(`combined key (${keyLabel(o.dkga)}): KCV ${keyCheck.kcv} (${keyCheck.method})`);
  if (o.out !== undefined) lines.push(`combined key written to ${o.out}`);
  const data = {
    dkga: o.dkga,
    components: o.checks.map((c, i) => ({ custodian: i + 1, kcv: c.kcv, kcvMethod: c.method })),
    kcv: keyCheck.kcv,
    kcvMethod: keyCheck.method,
    out: o.out ?? null,
    rehearsal: o.rehearsal,
  };
  return { lines, data };
}

const generateStep: StepDescription = {
  args: { dkga: DKGA_ARG, out: { kind: 'output', required: true } },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
};

const generate: Command = {
  name: 'vending-key generate',
  summary: 'generate a random vending key into a file (0600) and print its KCV',
  usage: `usage: sts-keygen vending-key generate --dkga 02|04 --out FILE [--rehearsal [--seed S]] [--json]

Generates a random vending key (crypto.randomBytes) and writes it as one line of hex to FILE,
created exclusively with mode 0600. Prints the key check value (KCV) and its method.
  --dkga 02   a 64-bit DES key: odd parity is set, weak and semi-weak DES keys are redrawn
  --dkga 04   a 160-bit key (KCV: HMAC-SHA-256 of a zero block)
  --rehearsal mark the file REHEARSAL; --seed S makes the key repeatable (rehearsal only)`,
  step: generateStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(generateStep.args), ...REHEARSAL_OPTIONS });
    const dkga = parseDkga(stringOption(args, 'dkga'));
    const out = requiredOption(args, 'out');
    const { rehearsal, rng } = rehearsalOf(args);
    const { key, redrawn } = generateVendingKey(dkga, rng);
    try {
      const check = vendingKeyCheck(key);
      await writeKeyFile(ctx, out, key, rehearsal);
      const lines = [
        `vending key written to ${out} (${keyLabel(dkga)})`,
        `KCV ${check.kcv} (${check.method})`,
      ];
      if (redrawn > 0) lines.push(`${redrawn} weak or all-zero draw(s) refused and redrawn`);
      if (rehearsal) lines.unshift('REHEARSAL: not a production key');
      ctx.out.result(lines, {
        command: 'vending-key generate',
        dkga,
        out,
        kcv: check.kcv,
        kcvMethod: check.method,
        parity: dkga === '02' ? 'odd' : null,
        rehearsal,
      });
      return EXIT.ok;
    } finally {
      wipe(key);
    }
  },
};

const componentsStep: StepDescription = {
  args: {
    dkga: DKGA_ARG,
    count: { kind: 'int', required: true, min: 2, max: MAX_COMPONENTS },
    out: { kind: 'output' },
  },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
};

const components: Command = {
  name: 'vending-key components',
  summary: 'generate a vending key as N components, each revealed to one custodian',
  usage: `usage: sts-keygen vending-key components --count N --dkga 02|04 [--out FILE] [--rehearsal [--seed S]] [--json]

Generates N random components (2..${MAX_COMPONENTS}) whose XOR is the vending key. Each custodian in turn presses
Enter, sees their component and its KCV, presses Enter again, and the screen is cleared before the
next custodian. Only the KCVs are printed at the end, with the combined key's KCV.
  --out FILE  also write the combined key (mode 0600, exclusive)
  --rehearsal allowed without a terminal: components are then printed (marked REHEARSAL);
              --seed S makes them repeatable
Without --rehearsal a terminal is required (components must never land in a pipe or a log).`,
  step: componentsStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(componentsStep.args), ...REHEARSAL_OPTIONS });
    const count = intOption(args, 'count', 2, MAX_COMPONENTS);
    const dkga = parseDkga(stringOption(args, 'dkga'));
    const out = stringOption(args, 'out');
    const { rehearsal, rng } = rehearsalOf(args);
    const interactive = isInteractive(ctx.stdin);
    if (!interactive && !rehearsal) {
      throw usageError(
        'vending-key components reveals each component on a terminal, one custodian at a time: stdin and stderr must be a terminal (use --rehearsal for a dry run)',
      );
    }
    if (out !== undefined) refuseExisting(out); // refuse an existing file before anything is revealed
    const { components: parts, key } = generateComponents(dkga, count, rng);
    const checks: KeyCheck[] = parts.map(vendingKeyCheck);
    const revealed: { custodian: number; component: string; kcv: string }[] = [];
    try {
      const reader = interactive ? secretReaderFor(ctx.stdin) : undefined;
      for (let k = 0; k < count; k++) {
        const shown = `${rehearsal ? 'REHEARSAL ' : ''}component ${k + 1} of ${count}: ${groupedHex(parts[k]!)}   KCV ${checks[k]!.kcv} (${checks[k]!.method})`;
        if (reader) {
          await waitForEnter(reader, `Custodian ${k + 1} of ${count}: press Enter to reveal your component`);
          process.stderr.write(`\n  ${shown}\n\n`);
          await waitForEnter(reader, 'Write it down, then press Enter to clear the screen');
          process.stderr.write(CLEAR_SCREEN);
        } else if (ctx.json) {
          revealed.push({ custodian: k + 1, component: groupedHex(parts[k]!), kcv: checks[k]!.kcv });
        } else {
          ctx.out.text(shown);
        }
      }
      const { lines, data } = await reportCombinedKey(ctx, { dkga, checks, key, out, rehearsal, suffix: '' });
      if (rehearsal) lines.unshift('REHEARSAL: not a production key');
      ctx.out.result(lines, {
        command: 'vending-key components',
        ...data,
        // Only in a rehearsal without a terminal: the transcript of a ceremony drops this field.
        ...(revealed.length > 0 ? { revealed } : {}),
      });
      return EXIT.ok;
    } finally {
      wipe(key, ...parts);
    }
  },
};

/** Read one component: hidden hex, spaces allowed. Errors name the custodian, never the text. */
function parseComponent(typed: Uint8Array, k: number, dkga: VendingDkga): Uint8Array {
  const want = vendingKeyLength(dkga);
  const digits: number[] = [];
  for (const byte of typed) {
    if (byte === 0x20 || byte === 0x09) continue;
    const v =
      byte >= 0x30 && byte <= 0x39
        ? byte - 0x30
        : byte >= 0x41 && byte <= 0x46
          ? byte - 0x37
          : byte >= 0x61 && byte <= 0x66
            ? byte - 0x57
            : -1;
    if (v < 0) {
      digits.fill(0);
      throw new CliError('bad-input', `component ${k}: not hex (only 0-9, A-F and spaces)`);
    }
    digits.push(v);
  }
  if (digits.length !== want * 2) {
    const got = digits.length;
    digits.fill(0);
    throw new CliError(
      'bad-input',
      `component ${k} must be ${want * 2} hex digits (${want} bytes) for DKGA${dkga}, got ${got}`,
    );
  }
  const out = new Uint8Array(want);
  for (let i = 0; i < want; i++) out[i] = (digits[2 * i]! << 4) | digits[2 * i + 1]!;
  digits.fill(0);
  return out;
}

const combineStep: StepDescription = {
  args: {
    dkga: DKGA_ARG,
    components: { kind: 'int', required: true, min: 2, max: MAX_COMPONENTS },
    out: { kind: 'output' },
  },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
};

const combine: Command = {
  name: 'vending-key combine',
  summary: 'combine N custodian components (hidden input, each checked against its KCV)',
  usage: `usage: sts-keygen vending-key combine --components N --dkga 02|04 [--out FILE] [--json]

Each custodian in turn types their component (hidden), then the KCV written beside it. The
component is checked against that KCV before the next custodian. The components are XORed into the
vending key; its KCV is printed. When stdin is not a terminal, each component and each KCV is read
as one line (component 1, KCV 1, component 2, KCV 2, ...).
Refused: a KCV that does not match (exit 1, naming the custodian), a wrong length, an all-zero
component, two equal components, a combined key that is a DES weak or semi-weak key (exit 2).
  --out FILE  write the combined key (mode 0600, exclusive); nothing is written on any failure
  --rehearsal mark the key file REHEARSAL (--seed S is accepted and unused: custodians type the components)`,
  step: combineStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(combineStep.args), ...REHEARSAL_OPTIONS });
    const count = intOption(args, 'components', 2, MAX_COMPONENTS);
    const dkga = parseDkga(stringOption(args, 'dkga'));
    const out = stringOption(args, 'out');
    const { rehearsal } = rehearsalOf(args);
    if (out !== undefined) refuseExisting(out); // before any custodian types anything
    const reader = secretReaderFor(ctx.stdin);
    const parts: Uint8Array[] = [];
    let key: Uint8Array | undefined;
    try {
      const checks: KeyCheck[] = [];
      for (let k = 1; k <= count; k++) {
        const typed = await reader.read(`Custodian ${k} of ${count}: enter your component (hidden): `);
        let part: Uint8Array;
        try {
          part = parseComponent(typed, k, dkga);
        } finally {
          typed.fill(0);
        }
        parts.push(part);
        const typedKcv = await reader.read(`Custodian ${k} of ${count}: enter the KCV of your component: `);
        const brought = Buffer.from(typedKcv).toString('utf8').replace(/\s+/g, '').toUpperCase();
        typedKcv.fill(0);
        if (!/^[0-9A-F]{6}$/.test(brought)) {
          // Never echo what was typed: a component typed one line early lands here.
          throw new CliError(
            'bad-input',
            `custodian ${k}: the KCV must be 6 hex digits, got ${brought.length} character(s)`,
          );
        }
        if (isZeroKey(part, dkga)) {
          throw new CliError(
            'bad-input',
            `component ${k} is all zeros${dkga === '02' ? ' (parity bits aside)' : ''}: refused`,
          );
        }
        const check = vendingKeyCheck(part);
        if (check.kcv !== brought) {
          throw new CliError(
            'verification-failed',
            `custodian ${k}: the component does not match the KCV ${brought} (${check.method}): re-enter it; nothing was written`,
            EXIT.failed,
          );
        }
        const twin = parts.findIndex((p, i) => i < k - 1 && sameKeyBits(p, part, dkga));
        if (twin >= 0) {
          throw new CliError(
            'bad-input',
            `component ${k} is the same as component ${twin + 1}: each custodian must bring a different component`,
          );
        }
        checks.push(check);
        ctx.out.info(`custodian ${k} of ${count}: component accepted, KCV ${check.kcv} (${check.method})`);
      }
      key = combineComponents(parts, dkga);
      if (isZeroKey(key, dkga)) throw new CliError('bad-input', 'the combined key is all zeros: refused');
      const weakness = desWeakness(key);
      if (weakness !== undefined) {
        throw new CliError(
          'bad-input',
          `the combined key is a DES ${weakness} key: refused (generate new components)`,
        );
      }
      const { lines, data } = await reportCombinedKey(ctx, {
        dkga,
        checks,
        key,
        out,
        rehearsal,
        suffix: ' confirmed',
      });
      ctx.out.result(lines, { command: 'vending-key combine', ...data });
      return EXIT.ok;
    } finally {
      wipe(...parts);
      if (key) wipe(key);
    }
  },
};

export const commands: Command[] = [generate, components, combine];
