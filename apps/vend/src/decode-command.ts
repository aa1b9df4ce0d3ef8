// `sts-vend decode`: decrypt one token and show its fields, or a JSON Lines batch of decode requests.
// Both build the request object of the batch format and hand it to sts-token's processDecodeRequest.

import {
  CliError,
  EXIT,
  flag,
  integerOption,
  loadConfigFile,
  type OptionSpec,
  type ParsedArgs,
  parseCommandArgs,
  readInputText,
  shown,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import { type DecodeRequestResult, processDecodeRequest, RequestCache, type RequestError } from 'sts-token';
import { runBatchCommand } from './batch.ts';
import { BATCH_CACHED_KEYS, LineAnswerer } from './batch-lines.ts';
import { APP, type CommandResult, warn } from './output.ts';
import { requestConfig } from './request-config.ts';
import { clipEchoedValues, requestError } from './request-error.ts';

const OPTIONS: OptionSpec = {
  config: { type: 'string' },
  drn: { type: 'string' },
  'decoder-key': { type: 'string' },
  'decoder-key-file': { type: 'string' },
  ea: { type: 'string' },
  'base-date': { type: 'string' },
  json: { type: 'boolean' },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function runDecodeCommand(args: string[]): Promise<CommandResult> {
  const parsed = parseCommandArgs(args, OPTIONS, {
    allowPositionals: true,
    helpHint: 'sts-vend decode --help',
  });
  const batch = stringOption(parsed, 'batch');
  if (batch !== undefined) return runDecodeBatch(parsed, batch);

  // The token may come as one word or as the five groups printed on a receipt.
  if (parsed.positionals.length === 0) throw usageError("missing token (see 'sts-vend decode --help')");
  const token = parsed.positionals.join('').replace(/[\s-]/g, '');
  const request = await buildDecodeRequest(token, parsed);
  const cache = new RequestCache();
  try {
    const result = processDecodeRequest(request, cache);
    const error = errorOf(result);
    if (error) throw requestError(error);
    const { id: _id, ...fields } = result as Record<string, unknown>;
    const crcOk = fields.crcOk === true;
    const exitCode = crcOk ? EXIT.ok : EXIT.failed;
    if (flag(parsed, 'json')) return { stdout: `${JSON.stringify(fields)}\n`, exitCode };
    const crcNote = crcOk ? '' : `${APP}: CRC does not match: wrong key, or a mistyped token\n`;
    if (crcNote) process.stderr.write(crcNote);
    return { stdout: showFields(fields), exitCode };
  } finally {
    cache.destroy();
  }
}

/** The error of a failed decode request (the success shape is an open record, so `in` cannot narrow it). */
function errorOf(result: DecodeRequestResult): RequestError['error'] | undefined {
  return 'error' in result ? (result as RequestError).error : undefined;
}

/** Fields one per line, names aligned: `amount     25.6`. */
function showFields(fields: Record<string, unknown>): string {
  const names = Object.keys(fields).filter((name) => fields[name] !== undefined);
  const width = Math.max(...names.map((name) => name.length)) + 2;
  return names.map((name) => `${name.padEnd(width)}${String(fields[name])}\n`).join('');
}

async function buildDecodeRequest(token: string, parsed: ParsedArgs): Promise<Record<string, unknown>> {
  const request: Record<string, unknown> = { token };
  const configFile = stringOption(parsed, 'config');
  const drn = stringOption(parsed, 'drn');
  const keyText = stringOption(parsed, 'decoder-key');
  const keyFile = stringOption(parsed, 'decoder-key-file');
  if (keyText !== undefined && keyFile !== undefined)
    throw usageError('give --decoder-key or --decoder-key-file, not both');
  const ea = stringOption(parsed, 'ea');
  const baseDate = integerOption(parsed, 'base-date');
  const byKey = keyText !== undefined || keyFile !== undefined || ea !== undefined || baseDate !== undefined;
  const byConfig = configFile !== undefined || drn !== undefined;
  if (byKey && byConfig)
    throw usageError('give --config and --drn, or --decoder-key, --ea and --base-date, not both');
  if (byConfig) {
    if (configFile === undefined) throw usageError('--drn needs --config FILE');
    if (drn === undefined) throw usageError('--config needs --drn DRN');
    const { config, warnings } = await loadConfigFile(configFile);
    warnings.forEach(warn);
    request.config = requestConfig(config);
    request.drn = drn;
  } else if (byKey) {
    if (keyText === undefined && keyFile === undefined)
      throw usageError('--ea and --base-date need --decoder-key-file FILE or --decoder-key HEX');
    const keyOption = keyFile === undefined ? '--decoder-key' : '--decoder-key-file';
    if (ea === undefined) throw usageError(`${keyOption} needs --ea sta|misty1|dea`);
    if (baseDate === undefined) throw usageError(`${keyOption} needs --base-date YEAR`);
    if (ea !== 'sta' && ea !== 'misty1' && ea !== 'dea') {
      // EA09 (DES) is deprecated by IEC 62055-41:2018 7.3.4 but still decodes tokens from old meters.
      throw usageError(`--ea must be sta, misty1 or dea (dea: EA09, deprecated), got ${shown(ea)}`);
    }
    request.decoderKey = keyText ?? (await readDecoderKeyFile(keyFile!));
    request.encryptionAlgorithm = ea;
    request.baseDate = baseDate;
  }
  // Neither: fine for class 1 tokens (not encrypted); the library says `key-required` for the others.
  return request;
}

/** Hex digits and nothing else: a decoder key file's one line. */
const HEX_LINE = /^[0-9a-fA-F]+$/;

/**
 * The decoder key in `path` ('-': standard input): one line of hex digits, blanks and a final newline
 * allowed. Read with a small bound, so a device or a wrong big file is refused at once; the text is
 * never echoed (it may be a key), only what is wrong with it. sts-token checks the length.
 */
async function readDecoderKeyFile(path: string): Promise<string> {
  const what = 'decoder key file';
  const text = (await readInputText(path, { what, maxBytes: 1024 })).trim();
  const where = path === '-' ? `${what} from standard input` : `${what} ${path}`;
  if (text.includes('\n')) throw new CliError('bad-input', `${where} must hold one line of hex digits`);
  if (!HEX_LINE.test(text)) {
    throw new CliError(
      'bad-input',
      text.length === 0
        ? `${where} is empty`
        : `${where} must hold hex digits only (${text.length} characters)`,
    );
  }
  return text;
}

/** `decode --batch FILE|-`: JSON Lines of decode requests in, decoded fields out. */
function runDecodeBatch(parsed: ParsedArgs, path: string): Promise<CommandResult> {
  return runBatchCommand('decode', parsed, path, () => ({ createAnswerer: () => new DecodeLineAnswerer() }));
}

/** `decode --batch` lines: each request through sts-token's processDecodeRequest. */
class DecodeLineAnswerer extends LineAnswerer {
  readonly #cache = new RequestCache({ maxKeys: BATCH_CACHED_KEYS });

  protected answerRequest(request: unknown, lineNumber: number): string {
    const answer = processDecodeRequest(request, this.#cache);
    const error = errorOf(answer);
    if (error) {
      error.message = `line ${lineNumber}: ${clipEchoedValues(error.message)}`;
      this.failed++;
    } else if ((answer as { crcOk?: unknown }).crcOk !== true) {
      // A CRC failure is an answer, but the line failed: the exit code says so.
      this.failed++;
    }
    return JSON.stringify(answer);
  }

  destroy(): void {
    this.#cache.destroy();
  }
}
