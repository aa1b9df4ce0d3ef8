// sts-service: the command line entry. Dispatches to the commands and owns the exit code;
// everything thrown ends here as one line and a documented code (a stack trace reaching a user is a bug).
import { EXIT, reportError, usageError, versionText, warn } from 'sts-cli-kit';
import type { Out } from './commands/commands.ts';
import {
  AUDIT_HELP,
  CONFIGS_HELP,
  CREDENTIALS_HELP,
  INIT_HELP,
  MAIN_HELP,
  MIGRATE_HELP,
  SERVE_HELP,
} from './commands/help.ts';

type Command = (argv: string[], out: Out) => Promise<number>;
const COMMANDS: Record<string, { help: string; load: () => Promise<Command> }> = {
  init: { help: INIT_HELP, load: async () => (await import('./commands/commands.ts')).initCommand },
  credentials: {
    help: CREDENTIALS_HELP,
    load: async () => (await import('./commands/commands.ts')).credentialsCommand,
  },
  configs: { help: CONFIGS_HELP, load: async () => (await import('./commands/commands.ts')).configsCommand },
  serve: { help: SERVE_HELP, load: async () => (await import('./commands/serve.ts')).serveCommand },
  audit: { help: AUDIT_HELP, load: async () => (await import('./commands/commands.ts')).auditCommand },
  migrate: { help: MIGRATE_HELP, load: async () => (await import('./commands/migrate.ts')).migrateCommand },
};

const APP = 'sts-service';

async function main(argv: string[], out: Out): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) throw usageError(`missing command (see '${APP} --help')`);
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(MAIN_HELP);
    return EXIT.ok;
  }
  if (name === '--version') {
    process.stdout.write(`${versionText(APP, new URL('../package.json', import.meta.url))}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined)
    throw usageError(
      `unknown command '${name.slice(0, 40)}' (expected init, credentials, configs, serve, audit or migrate; see '${APP} --help')`,
    );
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(command.help);
    return EXIT.ok;
  }
  return (await command.load())(args, out);
}

const json = process.argv.includes('--json');
const out: Out = {
  json,
  write: (text) => process.stdout.write(text),
  warn: (text) => warn(APP, text),
  fail: (text) => process.stderr.write(`${APP}: ${text}\n`),
};

main(process.argv.slice(2), out).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = reportError(APP, e, { json });
  },
);
