// Reads an STS configuration file for a command (--config, --new-config) through sts-config.
// Every problem of the file is reported, one line each: FILE:LINE:COL: path: message (exit 2).
import { readFile } from 'node:fs/promises';
import { formatDiagnostic, parseStsConfig, type StsConfig } from 'sts-config';
import { systemReason } from './batch.ts';
import { CliError, EXIT_USAGE } from './errors.ts';

/** Config files are a few hundred bytes; anything this large is the wrong file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadedConfig {
  config: StsConfig;
  /** Warnings of the parser, formatted like errors; the caller prints them on stderr. */
  warnings: string[];
}

/** Read and validate the configuration at `file`; a missing file or any config error is a CliError. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_CONFIG_BYTES) {
      throw new CliError('unreadable-file', `cannot read ${file}: larger than 1 MiB, not a config file`);
    }
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError('unreadable-file', `cannot read ${file}: ${systemReason(error)}`, EXIT_USAGE);
  }
  // Each problem as FILE:LINE:COL: message; sts-config's messages start with the field's path.
  const result = parseStsConfig(text, { source: file });
  if (!result.ok) {
    const lines = result.errors.map(formatDiagnostic);
    const count = lines.length === 1 ? '1 error' : `${lines.length} errors`;
    throw new CliError('invalid-config', `${file}: invalid configuration (${count})`, EXIT_USAGE, lines);
  }
  return { config: result.config, warnings: result.warnings.map(formatDiagnostic) };
}
