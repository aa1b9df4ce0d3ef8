// `sts-keygen rsa --out DIR`: the RSA-4096 key pair that signs upload bundles (key-ceremony.md feature 6).
// Generated, written exclusively (private key 0600), read back from disk and checked before success.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CliError, EXIT, OutputSet, parseCommandArgs, requiredOption, stringOption } from 'sts-cli-kit';
import { REHEARSAL_OPTIONS, rehearsalOf } from '../ceremony/options.ts';
import { optionsOf, type StepDescription } from '../ceremony/steps.ts';
import type { Command } from '../io/command.ts';
import { assertDistinct, readObserved } from '../io/files.ts';
import { fingerprint } from '../io/keys.ts';
import { rehearsalMark } from '../io/rehearsal-mark.ts';
import { readPassphraseFile } from '../io/secret-input.ts';

const generate = promisify(generateKeyPair);
const RSA_BITS = 4096;
const RSA_EXPONENT = 65537;

/** Check a key pair read back from its files: size, exponent, the pair matches, sign/verify works. */
function checkKeyPair(privateKey: KeyObject, publicKey: KeyObject): void {
  const d = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType !== 'rsa' || d?.modulusLength !== RSA_BITS) {
    throw new CliError(
      'verification-failed',
      `the new key is not RSA-${RSA_BITS} (got ${d?.modulusLength ?? '?'} bits)`,
      EXIT.failed,
    );
  }
  if (d.publicExponent !== BigInt(RSA_EXPONENT))
    throw new CliError('verification-failed', 'the new key does not have exponent 65537', EXIT.failed);
  if (fingerprint(privateKey) !== fingerprint(publicKey)) {
    throw new CliError(
      'verification-failed',
      'the public key file does not belong to the private key file',
      EXIT.failed,
    );
  }
  const challenge = randomBytes(32);
  const signature = sign('sha256', challenge, privateKey);
  if (!verify('sha256', challenge, publicKey, signature)) {
    throw new CliError('verification-failed', 'the new key pair fails a sign/verify round trip', EXIT.failed);
  }
}

const rsaStep: StepDescription = {
  args: { out: { kind: 'outdir', required: true }, 'passphrase-file': { kind: 'input' } },
  risky: true,
  rehearsal: true,
  secretOutputs: true,
  impliedOutputs: (a) => [path.join(String(a.out), 'key.pem'), path.join(String(a.out), 'public.pub')],
};

const rsaCommand: Command = {
  name: 'rsa',
  summary: 'generate an RSA-4096 key pair (key.pem 0600, public.pub) and print its fingerprint',
  usage: `usage: sts-keygen rsa --out DIR [--passphrase-file FILE] [--rehearsal] [--json]

Generate the RSA-4096 (e = 65537) key pair that signs upload bundles.
  DIR/key.pem     private key, PKCS#8 PEM, mode 0600, created exclusively; encrypted with
                  AES-256-CBC (PBES2) under the passphrase when --passphrase-file is given
  DIR/public.pub  public key, SPKI PEM
Both are read back from disk and checked (size, exponent, sign/verify) before success.
DIR is created (mode 0700) if missing; existing files are never overwritten.

The fingerprint is the SHA-256 of the DER public key, hex with colons, the same text as
  openssl pkey -pubin -in DIR/public.pub -outform DER | openssl dgst -sha256 -c

  --rehearsal  both files start with a '# REHEARSAL' line (above the PEM block, which
               openssl and this tool read past); bundle refuses such a key without --rehearsal

Exit codes: 0 done, 1 the new key failed its checks, 2 bad usage or a file exists.`,
  step: rsaStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(rsaStep.args), ...REHEARSAL_OPTIONS });
    const { rehearsal } = rehearsalOf(args);
    const dir = requiredOption(args, 'out');
    const passFile = stringOption(args, 'passphrase-file');
    const keyFile = path.join(dir, 'key.pem');
    const pubFile = path.join(dir, 'public.pub');
    if (passFile) assertDistinct([passFile], [keyFile, pubFile]);
    const outputs = new OutputSet(ctx.observer);
    // Every check before the first side effect: outputs must not exist, the passphrase must be readable.
    outputs.plan(keyFile);
    outputs.plan(pubFile);
    const passphrase = passFile ? await readPassphraseFile(passFile) : undefined;
    // A Buffer view over the passphrase, not a copy: wiping `passphrase` covers it.
    const pass = passphrase && Buffer.from(passphrase.buffer, passphrase.byteOffset, passphrase.byteLength);
    try {
      ctx.out.info(`generating an RSA-${RSA_BITS} key pair…`);
      const started = performance.now();
      const pair = await generate('rsa', { modulusLength: RSA_BITS, publicExponent: RSA_EXPONENT });
      const generatedMs = performance.now() - started;
      const privatePem = pair.privateKey.export(
        pass
          ? { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: pass }
          : { type: 'pkcs8', format: 'pem' },
      );
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' });
      // A rehearsal pair says so above its PEM blocks, where OpenSSL and node:crypto read past text.
      const mark = rehearsal ? rehearsalMark('key') : '';
      const print = await outputs.run(async () => {
        outputs.ensureDir(dir);
        outputs.write(keyFile, mark + privatePem, { secret: true });
        outputs.write(pubFile, mark + publicPem, { secret: false });
        // Read back what is on disk, not what is in memory.
        const privBytes = await readObserved(keyFile, { what: 'private key' });
        let readPrivate: KeyObject;
        try {
          readPrivate = createPrivateKey(pass ? { key: privBytes, passphrase: pass } : { key: privBytes });
        } finally {
          privBytes.fill(0);
        }
        const readPublic = createPublicKey(await readObserved(pubFile, { what: 'public key' }));
        checkKeyPair(readPrivate, readPublic);
        return fingerprint(readPublic);
      });
      const totalMs = performance.now() - started;
      ctx.out.result(
        [
          ...(rehearsal ? ['REHEARSAL: not a production key pair'] : []),
          `private key: ${keyFile} (PKCS#8${passphrase ? ', AES-256-CBC encrypted' : ''}, mode 0600)`,
          `public key:  ${pubFile}`,
          `RSA-${RSA_BITS}, e=${RSA_EXPONENT}, checked (read back, sign/verify)`,
          `fingerprint (SHA-256 of DER SPKI): ${print}`,
        ],
        {
          privateKey: keyFile,
          publicKey: pubFile,
          bits: RSA_BITS,
          publicExponent: RSA_EXPONENT,
          encrypted: passphrase !== undefined,
          fingerprint: print,
          rehearsal,
          timing: { generateMs: Math.round(generatedMs), totalMs: Math.round(totalMs) },
        },
      );
      return EXIT.ok;
    } finally {
      passphrase?.fill(0);
    }
  },
};

export const commands: Command[] = [rsaCommand];
