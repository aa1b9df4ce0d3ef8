// `sts-vend decoder-key`: derive a meter's decoder key (DKGA02/04, IEC 62055-41) and show its KCV.
// The key itself is a secret: printed only with --reveal, and wiped as soon as it is shown.

import { EXIT, flag, loadConfigFile, type OptionSpec, parseCommandArgs, requiredOption } from 'sts-cli-kit';
import { bytesToHex, kcv, kcvMethodForDecoderKey, wipe } from 'sts-crypto';
import { deriveKeyFromConfig } from 'sts-token';
import { type CommandResult, warn } from './output.ts';

const OPTIONS: OptionSpec = {
  config: { type: 'string' },
  drn: { type: 'string' },
  reveal: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export async function runDecoderKeyCommand(args: string[]): Promise<CommandResult> {
  const parsed = parseCommandArgs(args, OPTIONS, { helpHint: 'sts-vend decoder-key --help' });
  const configFile = requiredOption(parsed, 'config');
  const drn = requiredOption(parsed, 'drn');
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
      return { stdout: `${JSON.stringify(body)}\n`, exitCode: EXIT.ok };
    }
    const lines = [
      `drn         ${info.drn}`,
      `algorithm   ${info.encryptionAlgorithm}, DKGA${info.decoderKeyGenerationAlgorithm}, ${info.keyBits}-bit key`,
      `kcv         ${info.kcv} (${info.kcvMethod})`,
    ];
    if (reveal) lines.push(`key         ${bytesToHex(key)}`);
    return { stdout: `${lines.join('\n')}\n`, exitCode: EXIT.ok };
  } finally {
    wipe(key);
  }
}
