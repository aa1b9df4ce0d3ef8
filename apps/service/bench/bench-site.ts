// What both service benches set up: a data folder (SQLite, or the key files beside a PostgreSQL
// database), a credential, a signer key and an uploaded configuration, and the server as a process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runCli } from 'sts-cli-kit/testing';
import { signRequest } from 'sts-client';
import { encodeBase64Lines, luhnCheckDigit, sealBundle } from 'sts-crypto';

export const BIN = fileURLToPath(new URL('../bin/sts-service.js', import.meta.url));

export const CONFIG = `---
name: bench
key_expiry_no: 255
encryption_algorithm: sta
token_carrier_type: numeric
decoder_key_generation_algorithm: 02
tariff_index: 01
key_revision_no: 1
vending_key: abababababababab
supply_group_code: 123456
key_type: 2
base_date: 2014
issuer_identification_no: 600727
`;

export interface Cred {
  key: string;
  secret: string;
}

/** The i-th distinct meter: 10 digits and their check digit. */
export const meter = (i: number): string => {
  const body = String(i).padStart(10, '0');
  return `${body}${luhnCheckDigit(body)}`;
};

/** Nectar's signature headers for a request made now, with a nonce of its own. */
export const signed = (
  method: string,
  p: string,
  body: string,
  cred: Cred,
  contentType = 'application/json',
): ReturnType<typeof signRequest> =>
  signRequest({
    method,
    path: p,
    body,
    contentType,
    date: new Date().toUTCString(),
    nonce: randomBytes(16).toString('hex'),
    key: cred.key,
    secret: cred.secret,
  });

/** CPU seconds (user + system) of a process so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** `sts-service serve` on a free port; `nodeArgs` go to node (a CPU profile, say). */
export function serve(
  data: string,
  dbArgs: string[],
  nodeArgs: string[] = [],
): Promise<{ url: string; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [...nodeArgs, BIN, 'serve', '--data', data, '--port', '0', ...dbArgs],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m === null) reject(new Error(line));
      else resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  });
}

/** A data folder (SQLite, or the key files with `database`), a credential, a signer key and a configuration. */
export async function site(dir: string, name: string, database?: string, nodeArgs: string[] = []) {
  const dbArgs = database === undefined ? [] : ['--database', database];
  const data = path.join(dir, name);
  const service = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(dir, `${name}-service.pem`);
  writeFileSync(keyFile, service.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
    mode: 0o600,
  });
  const init = await runCli(BIN, ['init', '--data', data, '--rsa-key', keyFile, ...dbArgs]);
  if (init.code !== 0) throw new Error(init.stderr);
  const c = await runCli(BIN, [
    'credentials',
    'create',
    '--data',
    data,
    '--name',
    'bench',
    '--json',
    ...dbArgs,
  ]);
  const cred = JSON.parse(c.stdout) as Cred;
  const first = await serve(data, dbArgs, nodeArgs);
  const post = async (p: string, body: unknown) => {
    const text = JSON.stringify(body);
    const res = await fetch(first.url + p, {
      method: 'POST',
      headers: await signed('POST', p, text, cred),
      body: text,
    });
    const j = (await res.json()) as { data: { data: { ref: string } } };
    if (res.status !== 200) throw new Error(JSON.stringify(j));
    return j.data.data;
  };
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await post('/v1/public_keys', {
    name: 'bench',
    key: signer.publicKey.export({ type: 'spki', format: 'pem' }),
    activated: true,
  });
  const parts = sealBundle({
    config: new TextEncoder().encode(CONFIG),
    signingKey: signer.privateKey,
    recipientKey: createPublicKey(service.privateKey),
  });
  const cfg = await post('/v1/configurations', {
    data: encodeBase64Lines(parts.data),
    digest: encodeBase64Lines(parts.digest),
    key: encodeBase64Lines(parts.symmetric),
  });
  return { data, dbArgs, cred, cfg: cfg.ref, servers: [first] };
}

/** The machine a run was measured on; `extra` adds what a bench knows more of (its database, say). */
export function machine(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cpus: cpus().length,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    ...extra,
  };
}

/** Write a bench's results as JSON (the folder made if missing) and say where. */
export function writeResults(file: string, out: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`written ${file}`);
}
