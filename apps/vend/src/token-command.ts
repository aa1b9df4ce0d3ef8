// `sts-vend token`: one token from options, or a JSON Lines batch of requests.
// Both build the request object of the batch format and hand it to sts-token's processTokenRequest.

import {
  EXIT,
  flag,
  integerOption,
  loadConfigFile,
  type OptionSpec,
  type ParsedArgs,
  parseCommandArgs,
  shown,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import { hexToBytes, kcv, kcvMethodForDecoderKey } from 'sts-crypto';
import { processTokenRequest, RequestCache, tokenTypeByName } from 'sts-token';
import { runBatchCommand } from './batch.ts';
import { carriedAmount } from './carried-amount.ts';
import { TOKEN_TYPES } from './help.ts';
import { APP, type CommandResult, showToken, warn } from './output.ts';
import type { Progress } from './progress.ts';
import { requestConfig } from './request-config.ts';
import { requestError } from './request-error.ts';
import { type MeterKey, TidTracker } from './tid-tracker.ts';
import { createTokenLineAnswerer, drnOfKey, type TidNotes } from './token-batch.ts';

const OPTIONS: OptionSpec = {
  config: { type: 'string' },
  drn: { type: 'string' },
  time: { type: 'string' },
  tid: { type: 'string' },
  random: { type: 'string' },
  stid: { type: 'boolean' },
  amount: { type: 'string' },
  watts: { type: 'string' },
  register: { type: 'string' },
  rate: { type: 'string' },
  pad: { type: 'string' },
  factor: { type: 'string' },
  control: { type: 'string' },
  'manufacturer-code': { type: 'string' },
  'new-config': { type: 'string' },
  rollover: { type: 'boolean' },
  grouped: { type: 'boolean' },
  json: { type: 'boolean' },
  batch: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** The value options, and which token types take each. */
const VALUE_OPTIONS = [
  'amount',
  'watts',
  'register',
  'rate',
  'pad',
  'factor',
  'control',
  'manufacturer-code',
  'new-config',
  'rollover',
] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];
const TIMING_OPTIONS = ['time', 'tid', 'random', 'stid'] as const;

/** What a type's layout takes: the options allowed and those required. */
function valueOptionsOf(type: string): { allowed: ValueOption[]; required: ValueOption[]; timed: boolean } {
  const info = tokenTypeByName(type);
  switch (info?.layout) {
    case 'credit':
    case 'currency':
      return { allowed: ['amount'], required: ['amount'], timed: true };
    case 'watts':
      return { allowed: ['watts'], required: ['watts'], timed: true };
    case 'raw16': {
      const field = info.field as 'register' | 'rate' | 'pad' | 'factor';
      // ClearTamper's pad is normally 0 and defaults to it.
      return { allowed: [field], required: field === 'pad' ? [] : [field], timed: true };
    }
    case 'test-display':
      return {
        allowed: ['control', 'manufacturer-code'],
        required: ['control', 'manufacturer-code'],
        timed: false,
      };
    case 'key-change':
      return { allowed: ['new-config', 'rollover'], required: ['new-config'], timed: false };
    default:
      return { allowed: [], required: [], timed: false };
  }
}

export async function runTokenCommand(args: string[]): Promise<CommandResult> {
  const parsed = parseCommandArgs(args, OPTIONS, {
    allowPositionals: true,
    helpHint: 'sts-vend token --help',
  });
  const batch = stringOption(parsed, 'batch');
  if (batch !== undefined) return runTokenBatch(parsed, batch);

  const [type, ...extra] = parsed.positionals;
  if (type === undefined) throw usageError("missing token type (see 'sts-vend token --help')");
  if (extra.length > 0) throw usageError(`unexpected argument ${shown(extra[0]!)}`);
  if (!(TOKEN_TYPES as readonly string[]).includes(type)) {
    throw usageError(`unknown token type ${shown(type)} (expected one of ${TOKEN_TYPES.join(', ')})`);
  }
  const request = await buildTokenRequest(type, parsed);
  const cache = new RequestCache();
  try {
    const result = processTokenRequest(request, cache);
    if ('error' in result) throw requestError(result.error);
    const grouped = flag(parsed, 'grouped');
    // The amount field rounds up to the next value it can hold: say what the token really carries.
    const carried = carriedAmount(request, result.tokens[0]?.token, cache);
    if (flag(parsed, 'json')) {
      const tokens = result.tokens.map((t) => ({
        ...t,
        token: showToken(t.token, grouped),
        ...(carried && { amount: carried.amount }),
        ...(carried?.differs && { requestedAmount: carried.requested }),
      }));
      return { stdout: `${JSON.stringify({ tokens })}\n`, exitCode: EXIT.ok };
    }
    if (carried?.differs) {
      process.stderr.write(
        `${APP}: note: the token carries ${carried.amount}, not ${carried.requested} ` +
          `(the amount field holds only certain values and rounds up)\n`,
      );
    }
    return {
      stdout: result.tokens.map((t) => `${showToken(t.token, grouped)}\n`).join(''),
      exitCode: EXIT.ok,
    };
  } finally {
    cache.destroy();
  }
}

/** The batch request for the options of a single `token <type>` command. */
async function buildTokenRequest(type: string, parsed: ParsedArgs): Promise<Record<string, unknown>> {
  const { allowed, required, timed } = valueOptionsOf(type);
  for (const name of VALUE_OPTIONS) {
    if (parsed.values[name] !== undefined && !allowed.includes(name)) {
      throw usageError(`--${name} does not apply to ${type} tokens`);
    }
  }
  for (const name of required) {
    if (parsed.values[name] === undefined) throw usageError(`${type} tokens need --${name}`);
  }
  if (!timed) {
    for (const name of TIMING_OPTIONS) {
      if (parsed.values[name] !== undefined) throw usageError(`--${name} does not apply to ${type} tokens`);
    }
  }
  if (flag(parsed, 'rollover') && type !== 'key-change')
    throw usageError('--rollover applies to key-change only');

  const request: Record<string, unknown> = { type };
  const configFile = stringOption(parsed, 'config');
  const drn = stringOption(parsed, 'drn');
  if (type === 'test-display-1' || type === 'test-display-2') {
    // Class 1 is not encrypted: a key would be ignored, so asking for one is a mistake worth naming.
    if (configFile !== undefined)
      throw usageError(`--config does not apply to ${type} tokens (not encrypted)`);
    if (drn !== undefined) throw usageError(`--drn does not apply to ${type} tokens (not encrypted)`);
    request.control = integerOption(parsed, 'control');
    request.manufacturerCode = stringOption(parsed, 'manufacturer-code');
    return request;
  }
  if (configFile === undefined) throw usageError(`${type} tokens need --config FILE`);
  if (drn === undefined) throw usageError(`${type} tokens need --drn DRN`);

  const loaded = await loadConfigFile(configFile);
  loaded.warnings.forEach(warn);
  request.config = requestConfig(loaded.config);
  request.drn = drn;

  if (type === 'key-change') {
    const newFile = stringOption(parsed, 'new-config')!;
    const next = await loadConfigFile(newFile, 'new config');
    next.warnings.forEach(warn);
    request.newConfig = requestConfig(next.config);
    if (flag(parsed, 'rollover')) request.rollover = true;
    return request;
  }

  const time = stringOption(parsed, 'time');
  const tid = integerOption(parsed, 'tid');
  if (time !== undefined && tid !== undefined) throw usageError('give --time or --tid, not both');
  if (tid !== undefined) request.tid = tid;
  else request.time = time ?? new Date().toISOString();
  const random = integerOption(parsed, 'random');
  if (random !== undefined) request.random = random;
  if (flag(parsed, 'stid')) request.isStid = true;

  const amount = stringOption(parsed, 'amount');
  if (amount !== undefined) request.amount = amount;
  for (const name of ['watts', 'register', 'rate', 'pad', 'factor'] as const) {
    const value = integerOption(parsed, name);
    if (value !== undefined) request[name] = value;
  }
  return request;
}

/** `token --batch FILE|-`: JSON Lines in, JSON Lines out, warnings for repeated (meter, TID) pairs. */
function runTokenBatch(parsed: ParsedArgs, path: string): Promise<CommandResult> {
  return runBatchCommand('token', parsed, path, (progress) => ({
    createAnswerer: createTokenLineAnswerer,
    worker: { module: new URL('./token-batch.ts', import.meta.url).href, factory: 'createTokenLineAnswerer' },
    onNotes: tidWarnings(progress),
  }));
}

/** The duplicate-TID check of a whole batch, fed the notes of each piece in input order. */
function tidWarnings(progress: Progress): (notes: unknown) => void {
  const tracker = new TidTracker();
  return (notes) => {
    const { marks, meters } = notes as TidNotes;
    for (let i = 0; i < marks.length; i += 3) {
      const key = marks[i]!;
      const meter = key < 0 ? meters[-key - 1]! : key;
      const tid = marks[i + 1]!;
      const line = marks[i + 2]!;
      const clash = tracker.record(meter, tid, line);
      if (clash) {
        progress.message(
          `sts-vend: warning: line ${line}: ${describeMeter(meter)} already has a token with TID ${tid} ` +
            `in this batch (line ${clash.firstLine}); the meter would reject the second as used`,
        );
      }
    }
  };
}

/** How a warning names the meter: its DRN, or the KCV of its decoder key (never the key). */
function describeMeter(meter: MeterKey): string {
  if (typeof meter === 'number') return `meter ${drnOfKey(meter)}`;
  if (meter.startsWith('drn:')) return `meter ${meter.slice(4)}`;
  try {
    const key = hexToBytes(meter.slice(4), 'decoderKey');
    const method = kcvMethodForDecoderKey(key);
    const value = kcv(key, method);
    key.fill(0);
    return `the meter with decoder key KCV ${value} (${method})`;
  } catch {
    return 'the meter';
  }
}
