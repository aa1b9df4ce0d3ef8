// `sts-keygen config check FILE...`: validate STS configuration files with sts-config.
// Prints every problem as `FILE:LINE:COL: path: message`; exit 2 if any file is invalid.

import { CliError, EXIT, parseCommandArgs, usageError } from 'sts-cli-kit';
import { formatDiagnostic, parseStsConfig, type StsConfig } from 'sts-config';
import { kcv, kcvMethodForVendingKey } from 'sts-crypto';
import type { Command } from '../io/command.ts';
import { readObserved } from '../io/files.ts';

/** Decode UTF-8 strictly: a config with broken encoding is refused, not guessed at. */
export function decodeConfigText(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('bad-input', `${file} is not UTF-8 text`);
  }
}

/** A one-line description of a valid config, with the KCV of its vending key (never the key). */
export function describeConfig(config: StsConfig): { line: string; data: Record<string, unknown> } {
  const method = kcvMethodForVendingKey(config.vendingKey);
  const keyCheck = kcv(config.vendingKey, method);
  const data = {
    name: config.name,
    decoderKeyGenerationAlgorithm: config.decoderKeyGenerationAlgorithm,
    encryptionAlgorithm: config.encryptionAlgorithm,
    supplyGroupCode: config.supplyGroupCode,
    tariffIndex: config.tariffIndex,
    keyRevisionNo: config.keyRevisionNo,
    keyType: config.keyType,
    keyExpiryNo: config.keyExpiryNo,
    baseDate: config.baseDate,
    issuerIdentificationNo: config.issuerIdentificationNo,
    vendingKeyKcv: keyCheck,
    vendingKeyKcvMethod: method,
  };
  const line =
    `name ${JSON.stringify(config.name)}, DKGA${config.decoderKeyGenerationAlgorithm}, ` +
    `EA ${config.encryptionAlgorithm}, SGC ${config.supplyGroupCode}, TI ${config.tariffIndex}, ` +
    `KRN ${config.keyRevisionNo}, KT ${config.keyType}, KEN ${config.keyExpiryNo}, ` +
    `base date ${config.baseDate}, IIN ${config.issuerIdentificationNo}, ` +
    `vending key KCV ${keyCheck} (${method})`;
  return { line, data };
}

export const configCheck: Command = {
  name: 'config check',
  summary: 'validate STS configuration files (every error with its line)',
  usage: `usage: sts-keygen config check FILE... [--json]

Validate each STS configuration file (nectar-compat §1, with sts-config's stricter rules).
Problems are printed on stderr as  FILE:LINE:COL: field: message ; a valid file gets a
one-line summary with the KCV of its vending key (never the key).

Exit codes: 0 all valid, 2 any file invalid or unreadable.`,
  step: {
    args: { files: { kind: 'inputs', required: true } },
    risky: false,
    rehearsal: false,
    secretOutputs: false,
  },
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, {}, { allowPositionals: true });
    if (args.positionals.length === 0) throw usageError('config check needs at least one FILE');
    const results: Record<string, unknown>[] = [];
    const lines: string[] = [];
    /** Every problem as one line, for the --json error's details. */
    const problems: string[] = [];
    let bad = false;
    for (const file of args.positionals) {
      let text: string;
      try {
        const bytes = await readObserved(file, { what: 'config', observer: ctx.observer });
        try {
          text = decodeConfigText(bytes, file); // the config holds the vending key
        } finally {
          bytes.fill(0);
        }
      } catch (err) {
        if (!(err instanceof CliError)) throw err;
        bad = true;
        ctx.out.info(`sts-keygen: ${err.message}`);
        problems.push(err.message);
        results.push({ file, ok: false, errors: [{ message: err.message }], warnings: [] });
        continue;
      }
      const r = parseStsConfig(text, { source: file });
      for (const w of r.warnings) ctx.out.info(`${formatDiagnostic(w)} (warning)`);
      if (!r.ok) {
        bad = true;
        for (const e of r.errors) {
          ctx.out.info(formatDiagnostic(e));
          problems.push(formatDiagnostic(e));
        }
        results.push({ file, ok: false, errors: r.errors, warnings: r.warnings });
        continue;
      }
      const summary = describeConfig(r.config);
      r.config.vendingKey.fill(0);
      lines.push(`${file}: ok: ${summary.line}`);
      results.push({ file, ok: true, config: summary.data, warnings: r.warnings });
    }
    if (bad) {
      const invalid = results.filter((r) => r.ok === false).length;
      const verdict = `${invalid} of ${results.length} file(s) invalid`;
      // --json: the one error shape of the kit, every problem a detail line; text: as printed above.
      if (ctx.json) throw new CliError('invalid-config', verdict, EXIT.usage, [...problems, verdict]);
      lines.push(verdict);
    }
    ctx.out.result(lines, { files: results });
    return bad ? EXIT.usage : EXIT.ok;
  },
};
