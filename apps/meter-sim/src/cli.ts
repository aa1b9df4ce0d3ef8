// sts-meter: the command line of the STS meter simulator (init, enter, show, serve, fleet).
// All I/O of the app lives here and in state-file.ts; the model (meter.ts) is pure.

import {
  CliError,
  EXIT,
  flag,
  integerOption,
  loadConfigFile,
  type OptionSpec,
  parseCommandArgs,
  reportError,
  requiredOption,
  shown,
  stringOption,
  usageError,
  versionText,
  warn,
} from 'sts-cli-kit';
import type { StsConfig } from 'sts-config';
import { checkDrn } from 'sts-config';
import { COMMAND_HELP } from './help.ts';
import { formatRegister, Meter, MeterError, REGISTER_NAMES } from './meter.ts';
import { baseDatesCovering, MAX_TID_MEMORY_SIZE, tidRangeProblem } from './meter-options.ts';
import { createStateFile, loadMeter, lockStateFile, saveMeter } from './state-file.ts';

/** The name every message starts with. */
export const APP = 'sts-meter';

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

Exit codes: 0 success, 1 token rejected (enter) or mismatch (fleet), 2 usage or bad input, 3 cannot write
or state file in use, 70 internal error (a bug). With --json an error is one {"error":{"code","message"}}
object on stdout.
Run 'sts-meter <command> --help' (or 'sts-meter help <command>') for a command's options;
'sts-meter --version' for the version.`;

/** Parse a command's arguments with the kit's one wording; the hint names the command's help. */
export function parse(command: string, args: readonly string[], spec: OptionSpec, positionals = false) {
  return parseCommandArgs(args, spec, {
    allowPositionals: positionals,
    helpHint: `sts-meter ${command} --help`,
  });
}

/** An ISO 8601 time with a zone (`Z` or `±hh:mm`): a meter's clock is UTC, local time would be a guess. */
function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    throw usageError(
      `--now must be an ISO 8601 time with a zone, e.g. 2004-03-01T14:00:00Z; got ${shown(text)}`,
    );
  }
  return new Date(text);
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

/** Read and check an STS configuration file (the kit's bounded, text-only reader); warnings go to stderr. */
export async function readConfig(path: string): Promise<StsConfig> {
  const { config, warnings } = await loadConfigFile(path);
  for (const w of warnings) warn(APP, w);
  return config;
}

/** Key types under which a keypad meter takes no credit token, and what it shows instead. */
const NO_CREDIT: Record<number, string> = {
  1: 'key type 1 (DDTK): the meter refuses every credit token (DDTK Err)',
  3: 'key type 3 (DCTK): the meter refuses every token under it (KeyT Err)',
};

async function cmdInit(args: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse('init', args, {
    state: { type: 'string' },
    config: { type: 'string' },
    drn: { type: 'string' },
    'tid-memory': { type: 'string' },
    'manufacturer-code': { type: 'string' },
    'key-change-timeout': { type: 'string' },
    now: { type: 'string' },
    json: { type: 'boolean' },
  });
  const statePath = requiredOption(p, 'state');
  const configPath = requiredOption(p, 'config');
  const drn = requiredOption(p, 'drn');
  const tidMemorySize = integerOption(p, 'tid-memory', { min: 1, max: MAX_TID_MEMORY_SIZE });
  const timeoutMin = integerOption(p, 'key-change-timeout', { min: 0, max: 35_000 });
  const mfr = stringOption(p, 'manufacturer-code');
  if (mfr !== undefined && !/^(\d{2}|\d{4})$/.test(mfr))
    throw usageError('--manufacturer-code must be 2 or 4 digits');
  const now = parseNow(stringOption(p, 'now'));
  const config = await readConfig(configPath);
  let meter: Meter;
  try {
    const drnCheck = checkDrn(drn, config);
    if (!drnCheck.ok) throw new CliError('invalid-drn', drnCheck.message);
    const at = now ?? new Date();
    const problem = tidRangeProblem(at, config.baseDate);
    if (problem !== null) throw usageError(`${problem}: ${nowAdvice(at, config.baseDate)}`);
    const noCredit = NO_CREDIT[config.keyType];
    if (noCredit !== undefined) warn(APP, `${configPath}: ${noCredit}`);
    meter = Meter.create({
      config,
      drn,
      ...(tidMemorySize !== undefined && { tidMemorySize }),
      ...(mfr !== undefined && { manufacturerCode: mfr }),
      ...(timeoutMin !== undefined && { keyChangeTimeoutMs: timeoutMin * 60_000 }),
      now: at,
    });
  } catch (e) {
    if (e instanceof MeterError) throw new CliError('bad-input', e.message);
    throw e;
  } finally {
    // The meter holds its own decoder key now: the vending key is not needed any more.
    config.vendingKey.wipe();
  }
  await createStateFile(statePath, meter);
  const view = meter.toJSON();
  if (flag(p, 'json')) out(JSON.stringify(view, null, 2));
  else {
    out(
      `created ${statePath}: meter ${view.drn} (PAN ${view.pan}), ${view.key.encryptionAlgorithm.toUpperCase()} key KCV ${view.key.kcv} (${view.key.kcvMethod})`,
    );
    out(
      `TID memory: ${view.tidMemory.size} entries of TID ${view.tidMemory.tids[0]}, the minute before ${view.createdAt}: tokens issued from that minute on are accepted, earlier ones are Old`,
    );
  }
  meter.destroy();
  return EXIT.ok;
}

async function cmdEnter(args: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse(
    'enter',
    args,
    { state: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  const statePath = requiredOption(p, 'state');
  if (p.positionals.length === 0) throw usageError('give at least one token');
  const now = parseNow(stringOption(p, 'now'));
  // The lock covers the whole read-modify-write: two `enter`s (or `enter` and `serve`) on one file
  // would otherwise both accept a token from the same old state.
  const lock = await lockStateFile(statePath);
  let results: ReturnType<Meter['enter']>[];
  try {
    const meter = await loadMeter(statePath);
    try {
      results = p.positionals.map((t) => meter.enter(t, now ?? new Date()));
      await saveMeter(statePath, meter);
    } finally {
      meter.destroy();
    }
  } finally {
    lock.release();
  }
  if (flag(p, 'json')) out(JSON.stringify(results, null, 2));
  else for (const r of results) out(`${r.token}  ${r.display.padEnd(10)}  ${r.message}`);
  return results.every((r) => r.accepted) ? EXIT.ok : EXIT.failed;
}

async function cmdShow(args: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse('show', args, { state: { type: 'string' }, json: { type: 'boolean' } });
  const meter = await loadMeter(requiredOption(p, 'state'));
  const v = meter.toJSON();
  meter.destroy();
  if (flag(p, 'json')) {
    out(JSON.stringify(v, null, 2));
    return EXIT.ok;
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
  return EXIT.ok;
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
      return EXIT.ok;
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
      else throw usageError(`unknown command ${JSON.stringify(topic.slice(0, 30))}; try --help`);
      return EXIT.ok;
    }
    case '--help':
    case '-h':
      out(USAGE);
      return EXIT.ok;
    case '--version':
    case '-V':
      out(versionText(APP, new URL('../package.json', import.meta.url)));
      return EXIT.ok;
    case undefined:
      throw usageError(
        'no command given; the commands are init, enter, show, serve, fleet (sts-meter --help)',
      );
    default:
      throw usageError(`unknown command ${JSON.stringify(command.slice(0, 30))}; try --help`);
  }
}

const isMain = process.argv[1] !== undefined && /sts-meter(\.js)?$|cli\.ts$/.test(process.argv[1]);
if (isMain) {
  // The reader of stdout went away (`sts-meter show … | head`): stop quietly, like other Unix filters.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    process.stderr.write(
      `sts-meter: internal error: cannot write output: ${e.code ?? e.message.split('\n')[0]}\n`,
    );
    process.exit(EXIT.internal);
  });
  const argv = process.argv.slice(2);
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // One line on stderr, or with --json one {"error":{"code","message"}} object on stdout (tokens and
      // option values never are '--json', so its presence anywhere is the flag).
      process.exitCode = reportError(APP, e, { json: argv.includes('--json') });
    },
  );
}
