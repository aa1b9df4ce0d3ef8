// sts-keygen: the top-level dispatcher. Finds the command by its words, handles --help and --json
// everywhere, and turns every error into one line and a documented exit code (README "Exit codes").

import {
  abortOpenOutputs,
  CliError,
  EXIT,
  onTerminate,
  reportError,
  usageError,
  versionText,
} from 'sts-cli-kit';
import { loadCommands, NotAvailableError, type RegistryEntry, registry } from './commands/index.ts';
import type { Command, CommandContext } from './io/command.ts';
import { Output } from './io/output.ts';

const TOP_USAGE = `usage: sts-keygen <command> [subcommand] [options]

Offline key ceremonies for STS prepaid metering: RSA keys, Nectar upload bundles,
vending keys from components, Shamir backups.

Options for every command:
  --json     print one JSON document on stdout (errors: {"error":{"code","message"}})
  --help     show the help of the command
  --version  print the version

Exit codes: 0 done, 1 verification failed, 2 bad input or usage, 3 cannot write, 70 internal error.

Commands:`;

/** Split off the global flags (before a `--`), leaving the command's own arguments. */
function globalFlags(argv: readonly string[]): { json: boolean; help: boolean; rest: string[] } {
  let json = false;
  let help = false;
  const rest: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough) rest.push(arg);
    else if (arg === '--') {
      passthrough = true;
      rest.push(arg);
    } else if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else rest.push(arg);
  }
  return { json, help, rest };
}

async function topHelp(): Promise<string> {
  const lines = [TOP_USAGE];
  for (const entry of registry) {
    let cmds: readonly Command[];
    try {
      cmds = await loadCommands(entry);
    } catch (err) {
      const why = err instanceof NotAvailableError ? 'not available' : 'failed to load';
      lines.push(`  ${entry.word.padEnd(22)} ${entry.summary} (${why})`);
      continue;
    }
    for (const c of cmds) lines.push(`  ${c.name.padEnd(22)} ${c.summary}`);
  }
  lines.push('', "Run 'sts-keygen <command> --help' for the options of a command.");
  return lines.join('\n');
}

/** The longest command name that is a prefix of the positional words of argv. */
function match(
  cmds: readonly Command[],
  argv: readonly string[],
): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  let bestLen = 0;
  for (const command of cmds) {
    const words = command.name.split(' ');
    if (words.length <= bestLen) continue;
    if (words.every((w, i) => argv[i] === w)) {
      best = { command, rest: argv.slice(words.length) };
      bestLen = words.length;
    }
  }
  return best;
}

/** Run sts-keygen with `argv` (without node and script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  ctxOverrides: Partial<CommandContext> = {},
): Promise<number> {
  const { json, help, rest } = globalFlags(argv);
  const out = ctxOverrides.out ?? new Output(json);
  try {
    const first = rest[0];
    if (first === undefined || first.startsWith('-')) {
      if (first === '--version') {
        out.text(versionText('sts-keygen', new URL('../package.json', import.meta.url)));
        return EXIT.ok;
      }
      if (!help && first !== undefined) throw usageError(`unknown option ${first} (see 'sts-keygen --help')`);
      // No command at all: the help (exit 2 unless asked for); in --json mode stdout stays one document.
      if (help || !json) out.text(await topHelp());
      if (help) return EXIT.ok;
      throw usageError('no command given (see sts-keygen --help)');
    }
    const entry: RegistryEntry | undefined = registry.find((e) => e.word === first);
    if (!entry) throw usageError(`unknown command '${first}' (see sts-keygen --help)`);
    const cmds = await loadCommands(entry);
    const found = match(cmds, rest);
    if (!found) {
      const list = cmds.map((c) => `  ${c.name.padEnd(22)} ${c.summary}`).join('\n');
      const asked = help && rest.length === 1;
      // Before an error the listing helps a person; in --json mode stdout carries only the error document.
      if (asked || !json)
        out.text(`usage: sts-keygen ${first} <subcommand> [options]\n\nSubcommands:\n${list}`);
      if (asked) return EXIT.ok;
      const sub = rest[1];
      throw usageError(
        sub === undefined ? `'${first}' needs a subcommand` : `unknown command '${first} ${sub}'`,
      );
    }
    if (help) {
      out.text(found.command.usage);
      return EXIT.ok;
    }
    const ctx: CommandContext = {
      json,
      out,
      stdin: ctxOverrides.stdin ?? process.stdin,
      observer: ctxOverrides.observer,
    };
    return await found.command.run(found.rest, ctx);
  } catch (err) {
    abortOpenOutputs();
    let error = err instanceof NotAvailableError ? new CliError('not-available', err.message) : err;
    // A message of several lines (every problem of a file) becomes its first line plus detail lines,
    // so --json carries them as "details" and the text mode prints each as its own line.
    if (error instanceof CliError && error.details.length === 0 && error.message.includes('\n')) {
      const all = error.message.split('\n');
      error = new CliError(error.code, all[0] ?? '', error.exitCode, all);
    }
    // A bug is one line too (the kit's report); STS_KEYGEN_DEBUG=1 shows its stack for developers.
    if (!(error instanceof CliError) && process.env.STS_KEYGEN_DEBUG === '1' && error instanceof Error)
      process.stderr.write(`${error.stack}\n`);
    return reportError('sts-keygen', error, { json, streams: out.streams });
  }
}

// Run when loaded by bin/sts-keygen.js (not when a test imports `main`).
if (process.argv[1]?.endsWith('sts-keygen.js') || process.argv[1]?.endsWith('sts-keygen')) {
  // Ctrl-C or SIGTERM: every output set still open is removed, then exit 130 / 143.
  onTerminate(() => {
    abortOpenOutputs();
    process.stderr.write('sts-keygen: interrupted; partial outputs removed\n');
  });
  process.on('uncaughtException', (err) => {
    abortOpenOutputs();
    process.stderr.write(`sts-keygen: internal error: ${err.name}: ${err.message.split('\n')[0]}\n`);
    process.exit(EXIT.internal);
  });
  process.exitCode = await main(process.argv.slice(2));
}
