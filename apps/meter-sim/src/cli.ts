// sts-meter: the command line of the STS meter simulator (init, enter, show, serve, fleet).
// All I/O of the app lives here and in state-file.ts; the model (meter.ts) is pure.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkDrn, formatDiagnostic, parseStsConfig, type StsConfig } from 'sts-config';
import { COMMAND_HELP } from './help.ts';
import { formatRegister, Meter, MeterError, REGISTER_NAMES } from './meter.ts';
import { baseDatesCovering, MAX_TID_MEMORY_SIZE, tidRangeProblem } from './meter-options.ts';
import { createStateFile, loadMeter, StateFileError, saveMeter } from './state-file.ts';

/** Exit codes (README "Exit codes"). */
export const EXIT_OK = 0;
/** `enter`: at least one token rejected; `fleet`: at least one mismatch. */
export const EXIT_REJECTED = 1;
/** Usage error or bad input (arguments, configuration, state file, DRN, time). */
export const EXIT_USAGE = 2;
/** The state file could not be written. */
export const EXIT_IO = 3;
/** A bug (an exception that is not an expected error); still one line on stderr. */
export const EXIT_INTERNAL = 70;

/** A one-line error for the user, with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.exitCode = exitCode;
  }
}

const USAGE = `Usage: sts-meter <command> [options]

Commands:
  init  --state FILE --config FILE --drn DRN [--tid-memory N] [--manufacturer-code C]
        [--key-change-timeout MINUTES] [--now ISO] [--json]
                         create a new meter state file (never overwrites one)
  enter --state FILE TOKEN... [--now ISO] [--json]
                         enter tokens in order; exit 0 if all accepted, 1 if any rejected
  show  --state FILE [--json]
                         show the meter (the key's KCV and its method, never the key)
  serve --state FILE --port N [--host H] [--verbose]
                         HTTP API and web keypad for one meter
  fleet --config FILE --meters N --tokens-per-meter M [--seed S] [--json]
                         simulate a fleet with replays, old, foreign, corrupted tokens and key changes

Exit codes: 0 success, 1 token rejected (enter) or mismatch (fleet), 2 usage or bad input, 3 cannot write,
70 internal error (a bug).
Run 'sts-meter <command> --help' (or 'sts-meter help <command>') for a command's options.`;

function fail(message: string, code = EXIT_USAGE): never {
  throw new CliError(message, code);
}

type Spec = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: readonly string[], options: Spec, positionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: positionals, strict: true });
  } catch (e) {
    // node's first line, without its advice on positionals ("Unknown option '--x'. To specify …"); the
    // three-line "ambiguous" message (`--seed -1`) becomes one line saying how to write such a value.
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.replace(/\. To specify.*$/, '');
    const ambiguous = /^Option '(--[^']+)' argument is ambiguous\.$/.exec(msg);
    fail(
      ambiguous
        ? `Option '${ambiguous[1]}' needs a value; write one that starts with '-' as ${ambiguous[1]}=VALUE`
        : msg,
    );
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') fail(`--${name} is required`);
  return v;
}

/** A string option's value, or undefined when not given. */
function str(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** An ISO 8601 time with a zone (`Z` or `±hh:mm`): a meter's clock is UTC, local time would be a guess. */
function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    fail(
      `--now must be an ISO 8601 time with a zone, e.g. 2004-03-01T14:00:00Z; got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return new Date(text);
}

function parseCount(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text.slice(0, 20))}`);
  }
  return Number(text);
}

/**
 * What to do when `now` has no TID under the configuration's base date (a base date 1993 configuration
 * run without --now after 2024-11-24T20:15Z): move the clock, or pick a base date that covers it.
 */
function nowAdvice(at: Date, baseDate: number): string {
  const move = `give --now with ${at.getTime() < Date.UTC(baseDate, 0, 1) ? 'a later' : 'an earlier'} time`;
  const others = baseDatesCovering(at);
  if (others.length === 0) return move;
  return `${move}, or use a configuration with base date ${others.join(' or ')}`;
}

/** Read and check an STS configuration file; every problem is reported, one line each. */
export async function readConfig(path: string): Promise<StsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(`cannot read configuration ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`);
  }
  const r = parseStsConfig(text, { source: path });
  if (!r.ok) fail(r.errors.map((d) => formatDiagnostic(d)).join('\nsts-meter: '));
  return r.config;
}

async function cmdInit(args: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(args, {
    state: { type: 'string' },
    config: { type: 'string' },
    drn: { type: 'string' },
    'tid-memory': { type: 'string' },
    'manufacturer-code': { type: 'string' },
    'key-change-timeout': { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean' },
  });
  const statePath = required(values, 'state');
  const configPath = required(values, 'config');
  const drn = required(values, 'drn');
  const tidMemorySize = parseCount(str(values, 'tid-memory'), 'tid-memory', 1, MAX_TID_MEMORY_SIZE);
  const timeoutMin = parseCount(str(values, 'key-change-timeout'), 'key-change-timeout', 0, 35_000);
  const mfr = str(values, 'manufacturer-code');
  if (mfr !== undefined && !/^(\d{2}|\d{4})$/.test(mfr)) fail('--manufacturer-code must be 2 or 4 digits');
  const now = parseNow(str(values, 'now'));
  const config = await readConfig(configPath);
  let meter: Meter;
  try {
    const drnCheck = checkDrn(drn, config);
    if (!drnCheck.ok) fail(drnCheck.message);
    const at = now ?? new Date();
    const problem = tidRangeProblem(at, config.baseDate);
    if (problem !== null) fail(`${problem}: ${nowAdvice(at, config.baseDate)}`);
    meter = Meter.create({
      config,
      drn,
      ...(tidMemorySize !== undefined && { tidMemorySize }),
      ...(mfr !== undefined && { manufacturerCode: mfr }),
      ...(timeoutMin !== undefined && { keyChangeTimeoutMs: timeoutMin * 60_000 }),
      now: at,
    });
  } catch (e) {
    if (e instanceof MeterError) fail(e.message);
    throw e;
  } finally {
    // The meter holds its own decoder key now: the vending key is not needed any more.
    config.vendingKey.wipe();
  }
  try {
    await createStateFile(statePath, meter);
  } catch (e) {
    if (e instanceof StateFileError) fail(e.message, /already exists/.test(e.message) ? EXIT_USAGE : EXIT_IO);
    throw e;
  }
  const view = meter.toJSON();
  if (values.json) out(JSON.stringify(view, null, 2));
  else {
    out(
      `created ${statePath}: meter ${view.drn} (PAN ${view.pan}), ${view.key.encryptionAlgorithm.toUpperCase()} key KCV ${view.key.kcv} (${view.key.kcvMethod})`,
    );
    out(`TID memory: ${view.tidMemory.size} entries of TID ${view.tidMemory.tids[0]} (${view.createdAt})`);
  }
  meter.destroy();
  return EXIT_OK;
}

async function load(path: string): Promise<Meter> {
  try {
    return await loadMeter(path);
  } catch (e) {
    if (e instanceof StateFileError) fail(e.message);
    throw e;
  }
}

async function save(path: string, meter: Meter): Promise<void> {
  try {
    await saveMeter(path, meter);
  } catch (e) {
    if (e instanceof StateFileError) fail(e.message, EXIT_IO);
    throw e;
  }
}

async function cmdEnter(args: readonly string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parse(
    args,
    { state: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  const statePath = required(values, 'state');
  if (positionals.length === 0) fail('give at least one token');
  const now = parseNow(str(values, 'now'));
  const meter = await load(statePath);
  const results = positionals.map((t) => meter.enter(t, now ?? new Date()));
  await save(statePath, meter);
  meter.destroy();
  if (values.json) out(JSON.stringify(results, null, 2));
  else for (const r of results) out(`${r.token}  ${r.display.padEnd(10)}  ${r.message}`);
  return results.every((r) => r.accepted) ? EXIT_OK : EXIT_REJECTED;
}

async function cmdShow(args: readonly string[], out: (s: string) => void): Promise<number> {
  const { values } = parse(args, { state: { type: 'string' }, json: { type: 'boolean' } });
  const meter = await load(required(values, 'state'));
  const v = meter.toJSON();
  meter.destroy();
  if (values.json) {
    out(JSON.stringify(v, null, 2));
    return EXIT_OK;
  }
  const k = v.key;
  const tids = v.tidMemory.tids;
  const lines = [
    `meter        ${v.drn} (PAN ${v.pan}, IIN ${v.issuerIdentificationNo}, manufacturer code ${v.manufacturerCode})`,
    `key          ${k.encryptionAlgorithm.toUpperCase()} KCV ${k.kcv} (${k.kcvMethod})  KT ${k.keyType}  KRN ${k.keyRevisionNo}  KEN ${k.keyExpiryNo}  TI ${k.tariffIndex}  SGC ${k.supplyGroupCode}  base date ${k.baseDate}`,
    `TID memory   ${tids.length}/${v.tidMemory.size}${tids.length > 0 ? `, ${tids[0]}..${tids[tids.length - 1]}` : ''}`,
    ...REGISTER_NAMES.map((n, i) => `${n.padEnd(21)}${formatRegister(i, v.registers[n])}`),
    `max power    ${v.maximumPowerLimit ?? '-'} W   max phase unbalance ${v.maximumPhasePowerUnbalanceLimit ?? '-'} W`,
    `tariff rate  ${v.tariffRate ?? '-'}   water meter factor ${v.waterMeterFactor ?? '-'}   tamper ${v.tamper ? 'yes' : 'no'}`,
    `key change   ${v.keyChange.sections.length === 0 ? 'none pending' : v.keyChange.sections.map((s) => `section ${s.section} at ${s.receivedAt}`).join(', ')}`,
    `events       ${v.eventLog.entries.length} (last ${v.eventLog.size} kept)`,
    ...v.eventLog.entries.slice(-10).map((e) => `  ${e.at}  ${e.token}  ${e.display}`),
  ];
  for (const l of lines) out(l);
  return EXIT_OK;
}

/** Run the CLI; returns the exit code. `out` receives stdout lines. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => console.log(s),
): Promise<number> {
  const [command, ...rest] = argv;
  // `<command> --help` anywhere among its arguments (tokens and option values never start with '-').
  if (command !== undefined && Object.hasOwn(COMMAND_HELP, command)) {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(COMMAND_HELP[command]!.trimEnd());
      return EXIT_OK;
    }
  }
  switch (command) {
    case 'init':
      return cmdInit(rest, out);
    case 'enter':
      return cmdEnter(rest, out);
    case 'show':
      return cmdShow(rest, out);
    case 'serve': {
      // Lazy: the HTTP server and its page load only for this command.
      const { runServe } = await import('./serve/index.ts');
      return runServe(rest);
    }
    case 'fleet': {
      const { runFleetCommand } = await import('./fleet-cli.ts');
      return runFleetCommand(rest, out);
    }
    case 'help': {
      const topic = rest[0];
      if (topic === undefined) out(USAGE);
      else if (Object.hasOwn(COMMAND_HELP, topic)) out(COMMAND_HELP[topic]!.trimEnd());
      else fail(`unknown command ${JSON.stringify(topic.slice(0, 30))}; try --help`);
      return EXIT_OK;
    }
    case '--help':
    case '-h':
      out(USAGE);
      return EXIT_OK;
    case undefined:
      fail('no command given; the commands are init, enter, show, serve, fleet (sts-meter --help)');
      break;
    default:
      fail(`unknown command ${JSON.stringify(command.slice(0, 30))}; try --help`);
  }
  return EXIT_USAGE;
}

/** Shared by subcommands (fleet-cli.ts, serve/): parse helpers and errors. */
export { fail, parse, parseCount, required, str };

const isMain = process.argv[1] !== undefined && /sts-meter(\.js)?$|cli\.ts$/.test(process.argv[1]);
if (isMain) {
  // The reader of stdout went away (`sts-meter show … | head`): stop quietly, like other Unix filters.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    process.stderr.write(
      `sts-meter: internal error: cannot write output: ${e.code ?? e.message.split('\n')[0]}\n`,
    );
    process.exit(EXIT_INTERNAL);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (e instanceof CliError) {
        process.stderr.write(`sts-meter: ${e.message}\n`);
        process.exitCode = e.exitCode;
      } else {
        // A bug: still one line, no stack trace for the user.
        process.stderr.write(
          `sts-meter: internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`,
        );
        process.exitCode = EXIT_INTERNAL;
      }
    },
  );
}
