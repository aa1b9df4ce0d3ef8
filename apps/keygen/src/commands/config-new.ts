// `sts-keygen config new`: an STS configuration file (nectar-compat §1) made from a vending key file
// and options, so the key never passes through an editor; checked as `config check` checks, 0600.

import { CliError, EXIT, OutputSet, parseCommandArgs, stringOption, usageError } from 'sts-cli-kit';
import { configFromJson, type FieldKey, formatDiagnostic, formatStsConfig, parseStsConfig } from 'sts-config';
import { bytesToHex, wipe } from 'sts-crypto';
import { REHEARSAL_OPTIONS, rehearsalOf } from '../ceremony/options.ts';
import { optionsOf, type StepDescription } from '../ceremony/steps.ts';
import { parseKeyFile } from '../ceremony/vending-key.ts';
import type { Command, CommandContext } from '../io/command.ts';
import { assertDistinct, readObserved } from '../io/files.ts';
import { rehearsalMark } from '../io/rehearsal-mark.ts';
import { decodeConfigText, describeConfig } from './config-check.ts';

/** Each option and the file key it sets; the vending key comes from --vending-key FILE only. */
const FIELD_OPTIONS = {
  name: 'name',
  sgc: 'supply_group_code',
  'tariff-index': 'tariff_index',
  'key-revision': 'key_revision_no',
  'key-type': 'key_type',
  'key-expiry': 'key_expiry_no',
  'base-date': 'base_date',
  ea: 'encryption_algorithm',
  dkga: 'decoder_key_generation_algorithm',
  iin: 'issuer_identification_no',
  carrier: 'token_carrier_type',
} as const satisfies Record<string, Exclude<FieldKey, 'vending_key'>>;
type FieldOption = keyof typeof FIELD_OPTIONS;
const OPTION_OF = new Map<string, string>(Object.entries(FIELD_OPTIONS).map(([o, f]) => [f, o]));
OPTION_OF.set('vending_key', 'vending-key');

/**
 * Defaults only where the references give one: nectar-compat §1 says the carrier is "always
 * numeric". Every other field must be given (or taken from --from).
 */
const DEFAULTS: Partial<Record<FieldOption, string>> = { carrier: 'numeric' };

/** A placeholder key for checks made before the real key is read (ceremony plan): never written. */
const PLACEHOLDER_KEY: Record<string, string> = {
  '02': '0123456789abcdef',
  '04': '0123456789abcdef0123456789abcdef01234567',
};

/** `--a is required` / `--a, --b and --c are required`. */
function requiredMessage(missing: readonly string[]): string {
  const named = missing.map((o) => `--${o}`);
  if (named.length === 1) return `${named[0]} is required`;
  return `${named.slice(0, -1).join(', ')} and ${named.at(-1)} are required`;
}

/** A diagnostic of sts-config with the option in place of the file key: `--tariff-index: must be …`. */
function asOptionMessage(path: string, message: string): string {
  const option = OPTION_OF.get(path);
  if (option === undefined || !message.startsWith(`${path}:`)) return message;
  return `--${option}:${message.slice(path.length + 1)}`;
}

/** The file keys and values a new configuration gets: `base` (from --from), then the options, then defaults. */
function fieldValues(
  given: Partial<Record<FieldOption, string>>,
  base: Partial<Record<FieldOption, string>> | undefined,
): { values: Record<string, string>; missing: FieldOption[] } {
  const values: Record<string, string> = {};
  const missing: FieldOption[] = [];
  for (const [option, field] of Object.entries(FIELD_OPTIONS) as [FieldOption, string][]) {
    const value = given[option] ?? base?.[option] ?? DEFAULTS[option];
    if (value === undefined) missing.push(option);
    else values[field] = value;
  }
  return { values, missing };
}

/**
 * What a ceremony plan can check before any key exists: the options given, with a placeholder
 * key of the DKGA's length (the real key's length is checked when the step runs).
 */
function planProblems(args: Readonly<Record<string, unknown>>): { arg: string; message: string }[] {
  const given: Partial<Record<FieldOption, string>> = {};
  for (const option of Object.keys(FIELD_OPTIONS) as FieldOption[]) {
    if (args[option] !== undefined) given[option] = String(args[option]);
  }
  const { values, missing } = fieldValues(given, undefined);
  if (args.from === undefined && missing.length > 0) {
    return missing.map((o) => ({ arg: o, message: 'missing (or give from: an existing configuration)' }));
  }
  const placeholderFill = fieldValues(given, {
    name: 'x',
    sgc: '123456',
    'tariff-index': '01',
    'key-revision': '1',
    'key-type': '2',
    'key-expiry': '255',
    'base-date': '2014',
    ea: 'sta',
    dkga: '02',
    iin: '600727',
  }).values;
  const dkga = values.decoder_key_generation_algorithm ?? '02';
  const r = configFromJson({
    ...placeholderFill,
    vending_key: PLACEHOLDER_KEY[dkga] ?? PLACEHOLDER_KEY['02'],
  });
  if (r.ok) return [];
  return r.errors
    .map((e) => ({ option: OPTION_OF.get(e.path), message: e.message }))
    .filter(
      (e): e is { option: string; message: string } => e.option !== undefined && args[e.option] !== undefined,
    )
    .map((e) => ({ arg: e.option, message: e.message.replace(/^[a-z_]+: /, '') }));
}

/** The non-secret fields of an existing configuration (for a key change: same fields, new revision). */
async function fieldsOfExisting(
  file: string,
  ctx: CommandContext,
): Promise<Partial<Record<FieldOption, string>>> {
  const bytes = await readObserved(file, { what: 'config', observer: ctx.observer });
  let text: string;
  try {
    text = decodeConfigText(bytes, file);
  } finally {
    bytes.fill(0);
  }
  const r = parseStsConfig(text, { source: file });
  if (!r.ok) {
    throw new CliError(
      'bad-input',
      [
        `--from ${file} is not a valid STS configuration; nothing written:`,
        ...r.errors.map(formatDiagnostic),
      ].join('\n'),
    );
  }
  const c = r.config;
  c.vendingKey.fill(0);
  return {
    name: c.name,
    sgc: c.supplyGroupCode,
    'tariff-index': c.tariffIndex,
    'key-revision': String(c.keyRevisionNo),
    'key-type': String(c.keyType),
    'key-expiry': String(c.keyExpiryNo),
    'base-date': String(c.baseDate),
    ea: c.encryptionAlgorithm,
    dkga: c.decoderKeyGenerationAlgorithm,
    iin: c.issuerIdentificationNo,
    carrier: c.tokenCarrierType,
  };
}

const configNewStep: StepDescription = {
  args: {
    'vending-key': { kind: 'input', required: true },
    out: { kind: 'output', required: true },
    from: { kind: 'input' },
    ...Object.fromEntries(
      Object.keys(FIELD_OPTIONS).map((o) => [o, o === 'dkga' ? { kind: 'dkga' } : { kind: 'string' }]),
    ),
  },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
  check: planProblems,
};

export const configNew: Command = {
  name: 'config new',
  summary: 'write an STS configuration from a vending key file and options (0600, KCV printed)',
  usage: `usage: sts-keygen config new --vending-key FILE --out FILE [--from FILE]
         --name TEXT --sgc NNNNNN --tariff-index NN --key-revision 1-9 --key-type 0-3
         --key-expiry 0-255 --base-date 1993|2014|2035 --ea sta|dea|misty1 --dkga 02|04
         --iin 600727|0000 [--carrier numeric] [--rehearsal] [--json]

Writes the configuration file that 'bundle' and the token tools read (nectar-compat §1), with the
vending key taken from FILE (as 'vending-key generate|combine' and 'shares combine' write it), so
the key is never typed or pasted. Every field is an option; the only default is --carrier numeric
(the one carrier there is). The result is checked exactly as 'config check' checks a file before
anything is written, then written with mode 0600, never over an existing file. Prints the key's
KCV, never the key.
  --from FILE  take every field but the key from an existing configuration (a key change: the
               same fields and a new key; give --key-revision for the new revision); options
               given beside it override its fields
  --rehearsal  for a REHEARSAL key file: the configuration gets a '# REHEARSAL' comment line
               (a REHEARSAL key without --rehearsal is refused)

Exit codes: 0 written, 1 the written file did not read back, 2 bad usage or input (a missing or
invalid option, an unreadable key file, an invalid --from file, an output that exists), 3 cannot write.`,
  step: configNewStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(configNewStep.args), ...REHEARSAL_OPTIONS });
    const keyFile = stringOption(args, 'vending-key');
    const out = stringOption(args, 'out');
    const from = stringOption(args, 'from');
    const given: Partial<Record<FieldOption, string>> = {};
    for (const option of Object.keys(FIELD_OPTIONS) as FieldOption[]) {
      const value = stringOption(args, option);
      if (value !== undefined) given[option] = value;
    }
    const { rehearsal } = rehearsalOf(args);
    const absent = [...(keyFile === undefined ? ['vending-key'] : []), ...(out === undefined ? ['out'] : [])];
    if (from === undefined) absent.push(...fieldValues(given, undefined).missing);
    if (keyFile === undefined || out === undefined || absent.length > 0) {
      throw usageError(requiredMessage(absent));
    }

    assertDistinct([keyFile, ...(from === undefined ? [] : [from])], [out]);
    const outputs = new OutputSet(ctx.observer);
    outputs.plan(out);
    try {
      const base = from === undefined ? undefined : await fieldsOfExisting(from, ctx);
      const { values } = fieldValues(given, base);
      const data = await readObserved(keyFile, {
        what: 'vending key file',
        observer: ctx.observer,
        maxBytes: 4096,
      });
      let parsed: ReturnType<typeof parseKeyFile>;
      try {
        parsed = parseKeyFile(data, keyFile);
      } finally {
        data.fill(0);
      }
      const { key } = parsed;
      let text: Buffer | undefined;
      try {
        if (parsed.rehearsal && !rehearsal) {
          throw new CliError(
            'bad-input',
            `vending key file ${keyFile} is a REHEARSAL key: make its configuration with --rehearsal`,
          );
        }
        const checked = configFromJson({ ...values, vending_key: bytesToHex(key).toLowerCase() });
        if (!checked.ok) {
          throw new CliError(
            'bad-input',
            checked.errors.map((e) => asOptionMessage(e.path, e.message)).join('\n'),
          );
        }
        for (const w of checked.warnings) ctx.out.warn(asOptionMessage(w.path, w.message));
        const body = formatStsConfig(checked.config);
        checked.config.vendingKey.fill(0);
        text = Buffer.from(
          rehearsal ? body.replace(/^---\n/, `---\n${rehearsalMark('configuration')}`) : body,
          'utf8',
        );
        // The file as written must pass 'config check' as it stands (comment line included).
        const asRead = parseStsConfig(text.toString('utf8'), { source: out });
        if (!asRead.ok) throw new CliError('bad-input', asRead.errors.map(formatDiagnostic).join('\n'));
        const summary = describeConfig(asRead.config);
        asRead.config.vendingKey.fill(0);
        const bytes = text;
        await outputs.run(async () => {
          outputs.write(out, bytes, { secret: true });
          const back = await readObserved(out, { what: 'written configuration' });
          const same = Buffer.compare(back, bytes) === 0;
          back.fill(0);
          if (!same)
            throw new CliError(
              'verification-failed',
              `${out} does not read back as written: nothing kept`,
              EXIT.failed,
            );
        });
        const lines = [
          `configuration written to ${out} (mode 0600)`,
          `config: ${summary.line}`,
          ...(from === undefined ? [] : [`fields not given as options taken from ${from}`]),
        ];
        if (rehearsal) lines.unshift('REHEARSAL: not a production configuration');
        ctx.out.result(lines, {
          command: 'config new',
          out,
          from: from ?? null,
          config: summary.data,
          kcv: summary.data.vendingKeyKcv,
          kcvMethod: summary.data.vendingKeyKcvMethod,
          rehearsal,
        });
        return EXIT.ok;
      } finally {
        wipe(key);
        text?.fill(0);
      }
    } finally {
      outputs.abort();
    }
  },
};
