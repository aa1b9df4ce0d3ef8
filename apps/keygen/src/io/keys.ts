// RSA key files: read private (PKCS#8 or PKCS#1, optionally encrypted) and public (SPKI) PEM keys,
// and the one fingerprint format of this tool (what `openssl dgst -sha256 -c` prints of the DER SPKI).

import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CliError, type FileObserver } from 'sts-cli-kit';
import { readObserved } from './files.ts';
import { hasRehearsalMark } from './rehearsal-mark.ts';

/**
 * SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex bytes joined by colons, e.g. `3f:a0:…`.
 * Same text as `openssl pkey -pubin -in public.pub -outform DER | openssl dgst -sha256 -c`.
 */
export function fingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
}

function checkRsa(key: KeyObject, file: string, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CliError(
      'bad-input',
      `${what} ${file} is a ${key.asymmetricKeyType ?? 'non-RSA'} key, not an RSA key`,
    );
  }
  return key;
}

/**
 * Read an RSA private key (PEM). An encrypted key needs `passphrase`; a wrong one is named as such.
 * With `{ rehearsal: false }` a key marked REHEARSAL (`rsa --rehearsal`) is refused.
 */
export async function readPrivateKey(
  file: string,
  what: string,
  passphrase: Uint8Array | undefined,
  observer?: FileObserver,
  use: { rehearsal?: boolean } = {},
): Promise<KeyObject> {
  const pem = await readObserved(file, { what, observer });
  const head = pem.subarray(0, Math.max(0, pem.indexOf('-----BEGIN'))).toString('latin1');
  if (use.rehearsal === false && hasRehearsalMark(head)) {
    pem.fill(0);
    throw new CliError('bad-input', `${what} ${file} is a REHEARSAL key: use it with --rehearsal`);
  }
  const encrypted = pem.includes('ENCRYPTED');
  if (encrypted && passphrase === undefined) {
    throw new CliError(
      'bad-input',
      `${what} ${file} is encrypted: give its passphrase with --passphrase-file`,
    );
  }
  try {
    // A Buffer view over the caller's bytes, not a copy: the caller's wipe then covers it.
    const pass = passphrase && Buffer.from(passphrase.buffer, passphrase.byteOffset, passphrase.byteLength);
    const key = createPrivateKey(pass === undefined ? { key: pem } : { key: pem, passphrase: pass });
    return checkRsa(key, file, what);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (encrypted) throw new CliError('bad-input', `cannot decrypt ${what} ${file}: wrong passphrase`);
    throw new CliError('bad-input', `${what} ${file} is not a PEM private key`);
  } finally {
    pem.fill(0);
  }
}

/** Read an RSA public key (PEM SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`). */
export async function readPublicKey(file: string, what: string, observer?: FileObserver): Promise<KeyObject> {
  const pem = await readObserved(file, { what, observer });
  if (pem.includes('PRIVATE KEY')) {
    throw new CliError('bad-input', `${what} ${file} holds a private key: give the public key (.pub)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem });
  } catch {
    throw new CliError('bad-input', `${what} ${file} is not a PEM public key`);
  }
  return checkRsa(key, file, what);
}

/** Modulus size in bits. */
export function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 0;
}
