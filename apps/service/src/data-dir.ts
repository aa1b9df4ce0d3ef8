// The service's data folder: master key, service RSA key pair and the SQLite database, created once by `init`.
// DIR is 0700 and every secret file 0600; nothing in it is ever overwritten.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError, EXIT, readInput, writeFileAtomic } from 'sts-cli-kit';
import { MASTER_KEY_BYTES } from './keys/seal.ts';
import { createSqliteDatabase } from './store/sqlite-store.ts';

export const FILES = {
  masterKey: 'master.key',
  serviceKey: 'service.key',
  servicePub: 'service.pub',
  database: 'service.db',
} as const;

export const dataFile = (dir: string, name: keyof typeof FILES): string => path.join(dir, FILES[name]);

/** SHA-256 of the DER SubjectPublicKeyInfo as colon-separated hex (sts-keygen's fingerprint format). */
export function fingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
}

/**
 * Make DIR (0700, must not exist) with a new master key, the service key pair (new RSA-4096, or the
 * PEM private key `rsaKeyPem` imported) and an empty database. On any failure DIR is removed again.
 */
export async function initDataDir(
  dir: string,
  rsaKeyPem?: Buffer,
  opts: { database: boolean } = { database: true },
): Promise<{ servicePub: string; fingerprint: string }> {
  if (existsSync(dir))
    throw new CliError('exists', `${dir} already exists; init never overwrites a data folder`, EXIT.io);
  let service: KeyObject;
  if (rsaKeyPem !== undefined) {
    try {
      service = createPrivateKey({ key: rsaKeyPem, format: 'pem' });
    } catch {
      throw new CliError(
        'bad-input',
        'the --rsa-key file is not a PEM private key (an encrypted key is not supported)',
      );
    }
    if (service.asymmetricKeyType !== 'rsa')
      throw new CliError('bad-input', 'the --rsa-key file is not an RSA key');
    const bits = service.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048)
      throw new CliError(
        'bad-input',
        `the --rsa-key file is a ${bits}-bit key; at least 2048 bits are needed`,
      );
  } else {
    service = generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 65537 }).privateKey;
  }
  try {
    mkdirSync(path.dirname(path.resolve(dir)), { recursive: true, mode: 0o700 });
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new CliError('exists', `${dir} already exists; init never overwrites a data folder`, EXIT.io);
    throw new CliError('cannot-write', `cannot create ${dir}: ${code ?? 'error'}`, EXIT.io);
  }
  try {
    const master = randomBytes(MASTER_KEY_BYTES);
    try {
      await writeFileAtomic(dataFile(dir, 'masterKey'), master, { mode: 0o600, exclusive: true });
    } finally {
      master.fill(0);
    }
    const pem = Buffer.from(service.export({ type: 'pkcs8', format: 'pem' }) as string);
    try {
      await writeFileAtomic(dataFile(dir, 'serviceKey'), pem, { mode: 0o600, exclusive: true });
    } finally {
      pem.fill(0);
    }
    const pub = createPublicKey(service).export({ type: 'spki', format: 'pem' }) as string;
    await writeFileAtomic(dataFile(dir, 'servicePub'), pub, { mode: 0o644, exclusive: true });
    if (opts.database) createSqliteDatabase(dataFile(dir, 'database'));
    return { servicePub: dataFile(dir, 'servicePub'), fingerprint: fingerprint(service) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    if (e instanceof CliError) throw e;
    throw new CliError(
      'cannot-write',
      `cannot write in ${dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      EXIT.io,
    );
  }
}

/** Check DIR is an initialised data folder (before opening anything); no service.db with PostgreSQL. */
export function checkDataDir(dir: string, opts: { database: boolean } = { database: true }): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(dir);
  } catch {
    throw new CliError('no-data', `${dir} is not a data folder (run 'sts-service init --data ${dir}' first)`);
  }
  if (!st.isDirectory()) throw new CliError('no-data', `${dir} is not a folder`);
  for (const f of [FILES.masterKey, FILES.serviceKey, ...(opts.database ? [FILES.database] : [])])
    try {
      statSync(path.join(dir, f));
    } catch {
      throw new CliError('no-data', `${dir} is not a data folder: ${f} is missing`);
    }
}

/** Read a secret file of DIR (bounded, through the kit), refusing one that others may read. */
export async function readSecretFile(file: string, maxBytes: number): Promise<Buffer> {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    throw new CliError('no-data', `${file} is missing`);
  }
  if ((mode & 0o077) !== 0)
    throw new CliError(
      'bad-permissions',
      `${file} is readable by others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`,
    );
  return readInput(file, { what: 'key file', maxBytes });
}

export async function readMasterKey(dir: string): Promise<Buffer> {
  const key = await readSecretFile(dataFile(dir, 'masterKey'), MASTER_KEY_BYTES);
  if (key.length !== MASTER_KEY_BYTES) {
    key.fill(0);
    throw new CliError('bad-master-key', `${dataFile(dir, 'masterKey')} must hold ${MASTER_KEY_BYTES} bytes`);
  }
  return key;
}

export function readServiceKeyPem(dir: string): Promise<Buffer> {
  return readSecretFile(dataFile(dir, 'serviceKey'), 64 * 1024);
}
