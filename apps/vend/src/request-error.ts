// A failed sts-token request as sts-vend reports it: the library's code, and its message with every
// value it echoes cut to 64 characters (the kit's `shown`), so a 1 MB field never comes back whole.
import { CliError, EXIT, shown } from 'sts-cli-kit';

/** A JSON string literal inside a message: how sts-token quotes the values it echoes. */
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/** The longest message left as it is: anything shorter cannot hold an echoed value worth cutting. */
const SHORT_MESSAGE = 160;

/**
 * `message` with each quoted value longer than 64 characters replaced by the kit's `shown` form
 * (`'xxxx…' (1048576 characters)`; a long run of hex digits only by its length). Short messages, the
 * common case in a batch, are returned untouched without a scan.
 */
export function clipEchoedValues(message: string): string {
  if (message.length <= SHORT_MESSAGE) return message;
  return message.replace(QUOTED, (literal) => {
    let value: unknown;
    try {
      value = JSON.parse(literal);
    } catch {
      return literal;
    }
    return typeof value === 'string' && shown(value) !== `'${value}'` ? shown(value) : literal;
  });
}

/**
 * The error of a failed sts-token request as a CliError: bad input exits 2, but `internal` (a bug in
 * the library, not the input's fault) exits 70 like any other bug.
 */
export function requestError(error: { code: string; message: string }): CliError {
  return new CliError(
    error.code,
    clipEchoedValues(error.message),
    error.code === 'internal' ? EXIT.internal : EXIT.usage,
  );
}
