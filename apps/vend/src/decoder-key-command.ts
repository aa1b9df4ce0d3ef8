// `sts-vend decoder-key`: derive a meter's decoder key (DKGA02/04, sts-reference §10) and show its KCV.
// The key itself is a secret: printed only with --reveal, and wiped as soon as it is shown.
import { bytesToHex, kcv, kcvMethodForDecoderKey, wipe } from 'sts-crypto';
import { deriveKeyFromConfig } from 'sts-token';
import { flag, type OptionSpec, parseCommandArgs, shown, stringOption } from './args.ts';
import { loadConfigFile } from './config-file.ts';
import { EXIT_OK, usageError } from './errors.ts';
import { type CommandResult, warn } from './output.ts';

const OPTIONS: OptionSpec = {
  config: { type: 'string' },
  drn: { type: 'string' },
  reveal: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function runDecoderKeyCommand(args: string[]): Promise<CommandResult> {
  const parsed = parseCommandArgs('decoder-key', args, OPTIONS);
  if (parsed.positionals.length > 0) throw usageError(`unexpected argument ${shown(parsed.positionals[0]!)}`);
  const configFile = stringOption(parsed, 'config');
  const drn = stringOption(parsed, 'drn');
  if (configFile === undefined) throw usageError('decoder-key needs --config FILE');
  if (drn === undefined) throw usageError('decoder-key needs --drn DRN');
  const { config, warnings } = await loadConfigFile(configFile);
  warnings.forEach(warn);

  const key = deriveKeyFromConfig(config, drn);
  try {
    const method = kcvMethodForDecoderKey(key);
    const info = {
      drn,
      encryptionAlgorithm: config.encryptionAlgorithm,
      decoderKeyGenerationAlgorithm: config.decoderKeyGenerationAlgorithm,
      keyBits: key.length * 8,
      kcv: kcv(key, method),
      kcvMethod: method,
    };
    const reveal = flag(parsed, 'reveal');
    if (flag(parsed, 'json')) {
      const body = reveal ? { ...info, decoderKey: bytesToHex(key) } : info;
      return { stdout: `${JSON.stringify(body)}\n`, exitCode: EXIT_OK };
    }
    const lines = [
      `drn         ${info.drn}`,
      `algorithm   ${info.encryptionAlgorithm}, DKGA${info.decoderKeyGenerationAlgorithm}, ${info.keyBits}-bit key`,
      `kcv         ${info.kcv} (${info.kcvMethod})`,
    ];
    if (reveal) lines.push(`key         ${bytesToHex(key)}`);
    return { stdout: `${lines.join('\n')}\n`, exitCode: EXIT_OK };
  } finally {
    wipe(key);
  }
}
