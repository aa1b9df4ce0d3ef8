// `sts-keygen bundle` and `bundle open`: the Nectar upload bundle (nectar-compat.md §2) on disk.
// The envelope crypto is sts-crypto's (bundle.ts); this file does the files, the checks and the report.

import { createPublicKey, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CliError,
  EXIT,
  type FileObserver,
  OutputSet,
  parseCommandArgs,
  requiredOption,
  sha256Hex,
  stringOption,
  usageError,
} from 'sts-cli-kit';
import { formatDiagnostic, parseStsConfig } from 'sts-config';
import {
  BUNDLE_DOES_NOT_VERIFY,
  BUNDLE_FILES,
  type BundleParts,
  type BundleProfile,
  BundleVerificationError,
  decodeBase64Text,
  encodeBase64Lines,
  openBundle,
  openWithKey,
  STRONG_PROFILE_LINE,
  sealBundle,
} from 'sts-crypto';
import { REHEARSAL_OPTIONS, rehearsalOf } from '../ceremony/options.ts';
import { optionsOf, type StepDescription } from '../ceremony/steps.ts';
import type { Command, CommandContext } from '../io/command.ts';
import { assertDistinct, readObserved } from '../io/files.ts';
import { fingerprint, modulusBits, readPrivateKey, readPublicKey } from '../io/keys.ts';
import { hasRehearsalMark, rehearsalMark } from '../io/rehearsal-mark.ts';
import { readPassphraseFile } from '../io/secret-input.ts';
import { decodeConfigText, describeConfig } from './config-check.ts';

/**
 * Read a 16-byte AES key or IV file: exactly 16 raw bytes (the Nectar guide's printable key
 * `v8y/B?E(H+MbQeTh` is such a file), or 32 hex digits with an optional final newline.
 */
export async function readKeyMaterialFile(file: string, what: string): Promise<Uint8Array> {
  const data = await readObserved(file, { what, maxBytes: 4096 });
  try {
    if (data.length === 16) return new Uint8Array(data);
    let end = data.length;
    if (end > 0 && data[end - 1] === 0x0a) end--;
    if (end > 0 && data[end - 1] === 0x0d) end--;
    const text = data.subarray(0, end).toString('latin1');
    if (end === 32 && /^[0-9a-fA-F]{32}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
    const hint =
      data.length === 17 && data[16] === 0x0a ? ' (the final newline counts: write it with printf)' : '';
    throw new CliError(
      'bad-input',
      `${what} ${file} must hold exactly 16 bytes or 32 hex digits, got ${data.length} bytes${hint}`,
    );
  } finally {
    data.fill(0);
  }
}

/**
 * Read and strictly validate a config file; invalid → InputError listing every problem. A config
 * marked REHEARSAL (config new --rehearsal) is refused unless this is a rehearsal.
 */
async function readValidConfig(
  file: string,
  observer: FileObserver | undefined,
  rehearsal: boolean,
): Promise<Buffer> {
  const bytes = await readObserved(file, { what: 'config', observer });
  const text = decodeConfigText(bytes, file);
  if (!rehearsal && hasRehearsalMark(text)) {
    bytes.fill(0);
    throw new CliError(
      'bad-input',
      `config ${file} is a REHEARSAL configuration: bundle it with --rehearsal`,
    );
  }
  const r = parseStsConfig(text, { source: file });
  if (!r.ok) {
    bytes.fill(0);
    throw new CliError(
      'bad-input',
      [
        `${file} is not a valid STS configuration; no bundle written:`,
        ...r.errors.map(formatDiagnostic),
      ].join('\n'),
    );
  }
  r.config.vendingKey.fill(0);
  return bytes;
}

function partsFromTexts(
  texts: Record<'data' | 'digest' | 'symmetric' | 'mac', string | undefined>,
): BundleParts {
  const decode = (t: string | undefined): Uint8Array => {
    const bytes = t === undefined ? undefined : decodeBase64Text(t);
    // Malformed base64 is tampering like any other: the same one message.
    if (bytes === undefined) throw new CliError('verification-failed', BUNDLE_DOES_NOT_VERIFY, EXIT.failed);
    return bytes;
  };
  const parts: BundleParts = {
    data: decode(texts.data),
    digest: decode(texts.digest),
    symmetric: decode(texts.symmetric),
  };
  if (texts.mac !== undefined) parts.mac = decode(texts.mac);
  return parts;
}

async function readText(file: string, observer: FileObserver | undefined): Promise<string> {
  return (await readObserved(file, { what: 'bundle file', observer })).toString('latin1');
}

const bundleStep: StepDescription = {
  args: {
    config: { kind: 'input', required: true },
    'signing-key': { kind: 'input', required: true },
    recipient: { kind: 'input', required: true },
    out: { kind: 'outdir', required: true },
    profile: { kind: 'string' },
    'symmetric-key-file': { kind: 'input' },
    'iv-file': { kind: 'input' },
    'passphrase-file': { kind: 'input' },
  },
  risky: true,
  rehearsal: true,
  secretOutputs: false,
  impliedOutputs: (a) => {
    const names: string[] = [BUNDLE_FILES.data, BUNDLE_FILES.digest, BUNDLE_FILES.symmetric];
    if (a.profile === 'strong') names.push(BUNDLE_FILES.mac, BUNDLE_FILES.profile);
    return names.map((n) => path.join(String(a.out), n));
  },
};

export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'build the three Nectar upload files from a config (checked before success)',
  usage: `usage: sts-keygen bundle --config FILE --signing-key KEY.pem --recipient PUBLIC.pub --out DIR
                         [--profile nectar|strong] [--symmetric-key-file F --iv-file F]
                         [--passphrase-file F] [--rehearsal] [--json]

Encrypt and sign an STS configuration for upload (nectar-compat §2). Writes into DIR:
  encrypted_sts_config_with_iv_base64.txt  base64(IV ‖ AES-128-CBC(config))
  encrypted_digest.txt                     base64(RSA PKCS#1 v1.5 type-1 of SHA-256(config))
  encrypted_symmetric.txt                  base64(RSA PKCS#1 v1.5 type-2 of the AES key)
Base64 is wrapped at 64 columns (as openssl base64). The config is validated first; an invalid
one is refused. The AES key and IV are 16 random bytes unless --symmetric-key-file / --iv-file
give them (16 raw bytes, or 32 hex digits). Before reporting success the bundle is read back
from disk, decrypted with the key still in memory and its signature checked.
--passphrase-file decrypts an encrypted signing key.

--profile strong (not accepted by Nectar): RSA-OAEP-SHA256 key wrap of a 64-byte secret,
AES-256-CBC + HMAC-SHA-256 (encrypt-then-MAC, encrypted_mac.txt), RSA-PSS-SHA256 signature,
and profile.txt. The openssl commands that open it are in sts-keygen's README ('Profile strong'),
not in the bundle: nothing in a bundle that the signature does not cover should be followed.

--rehearsal: for a REHEARSAL configuration or signing key (refused without it). The Nectar files
have no room for a mark; the configuration inside carries its own '# REHEARSAL' line, and a strong
bundle's profile.txt gets one.

Prints the SHA-256 fingerprints of the recipient and signer keys (see 'sts-keygen rsa --help').
Exit codes: 0 done, 1 the self-check failed, 2 bad usage or input (invalid config, a file exists).`,
  step: bundleStep,
  async run(argv, ctx) {
    const args = parseCommandArgs(argv, { ...optionsOf(bundleStep.args), ...REHEARSAL_OPTIONS });
    const { rehearsal } = rehearsalOf(args);
    const configFile = requiredOption(args, 'config');
    const signingFile = requiredOption(args, 'signing-key');
    const recipientFile = requiredOption(args, 'recipient');
    const dir = requiredOption(args, 'out');
    const profileArg = stringOption(args, 'profile') ?? 'nectar';
    if (profileArg !== 'nectar' && profileArg !== 'strong') {
      throw usageError(`--profile must be nectar or strong, got ${JSON.stringify(profileArg.slice(0, 20))}`);
    }
    const profile: BundleProfile = profileArg;
    const keyFile = stringOption(args, 'symmetric-key-file');
    const ivFile = stringOption(args, 'iv-file');
    const passFile = stringOption(args, 'passphrase-file');
    if (profile === 'strong' && keyFile) {
      throw usageError(
        '--symmetric-key-file is for the nectar profile; the strong profile draws its own secret',
      );
    }

    const started = performance.now();
    const names: string[] = [BUNDLE_FILES.data, BUNDLE_FILES.digest, BUNDLE_FILES.symmetric];
    if (profile === 'strong') names.push(BUNDLE_FILES.mac, BUNDLE_FILES.profile);
    const outFiles = names.map((n) => path.join(dir, n));
    const inputs = [configFile, signingFile, recipientFile, keyFile, ivFile, passFile].filter(
      (f): f is string => f !== undefined,
    );
    assertDistinct(inputs, outFiles);
    const outputs = new OutputSet(ctx.observer);
    for (const f of outFiles) outputs.plan(f);

    // All inputs read and checked before anything is written; every secret read is wiped in
    // `finally`, also when a later input is refused.
    let config: Buffer | undefined;
    let passphrase: Uint8Array | undefined;
    let key: Uint8Array | undefined;
    try {
      config = await readValidConfig(configFile, ctx.observer, rehearsal);
      passphrase = passFile ? await readPassphraseFile(passFile) : undefined;
      key = keyFile
        ? await readKeyMaterialFile(keyFile, 'symmetric key file')
        : randomBytes(profile === 'nectar' ? 16 : 64);
      const signingKey = await readPrivateKey(signingFile, 'signing key', passphrase, ctx.observer, {
        rehearsal,
      });
      const recipientKey = await readPublicKey(recipientFile, 'recipient key', ctx.observer);
      if (modulusBits(signingKey) !== 4096) {
        ctx.out.warn(`signing key ${signingFile} is ${modulusBits(signingKey)}-bit; Nectar expects RSA-4096`);
      }
      const iv = ivFile ? await readKeyMaterialFile(ivFile, 'IV file') : randomBytes(16);
      const signerPublic = fingerprint(signingKey);
      const recipientPrint = fingerprint(recipientKey);

      const sealStart = performance.now();
      const parts = sealBundle({ profile, config, signingKey, recipientKey, key, iv });
      const sealMs = performance.now() - sealStart;
      const sealed = { config, key };
      const texts = {
        data: encodeBase64Lines(parts.data),
        digest: encodeBase64Lines(parts.digest),
        symmetric: encodeBase64Lines(parts.symmetric),
        mac: parts.mac ? encodeBase64Lines(parts.mac) : undefined,
      };

      await outputs.run(async () => {
        outputs.ensureDir(dir);
        outputs.write(path.join(dir, BUNDLE_FILES.data), texts.data, { secret: false });
        outputs.write(path.join(dir, BUNDLE_FILES.digest), texts.digest, { secret: false });
        outputs.write(path.join(dir, BUNDLE_FILES.symmetric), texts.symmetric, { secret: false });
        if (profile === 'strong') {
          outputs.write(path.join(dir, BUNDLE_FILES.mac), texts.mac ?? '', { secret: false });
          const mark = rehearsal ? rehearsalMark('bundle') : '';
          outputs.write(path.join(dir, BUNDLE_FILES.profile), `${STRONG_PROFILE_LINE}\n${mark}`, {
            secret: false,
          });
        }
        // Self-check on what is on disk: decode, decrypt with the key in memory, verify the signature.
        const onDisk = partsFromTexts({
          data: await readText(path.join(dir, BUNDLE_FILES.data), undefined),
          digest: await readText(path.join(dir, BUNDLE_FILES.digest), undefined),
          symmetric: await readText(path.join(dir, BUNDLE_FILES.symmetric), undefined),
          mac: profile === 'strong' ? await readText(path.join(dir, BUNDLE_FILES.mac), undefined) : undefined,
        });
        let same = false;
        try {
          const signerKey = createPublicKey(signingKey);
          const back = openWithKey({ profile, parts: onDisk, key: sealed.key, signerKey });
          same = Buffer.compare(back, sealed.config) === 0;
          back.fill(0);
        } catch (err) {
          if (!(err instanceof BundleVerificationError)) throw err;
        }
        if (!same)
          throw new CliError(
            'verification-failed',
            'self-check failed: the written bundle does not decrypt to the config',
            EXIT.failed,
          );
      });
      const totalMs = performance.now() - started;
      const configSha = sha256Hex(config);
      ctx.out.result(
        [
          ...(rehearsal ? ['REHEARSAL: not a production bundle'] : []),
          `bundle (${profile} profile) written to ${dir}:`,
          ...names.map((n) => `  ${n}`),
          `config: ${configFile} (SHA-256 ${configSha})`,
          `recipient key fingerprint: ${recipientPrint}`,
          `signer key fingerprint:    ${signerPublic}`,
          'self-check: decrypted with the key in memory, signature verified, bytes equal',
          ...(profile === 'strong'
            ? ["to check it with openssl: the commands in sts-keygen's README ('Profile strong')"]
            : []),
        ],
        {
          profile,
          dir,
          files: names,
          configSha256: configSha,
          recipientFingerprint: recipientPrint,
          signerFingerprint: signerPublic,
          selfCheck: true,
          rehearsal,
          timing: { sealMs: Math.round(sealMs * 100) / 100, totalMs: Math.round(totalMs * 100) / 100 },
        },
      );
      return EXIT.ok;
    } finally {
      key?.fill(0);
      config?.fill(0);
      passphrase?.fill(0);
    }
  },
};

/** Which profile a bundle directory holds: profile.txt present → strong, else nectar. */
async function detectProfile(dir: string, observer: FileObserver | undefined): Promise<BundleProfile> {
  const file = path.join(dir, BUNDLE_FILES.profile);
  if (!fs.existsSync(file)) return 'nectar';
  const text = (await readObserved(file, { what: 'profile file', observer, maxBytes: 1024 })).toString(
    'latin1',
  );
  // The profile line, then nothing but comment lines (a rehearsal's mark).
  const [first, ...rest] = text.trim().split(/\r?\n/);
  if (first !== STRONG_PROFILE_LINE || rest.some((l) => !l.trim().startsWith('#'))) {
    throw new CliError('verification-failed', BUNDLE_DOES_NOT_VERIFY, EXIT.failed);
  }
  return 'strong';
}

const openStep: StepDescription = {
  args: {
    dir: { kind: 'indir', required: true },
    'recipient-key': { kind: 'input', required: true },
    signer: { kind: 'input', required: true },
    out: { kind: 'output' },
    'passphrase-file': { kind: 'input' },
  },
  risky: true,
  rehearsal: false,
  secretOutputs: true,
};

async function openCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const args = parseCommandArgs(argv, optionsOf(openStep.args));
  const dir = requiredOption(args, 'dir');
  const recipientFile = requiredOption(args, 'recipient-key');
  const signerFile = requiredOption(args, 'signer');
  const outFile = stringOption(args, 'out');
  const passFile = stringOption(args, 'passphrase-file');
  const started = performance.now();

  const profile = await detectProfile(dir, ctx.observer);
  // Bundles made before VERIFY.md left them carried one; no signature covers it, so it is not read.
  const stray = path.join(dir, 'VERIFY.md');
  if (fs.existsSync(stray)) {
    ctx.out.warn(
      `${stray} is not covered by the signature: ignored, do not follow it (see sts-keygen's README)`,
    );
  }
  const bundleFiles = [BUNDLE_FILES.data, BUNDLE_FILES.digest, BUNDLE_FILES.symmetric].map((n) =>
    path.join(dir, n),
  );
  if (profile === 'strong') bundleFiles.push(path.join(dir, BUNDLE_FILES.mac));
  const outputs = new OutputSet(ctx.observer);
  if (outFile) {
    assertDistinct([...bundleFiles, recipientFile, signerFile, ...(passFile ? [passFile] : [])], [outFile]);
    outputs.plan(outFile);
  }
  const passphrase = passFile ? await readPassphraseFile(passFile) : undefined;
  let config: Uint8Array | undefined;
  try {
    const recipientKey = await readPrivateKey(recipientFile, 'recipient key', passphrase, ctx.observer);
    const signerKey = await readPublicKey(signerFile, 'signer key', ctx.observer);
    const texts: string[] = [];
    for (const f of bundleFiles) texts.push(await readText(f, ctx.observer));
    const [data, digest, symmetric, mac] = texts;
    const parts = partsFromTexts({ data, digest, symmetric, mac });
    try {
      config = openBundle({ profile, parts, recipientKey, signerKey });
    } catch (err) {
      if (err instanceof BundleVerificationError)
        throw new CliError('verification-failed', BUNDLE_DOES_NOT_VERIFY, EXIT.failed);
      throw err;
    }
    const source = `${dir} (decrypted config)`;
    const configText = decodeConfigText(config, source);
    const rehearsal = hasRehearsalMark(configText);
    const r = parseStsConfig(configText, { source });
    if (!r.ok) {
      throw new CliError(
        'bad-input',
        [
          `the bundle verifies but its config is invalid; nothing written:`,
          ...r.errors.map(formatDiagnostic),
        ].join('\n'),
      );
    }
    const summary = describeConfig(r.config);
    r.config.vendingKey.fill(0);
    const configBytes = config;
    await outputs.run(async () => {
      if (outFile) outputs.write(outFile, configBytes, { secret: true });
    });
    const configSha = sha256Hex(config);
    const signerPrint = fingerprint(signerKey);
    const totalMs = performance.now() - started;
    ctx.out.result(
      [
        ...(rehearsal ? ['REHEARSAL: the configuration inside is not a production configuration'] : []),
        `bundle verifies (${profile} profile): signature by ${signerPrint}`,
        `config SHA-256 ${configSha}`,
        `config: ${summary.line}`,
        ...(outFile ? [`config written to ${outFile} (mode 0600)`] : []),
      ],
      {
        profile,
        verified: true,
        signerFingerprint: signerPrint,
        recipientFingerprint: fingerprint(recipientKey),
        configSha256: configSha,
        config: summary.data,
        out: outFile ?? null,
        rehearsal,
        timing: { totalMs: Math.round(totalMs * 100) / 100 },
      },
    );
    return EXIT.ok;
  } finally {
    config?.fill(0);
    passphrase?.fill(0);
  }
}

export const bundleOpenCommand: Command = {
  name: 'bundle open',
  summary: 'decrypt and verify an upload bundle (the receiving side)',
  usage: `usage: sts-keygen bundle open --dir DIR --recipient-key PRIVATE.pem --signer PUBLIC.pub
                              [--out FILE] [--passphrase-file F] [--json]

The key management centre's side of the upload: unwrap the AES key with the recipient's private
key, decrypt the config, recover the signed digest with the signer's public key and compare it
with the SHA-256 of the config, then validate the config. The profile is detected: a
profile.txt file marks the strong profile, its absence the Nectar one.

Prints a summary of the config with the KCV of its vending key (never the key itself); --out
writes the config (mode 0600, never over an existing file). Any failure to verify gives the one
message "${BUNDLE_DOES_NOT_VERIFY}", exit 1, and writes nothing.

Exit codes: 0 verified, 1 does not verify, 2 bad usage, missing file, or invalid config.`,
  step: openStep,
  run: openCommand,
};

export const commands: Command[] = [bundleCommand, bundleOpenCommand];
