// Reads an STS configuration file for any app (--config, --new-config, --from) through sts-config.
// Every problem of the file is reported, one line each: FILE:LINE:COL: path: message (exit 2).

import { formatDiagnostic, parseStsConfig, type StsConfig } from 'sts-config';
import { CliError, EXIT } from './errors.ts';
import { readInputText } from './input.ts';

/** A configuration is a few hundred bytes; a file this large is the wrong file. */
export const MAX_CONFIG_BYTES = 64 * 1024;

export interface LoadedConfig {
  config: StsConfig;
  /** The parser's warnings, formatted like errors; the caller prints them on stderr. */
  warnings: string[];
}

/**
 * Read and check the configuration at `path` (bounded, UTF-8 text only). A missing, oversized or
 * binary file is one line; a malformed one is a CliError 'invalid-config' whose details are every
 * problem with its line and column.
 */
export async function loadConfigFile(path: string, what = 'config'): Promise<LoadedConfig> {
  const text = await readInputText(path, { what, maxBytes: MAX_CONFIG_BYTES });
  const result = parseStsConfig(text, { source: path });
  if (!result.ok) {
    const lines = result.errors.map(formatDiagnostic);
    const count = lines.length === 1 ? '1 error' : `${lines.length} errors`;
    throw new CliError('invalid-config', `${path}: invalid configuration (${count})`, EXIT.usage, lines);
  }
  return { config: result.config, warnings: result.warnings.map(formatDiagnostic) };
}
