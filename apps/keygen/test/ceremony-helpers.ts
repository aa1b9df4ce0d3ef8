// Test helpers for the ceremony commands: run sts-keygen as a real process, and an independent
// KCV oracle (node:crypto's DES-EDE3 with three equal keys is single DES; HMAC-SHA-256 for DKGA04).
import { createCipheriv, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { runCli } from 'sts-cli-kit/testing';
import { main } from '../src/cli.ts';
import { Output } from '../src/io/output.ts';
import { BIN, sink } from './cli-helpers.ts';

export { tempDir } from './cli-helpers.ts';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `sts-keygen args…` in `cwd` with `input` piped on stdin (stdin is never a TTY here): the kit's runCli. */
export async function keygen(args: string[], options: { cwd?: string; input?: string } = {}): Promise<Ran> {
  const r = await runCli(BIN, args, { ...options, timeoutMs: 120_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same main() as the bin, in this process, with `input` as a piped stdin: for tables of refusals
 * that would cost a process start each. Paths must be absolute (no cwd per call).
 */
export async function keygenInProcess(args: string[], options: { input?: string } = {}): Promise<Ran> {
  const out = sink();
  const err = sink();
  const stdin = Readable.from([Buffer.from(options.input ?? '')]) as unknown as NodeJS.ReadStream;
  const code = await main(args, {
    out: new Output(args.includes('--json'), { stdout: out.stream, stderr: err.stream }),
    stdin,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

/** DES KCV by node:crypto, not by sts-crypto: DES-EDE3 with K1 = K2 = K3 is single DES. */
export function desKcv(hex: string): string {
  const key = Buffer.from(hex.repeat(3), 'hex');
  const c = createCipheriv('des-ede3-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(Buffer.alloc(8)), c.final()])
    .subarray(0, 3)
    .toString('hex')
    .toUpperCase();
}

/** DKGA04 KCV convention (ARCHITECTURE.md): HMAC-SHA-256(key, 16 zero bytes), first 3 bytes. */
export function hmacKcv(hex: string): string {
  return createHmac('sha256', Buffer.from(hex, 'hex'))
    .update(Buffer.alloc(16))
    .digest()
    .subarray(0, 3)
    .toString('hex')
    .toUpperCase();
}

export function xorHex(a: string, b: string): string {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return Buffer.from(x.map((v, i) => v ^ y[i]!))
    .toString('hex')
    .toUpperCase();
}

/** The hex key of a key file (comment lines skipped). */
export function keyOfFile(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .join('')
    .trim();
}
