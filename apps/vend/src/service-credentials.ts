// The API key and secret of `sts-vend --service`: from STS_KEY / STS_SECRET, or a credentials file (0600),
// never from the command line, where every user of the machine could read them in `ps`.
import { stat } from 'node:fs/promises';
import { CliError, EXIT, readInputText, systemReason, usageError } from 'sts-cli-kit';

export interface ServiceCredentials {
  key: string;
  secret: string;
}

/** A credentials file is a few hundred bytes: `sts-service credentials create --json` output. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;
const WHAT = 'credentials file';

const HOW =
  'set STS_KEY and STS_SECRET, or give --credentials FILE (the JSON of sts-service credentials create --json)';

/**
 * The credentials for `--service`: the file when `--credentials FILE` is given, else the environment.
 * Every failure is one line that never shows the secret.
 */
export async function serviceCredentials(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServiceCredentials> {
  if (file !== undefined) return credentialsFile(file);
  const key = env.STS_KEY;
  const secret = env.STS_SECRET;
  if (key === undefined && secret === undefined) throw usageError(`--service needs credentials: ${HOW}`);
  if (key === undefined || key === '') throw usageError(`STS_SECRET is set but STS_KEY is not: ${HOW}`);
  if (secret === undefined || secret === '') throw usageError(`STS_KEY is set but STS_SECRET is not: ${HOW}`);
  return { key: checkedKey(key, 'STS_KEY'), secret };
}

async function credentialsFile(file: string): Promise<ServiceCredentials> {
  if (file !== '-') {
    let mode: number;
    try {
      mode = (await stat(file)).mode;
    } catch (error) {
      throw new CliError(
        'unreadable-file',
        `cannot read ${WHAT} ${file}: ${systemReason(error)}`,
        EXIT.usage,
      );
    }
    // Like ssh with a private key: a secret others can read is refused, not used.
    if ((mode & 0o077) !== 0) {
      const shownMode = (mode & 0o777).toString(8).padStart(4, '0');
      throw new CliError(
        'credentials-file-open',
        `${WHAT} ${file} can be read by others (mode ${shownMode}): chmod 600 ${file}`,
        EXIT.usage,
      );
    }
  }
  const text = await readInputText(file, { what: WHAT, maxBytes: MAX_CREDENTIALS_BYTES });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      'invalid-credentials',
      `${WHAT} ${file} is not JSON (expected {"key": "…", "secret": "…"}, as sts-service credentials create --json prints)`,
      EXIT.usage,
    );
  }
  const record = parsed as { key?: unknown; secret?: unknown } | null;
  for (const name of ['key', 'secret'] as const) {
    const value = record?.[name];
    if (typeof value !== 'string' || value === '') {
      throw new CliError(
        'invalid-credentials',
        `${WHAT} ${file}: "${name}" must be a non-empty string`,
        EXIT.usage,
      );
    }
  }
  return {
    key: checkedKey(record!.key as string, `${WHAT} ${file}: "key"`),
    secret: record!.secret as string,
  };
}

/** An API key as the service issues it; anything else (a space, a colon) could not be signed for. */
function checkedKey(key: string, where: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(key))
    throw usageError(`${where} is not an API key (letters, digits, _ and -, as sts-service issues them)`);
  return key;
}
