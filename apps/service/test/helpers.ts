// Test helpers: the real CLI as a process, the real server on loopback, signed requests over real HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Run, runCli, tempDir } from 'sts-cli-kit/testing';
import { signRequest } from 'sts-client';

export { tempDir };

export const BIN = fileURLToPath(new URL('../bin/sts-service.js', import.meta.url));
export const KEYGEN = fileURLToPath(new URL('../../keygen/bin/sts-keygen.js', import.meta.url));
export const VEND = fileURLToPath(new URL('../../vend/bin/sts-vend.js', import.meta.url));

/** Everything any process printed in this test file: checked at the end for secrets. */
export const transcript: string[] = [];

/**
 * The real command as a process (sts-cli-kit's runCli); its output joins the transcript. 100 s before
 * it is killed: `audit verify` over the PostgreSQL suite's whole ledger took over 30 s on a loaded box.
 */
export async function run(bin: string, args: readonly string[], input?: string): Promise<Run> {
  const r = await runCli(bin, args, { timeoutMs: 100_000, ...(input === undefined ? {} : { input }) });
  transcript.push(r.stdout, r.stderr);
  return r;
}

export const cli = (args: readonly string[], input?: string): Promise<Run> => run(BIN, args, input);

/** An RSA pair as PEM files in `dir` (2048 bits: the tests need a key, not a strong one). */
export function rsaFiles(
  dir: string,
  name: string,
  bits = 2048,
): { key: string; pub: string; pubPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const key = path.join(dir, `${name}.pem`);
  const pub = path.join(dir, `${name}.pub`);
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  writeFileSync(pub, pubPem);
  return { key, pub, pubPem };
}

export interface Credential {
  key: string;
  secret: string;
  tenant: string;
}

export async function createCredential(
  data: string,
  name: string,
  extra: string[] = [],
): Promise<Credential> {
  const r = await cli(['credentials', 'create', '--data', data, '--name', name, '--json', ...extra]);
  if (r.code !== 0) throw new Error(`credentials create failed: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as Credential;
}

export interface Server {
  url: string;
  proc: ChildProcess;
  stderr(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

export function startServer(data: string, extra: string[] = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'serve', '--data', data, '--port', '0', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let out = '';
    proc.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    exited.then(() => transcript.push(out, err));
    const lines = createInterface({ input: proc.stdout! });
    lines.once('line', (line) => {
      out += `${line}\n`;
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m === null) return reject(new Error(`unexpected first line: ${line}`));
      resolve({
        url: m[1]!,
        proc,
        stderr: () => err,
        stop: async () => {
          proc.kill('SIGTERM');
          return exited;
        },
        kill9: async () => {
          proc.kill('SIGKILL');
          await exited;
        },
      });
    });
    lines.on('line', (l) => (out += `${l}\n`));
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

export interface Reply {
  status: number;
  body: Record<string, unknown> & {
    status: { code: number; message: string; request_id: string };
    data?: { data: unknown };
    error?: { code: string; message: string; details?: string[] };
  };
  text: string;
  headers: Headers;
}

export interface CallOptions {
  date?: string;
  nonce?: string;
  headers?: Record<string, string>;
  /** Replace the computed signature headers (after signing). */
  tamper?: (h: Record<string, string>) => void;
  rawBody?: string;
}

/** A signed request (Nectar's scheme) and its parsed answer. */
export async function call(
  server: { url: string },
  cred: { key: string; secret: string },
  method: string,
  pathWithQuery: string,
  body?: unknown,
  o: CallOptions = {},
): Promise<Reply> {
  const text = o.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
  const h = await signedHeaders(cred, method, pathWithQuery.split('?')[0]!, text, 'application/json', o);
  o.tamper?.(h);
  const res = await fetch(server.url + pathWithQuery, {
    method,
    headers: { ...h, ...o.headers },
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: text }),
  });
  const t = await res.text();
  transcript.push(t);
  return { status: res.status, body: JSON.parse(t), text: t, headers: res.headers };
}

/** Nectar's signature headers for a request by `cred`: now and a nonce of its own, unless `o` gives them. */
export function signedHeaders(
  cred: { key: string; secret: string },
  method: string,
  path: string,
  body: string,
  contentType = 'application/json',
  o: { date?: string; nonce?: string } = {},
): Promise<Record<string, string>> {
  return signRequest({
    method,
    path,
    body,
    contentType,
    date: o.date ?? new Date().toUTCString(),
    nonce: o.nonce ?? randomBytes(16).toString('hex'),
    key: cred.key,
    secret: cred.secret,
  });
}

/** The signed headers of POST /v1/tokens/batch with `body` (JSON Lines). */
export const batchHeaders = (
  cred: { key: string; secret: string },
  body: string,
): Promise<Record<string, string>> =>
  signedHeaders(cred, 'POST', '/v1/tokens/batch', body, 'application/x-ndjson');

/** POST /v1/tokens/batch with `body` (JSON Lines), signed; the answer lines parsed. */
export async function sendBatch(
  server: { url: string },
  cred: { key: string; secret: string },
  body: string,
): Promise<{ status: number; lines: Record<string, unknown>[] }> {
  const h = await batchHeaders(cred, body);
  const res = await fetch(`${server.url}/v1/tokens/batch`, { method: 'POST', headers: h, body });
  const text = await res.text();
  transcript.push(text);
  return {
    status: res.status,
    lines: text
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l)),
  };
}
