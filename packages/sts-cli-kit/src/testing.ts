// The one spawn helper of every app's process tests: run a CLI as a real process, with its stdin
// from a string or a real file (/dev/zero), a time limit, and optionally its peak memory.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Peak resident memory of the process (with `measureMemory`). */
  maxRssMb?: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed (default: empty). */
  input?: string | Uint8Array;
  /** Open this file as stdin instead (e.g. '/dev/zero'): the process sees the real device. */
  stdinFile?: string;
  /** Kill -9 after this long (default 30 s); the Run then has signal 'SIGKILL'. */
  timeoutMs?: number;
  /** Measure the peak RSS with GNU time (/usr/bin/time). */
  measureMemory?: boolean;
}

const TIME = '/usr/bin/time';

/** Run `node BIN ...args` and collect its output. Never rejects for a non-zero exit. */
export function runCli(bin: string, args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  const scratch = opts.measureMemory ? mkdtempSync(join(tmpdir(), 'sts-run-')) : undefined;
  if (opts.measureMemory && !existsSync(TIME)) throw new Error(`${TIME} is missing: apt-get install time`);
  const rssFile = scratch ? join(scratch, 'rss') : undefined;
  const command = rssFile ? TIME : process.execPath;
  const argv = rssFile ? ['-f', '%M', '-o', rssFile, process.execPath, bin, ...args] : [bin, ...args];
  const stdinFd = opts.stdinFile !== undefined ? openSync(opts.stdinFile, 'r') : undefined;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: opts.cwd ?? process.cwd(),
      env: opts.env ?? process.env,
      stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe'],
    });
    if (stdinFd !== undefined) closeSync(stdinFd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const run: Run = {
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      };
      if (rssFile && scratch) {
        const kb = Number(/(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8'))?.[1]);
        if (Number.isFinite(kb)) run.maxRssMb = kb / 1024;
        rmSync(scratch, { recursive: true, force: true });
      }
      resolve(run);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // the CLI may exit before reading its input
      child.stdin.end(opts.input ?? '');
    }
  });
}

/** A fresh temporary directory and the function that removes it. */
export function tempDir(prefix = 'sts-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { freePort, type PostgresCluster, startPostgres } from './testing-postgres.ts';
