// Shared helpers of the sts-keygen tests: run the real bin as a process, or main() in-process with
// captured streams (for sweeps too large to spawn a process each), temp dirs and test keys.

import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli.ts';
import { Output } from '../src/io/output.ts';

export const BIN = fileURLToPath(new URL('../bin/sts-keygen.js', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `sts-keygen args…` as a real process. */
export function run(args: string[], options: { input?: string; cwd?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: options.input ?? '',
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A writable stream that keeps what is written, for main()'s captured stdout and stderr. */
export function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Run the CLI's main() in this process with captured output (same code path as the bin). */
export async function runInProcess(args: string[]): Promise<RunResult> {
  const out = sink();
  const err = sink();
  const json = args.includes('--json');
  const code = await main(args, { out: new Output(json, { stdout: out.stream, stderr: err.stream }) });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A fresh temp directory. */
export function tempDir(prefix = 'sts-keygen-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface KeyPairFiles {
  privateFile: string;
  publicFile: string;
}

/** Write an RSA key pair (PKCS#8 + SPKI PEM) into dir as `<name>.pem` and `<name>.pub`. */
export function writeKeyPair(dir: string, name: string, bits = 2048): KeyPairFiles {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const privateFile = path.join(dir, `${name}.pem`);
  const publicFile = path.join(dir, `${name}.pub`);
  fs.writeFileSync(privateFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateFile, publicFile };
}

/** nectar-compat §1's example configuration (vending key 0123456789abcdef: DES KCV D5D44F, key-ceremony.md). */
export const EXAMPLE_CONFIG = `---
name: example_config
key_expiry_no: 255
encryption_algorithm: sta
token_carrier_type: numeric
decoder_key_generation_algorithm: 02
tariff_index: 01
key_revision_no: 1
vending_key: 0123456789abcdef
supply_group_code: 123456
key_type: 3
base_date: 1993
issuer_identification_no: 600727
`;

/** All files (relative paths) under dir. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** What the bundle tests share: a temp dir holding EXAMPLE_CONFIG, the signer's and the KMC's key pairs. */
export interface BundleFixture {
  dir: string;
  config: string;
  /** The utility's signing key pair. */
  user: KeyPairFiles;
  /** The KMC's (recipient's) key pair. */
  kmc: KeyPairFiles;
}

/** A fresh temp dir with `sts_config.yml` (EXAMPLE_CONFIG) and the `user` and `kmc` key pairs. */
export function bundleFixture(): BundleFixture {
  const dir = tempDir();
  const config = path.join(dir, 'sts_config.yml');
  fs.writeFileSync(config, EXAMPLE_CONFIG);
  return { dir, config, user: writeKeyPair(dir, 'user'), kmc: writeKeyPair(dir, 'kmc') };
}

/** `bundle` of the fixture's config, signed by `user`, for `kmc`, into `out`. */
export function bundleArgs(f: BundleFixture, out: string, extra: string[] = []): string[] {
  return [
    'bundle',
    '--config',
    f.config,
    '--signing-key',
    f.user.privateFile,
    '--recipient',
    f.kmc.publicFile,
    '--out',
    out,
    ...extra,
  ];
}

/** `bundle open --dir bundleDir --recipient-key … --signer …`, then `extra` (e.g. `--out`). */
export function openArgs(
  bundleDir: string,
  keys: { recipientKey: string; signer: string },
  extra: string[] = [],
): string[] {
  return [
    'bundle',
    'open',
    '--dir',
    bundleDir,
    '--recipient-key',
    keys.recipientKey,
    '--signer',
    keys.signer,
    ...extra,
  ];
}
