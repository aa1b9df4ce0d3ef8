// sts-vend: the command line entry. Dispatches to token, decode and decoder-key, and owns the exit code.
// Everything thrown ends here as one line (or one JSON object) through the kit's reportError.
import { EXIT, reportError, usageError, versionText } from 'sts-cli-kit';
import { DECODE_HELP, DECODER_KEY_HELP, MAIN_HELP, TOKEN_HELP } from './help.ts';
import { APP, type CommandResult } from './output.ts';

type Command = (args: string[]) => Promise<CommandResult>;

// Commands load on use: --help stays instant, and a broken library install is one error line, not a stack.
const COMMANDS: Record<string, { load: () => Promise<Command>; help: string }> = {
  token: { load: async () => (await import('./token-command.ts')).runTokenCommand, help: TOKEN_HELP },
  decode: { load: async () => (await import('./decode-command.ts')).runDecodeCommand, help: DECODE_HELP },
  'decoder-key': {
    load: async () => (await import('./decoder-key-command.ts')).runDecoderKeyCommand,
    help: DECODER_KEY_HELP,
  },
};

/** Options before a `--` terminator (after it everything is a positional). */
function optionsPart(args: string[]): string[] {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) throw usageError("missing command (see 'sts-vend --help')");
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && args[0] !== undefined ? COMMANDS[args[0]] : undefined;
    process.stdout.write(topic ? topic.help : MAIN_HELP);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${versionText(APP, new URL('../package.json', import.meta.url))}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const what = name.startsWith('-') ? `option ${name} before a command` : `unknown command '${name}'`;
    throw usageError(`${what} (expected token, decode or decoder-key; see 'sts-vend --help')`);
  }
  const options = optionsPart(args);
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(command.help);
    return EXIT.ok;
  }
  const run = await command.load();
  const result = await run(args);
  // One write of the complete output: a failure above left nothing on stdout.
  if (result.stdout.length > 0) process.stdout.write(result.stdout);
  return result.exitCode;
}

const argv = process.argv.slice(2);
const json = optionsPart(argv).includes('--json');

// Last line of defence: an error outside main's promise (a stream event, a timer) is still one line.
const fatal = (error: unknown) => {
  process.exit(reportError(APP, error, { json }) || EXIT.internal);
};
process.on('uncaughtException', fatal);
// The reader of stdout went away (`sts-vend … | head`): stop quietly, like other Unix filters.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  fatal(error);
});
process.on('unhandledRejection', fatal);

try {
  process.exitCode = await main(argv);
} catch (error) {
  process.exitCode = reportError(APP, error, { json });
}
