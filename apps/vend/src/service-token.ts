// `sts-vend token --service URL`: tokens from sts-service by configuration reference, through the sts-client
// SDK; the vending key stays in the service. Output, batch lines and exit codes as for local tokens.
import type { Writable } from 'node:stream';
import {
  CliError,
  EXIT,
  flag,
  integerOption,
  lines,
  type ParsedArgs,
  shown,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import {
  type BatchItem,
  type BatchResult,
  StsApiError,
  StsClient,
  TOKEN_REQUEST_TYPES,
  type Token,
  type TokenRequest,
} from 'sts-client';
import { MAX_LINE_BYTES, openBatchInput } from './batch.ts';
import { type CommandResult, showToken } from './output.ts';
import { serviceCredentials } from './service-credentials.ts';
import { TIMING_OPTIONS, VALUE_OPTIONS, valueOptionsOf } from './token-command.ts';

/** The options that only make sense against a local configuration file, and what to use instead. */
const LOCAL_ONLY: Record<string, string> = {
  config: '--config-ref REF (the configuration stays in the service)',
  'new-config': '--new-config-ref REF (upload the new configuration as a bundle first)',
  tid: '--time (the service turns it into the TID; without it, the next free minute)',
};

/** sts-vend's option of each value, as the SDK's request field (by type where one option serves two). */
function valueField(type: string, option: string): string {
  switch (option) {
    case 'watts':
      return type === 'max-power-limit' ? 'maximumPowerLimit' : 'mppul';
    case 'rate':
      return 'tariffRate';
    case 'factor':
      return 'wmFactor';
    case 'manufacturer-code':
      return 'manufacturerCode';
    case 'new-config-ref':
      return 'newConfigRef';
    case 'rollover':
      return 'ro';
    default:
      return option;
  }
}

/** The SDK client for `--service URL`, with credentials from the environment or `--credentials FILE`. */
export async function serviceClient(parsed: ParsedArgs): Promise<StsClient> {
  const url = stringOption(parsed, 'service')!;
  if (!/^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(url))
    throw usageError(`--service must be an http(s) URL such as http://127.0.0.1:8080, got ${shown(url)}`);
  const { key, secret } = await serviceCredentials(stringOption(parsed, 'credentials'));
  return new StsClient({ host: url, key, secret });
}

/** Refuse the options of a local configuration with `--service`, naming what to give instead. */
export function refuseLocalOptions(parsed: ParsedArgs): void {
  for (const [name, instead] of Object.entries(LOCAL_ONLY)) {
    if (parsed.values[name] !== undefined)
      throw usageError(`--${name} does not apply with --service: give ${instead}`);
  }
}

/** The value options of a type with --service: a key change names its target by --new-config-ref. */
const byReference = (option: string) => (option === 'new-config' ? 'new-config-ref' : option);

/** The value options `type` takes with --service, after the same checks as a local token's. */
function checkedValueOptions(type: string, parsed: ParsedArgs): string[] {
  const { allowed, required, timed } = valueOptionsOf(type);
  const values = allowed.map(byReference);
  for (const name of VALUE_OPTIONS.map(byReference)) {
    if (parsed.values[name] !== undefined && !values.includes(name))
      throw usageError(`--${name} does not apply to ${type} tokens`);
  }
  for (const name of required.map(byReference)) {
    if (parsed.values[name] === undefined) throw usageError(`${type} tokens need --${name}`);
  }
  if (!timed) {
    for (const name of TIMING_OPTIONS) {
      if (parsed.values[name] !== undefined) throw usageError(`--${name} does not apply to ${type} tokens`);
    }
  }
  return values;
}

/** One token request (a key change gives 2 or 4 tokens) through the service, printed as a local one is. */
export async function runServiceToken(type: string, parsed: ParsedArgs): Promise<CommandResult> {
  refuseLocalOptions(parsed);
  const values = checkedValueOptions(type, parsed);
  const configRef = stringOption(parsed, 'config-ref');
  const drn = stringOption(parsed, 'drn');
  if (configRef === undefined) throw usageError(`${type} tokens need --config-ref REF with --service`);
  if (drn === undefined) throw usageError(`${type} tokens need --drn DRN with --service`);
  const request: Record<string, unknown> = { type, configRef, drn };
  const time = stringOption(parsed, 'time');
  if (time !== undefined) request.tokenId = time;
  const random = integerOption(parsed, 'random');
  if (random !== undefined) request.randomNo = random;
  if (flag(parsed, 'stid')) request.isStid = true;
  for (const option of values) {
    const given = parsed.values[option];
    if (given === undefined) continue;
    const field = valueField(type, option);
    if (option === 'rollover') request[field] = true;
    else if (option === 'amount' || option === 'manufacturer-code' || option === 'new-config-ref')
      request[field] = given;
    else request[field] = integerOption(parsed, option);
  }
  const client = await serviceClient(parsed);
  let tokens: Token[];
  try {
    tokens = await client.tokens.create(request as unknown as TokenRequest);
  } catch (error) {
    throw serviceError(error, stringOption(parsed, 'service')!);
  }
  const grouped = flag(parsed, 'grouped');
  if (flag(parsed, 'json')) {
    const out = tokens.map((t) => ({
      token: showToken(t.tokenNo, grouped),
      type,
      nectarType: t.tokenType,
      class: t.class ?? null,
      subclass: t.subclass ?? null,
      tid: t.tid ?? null,
      ref: t.ref,
    }));
    return { stdout: `${JSON.stringify({ tokens: out })}\n`, exitCode: EXIT.ok };
  }
  return { stdout: tokens.map((t) => `${showToken(t.tokenNo, grouped)}\n`).join(''), exitCode: EXIT.ok };
}

/** What an input line became: an item sent to the service, or an answer made here (bad JSON, no type). */
type Entry = { line: number; answer: string } | { line: number; item: true; hasId: boolean };

// sts-vend's batch field names → the SDK's (which it sends under sts-vend's names again).
const ITEM_NAMES: Record<string, string> = {
  config_ref: 'configRef',
  time: 'tokenId',
  random: 'randomNo',
  rate: 'tariffRate',
  factor: 'wmFactor',
  new_config_ref: 'newConfigRef',
  rollover: 'ro',
};

/**
 * `token --batch FILE|- --service URL`: the batch lines (config_ref instead of config) go to
 * POST /v1/tokens/batch through the SDK, streamed both ways; answers are written in input order, one
 * per non-empty line, with the line numbers of the file. Returns the exit code (1 when a line failed).
 */
export async function runServiceBatch(
  parsed: ParsedArgs,
  path: string,
  output: Writable,
): Promise<CommandResult> {
  refuseLocalOptions(parsed);
  const client = await serviceClient(parsed);
  const input = await openBatchInput(path);
  const entries: Entry[] = [];
  const items = batchItems(input.stream, entries);
  let failed = 0;
  let next = 0;
  const write = async (text: string) => {
    if (!output.write(text)) await new Promise((resolve) => output.once('drain', resolve));
  };
  // Answers made here for the lines before the next sent item, in order.
  const flushLocal = async () => {
    for (let e = entries[next]; e !== undefined && 'answer' in e; e = entries[++next]) {
      failed++;
      await write(`${e.answer}\n`);
    }
  };
  try {
    for await (const result of client.tokens.batch(items)) {
      await flushLocal();
      const entry = entries[next++] as Extract<Entry, { item: true }>;
      if ('error' in result) failed++;
      await write(`${JSON.stringify(fileNumbered(result, entry))}\n`);
      // Entries before the next unanswered one are done: drop them so memory stays flat.
      if (next > 4096) {
        entries.splice(0, next);
        next = 0;
      }
    }
    await flushLocal();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw serviceError(error, stringOption(parsed, 'service')!);
  }
  return { stdout: '', exitCode: failed > 0 ? EXIT.failed : EXIT.ok };
}

/** The items of the input's lines; lines that cannot be items are answered here (in `entries`). */
async function* batchItems(stream: NodeJS.ReadableStream, entries: Entry[]): AsyncGenerator<BatchItem> {
  let line = 0;
  for await (const raw of lines(stream, { what: 'batch input', maxLineBytes: MAX_LINE_BYTES })) {
    line++;
    const text = raw.trim();
    if (text === '') continue;
    const made = batchItem(text, line);
    if ('answer' in made) entries.push({ line, answer: made.answer });
    else {
      entries.push({ line, item: true, hasId: made.item.id !== undefined });
      yield made.item;
    }
  }
}

function localAnswer(code: string, line: number, message: string): { answer: string } {
  return { answer: JSON.stringify({ id: null, error: { code, message: `line ${line}: ${message}` } }) };
}

/** One batch line as an SDK item, or the answer for a line that is not JSON or names no token type. */
function batchItem(text: string, line: number): { item: BatchItem } | { answer: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return localAnswer('bad-json', line, error instanceof Error ? error.message : 'not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return localAnswer('invalid-request', line, `request must be a JSON object, got ${kind}`);
  }
  const request = parsed as Record<string, unknown>;
  const type = request.type;
  if (type === undefined) return localAnswer('missing-field', line, 'type is required');
  if (typeof type !== 'string' || !Object.hasOwn(TOKEN_REQUEST_TYPES, type))
    return localAnswer(
      'unknown-type',
      line,
      `type ${shown(typeof type === 'string' ? type : (JSON.stringify(type) ?? ''))} is not a token type (electricity, water, gas, …, key-change)`,
    );
  const item: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    const sdkName =
      name === 'watts'
        ? type === 'max-power-limit'
          ? 'maximumPowerLimit'
          : 'mppul'
        : (ITEM_NAMES[name] ?? name);
    item[sdkName] = value;
  }
  return { item: item as unknown as BatchItem };
}

/** The answer with the file's line number in its message, and the id as the line gave it (none: null). */
function fileNumbered(result: BatchResult, entry: { line: number; hasId: boolean }): BatchResult {
  const id = entry.hasId ? result.id : null;
  if (!('error' in result)) return { ...result, id };
  const message = result.error.message.replace(/^line \d+: /, `line ${entry.line}: `);
  return { id, error: { ...result.error, message } };
}

/** An SDK failure as one line and an exit code: refused by the service (2), or unreachable / failing (3). */
export function serviceError(error: unknown, url: string): CliError {
  if (!(error instanceof StsApiError)) {
    if (error instanceof TypeError || error instanceof RangeError)
      return new CliError('usage', error.message, EXIT.usage);
    throw error;
  }
  const request = error.requestId === undefined ? '' : `, request ${error.requestId}`;
  if (error.status === 0)
    return new CliError(
      'service-unreachable',
      `cannot reach the service at ${url}: ${error.message}`,
      EXIT.io,
    );
  if (error.status >= 500)
    return new CliError(
      error.code,
      `the service failed: ${error.message} (HTTP ${error.status}${request})`,
      EXIT.io,
    );
  return new CliError(
    error.code,
    `the service refused the request: ${error.message} (HTTP ${error.status} ${error.code}${request})`,
    EXIT.usage,
  );
}
