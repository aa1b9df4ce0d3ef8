// The demo's process runner: runs the repo's real CLIs (sts-keygen, sts-vend, sts-meter, sts-service) as child
// processes in the demo directory, shows each command as a user would type it, and turns a failure into one line.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export type ToolName = 'sts-keygen' | 'sts-vend' | 'sts-meter' | 'sts-service';

/** The repo root, from this file's place in it (apps/demo/src/shell.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const BIN_PATHS: Record<ToolName, string> = {
  'sts-keygen': 'apps/keygen/bin/sts-keygen.js',
  'sts-vend': 'apps/vend/bin/sts-vend.js',
  'sts-meter': 'apps/meter-sim/bin/sts-meter.js',
  'sts-service': 'apps/service/bin/sts-service.js',
};

/** The absolute path of a tool's launcher. */
export function binPath(tool: ToolName): string {
  return join(REPO_ROOT, BIN_PATHS[tool]);
}

/** A step that did not go as the demo expects: the message is the one line the user sees. */
export class DemoError extends Error {}

/** Quote an argument the way a POSIX shell needs it (only when it needs it). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The command as shown to the user: `sts-vend token electricity …`. */
  command: string;
}

export interface RunOptions {
  /** The exit code the step expects (default 0); anything else is a failure of the demo. */
  expectExit?: number;
  /** Which stdout lines to show under the command (default: all). */
  show?: (line: string) => boolean;
}

/** Runs the tools in one directory and prints what it runs to `out`. */
export class Shell {
  readonly cwd: string;
  readonly #out: (line: string) => void;
  readonly #running = new Set<ChildProcess>();

  constructor(cwd: string, out: (line: string) => void) {
    this.cwd = cwd;
    this.#out = out;
  }

  async run(tool: ToolName, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const command = [tool, ...args].map(shellQuote).join(' ');
    this.#out(`   $ ${command}`);
    const result = await new Promise<RunResult>((resolve) => {
      const child = execFile(
        process.execPath,
        [binPath(tool), ...args],
        { cwd: this.cwd, encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } },
        (error, stdout, stderr) => {
          // execFile reports a non-zero exit as an error whose `code` is the exit code (a string for spawn failures).
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          this.#running.delete(child);
          resolve({ stdout, stderr, exitCode: code, command });
        },
      );
      this.#running.add(child);
    });
    const expected = options.expectExit ?? 0;
    if (result.exitCode !== expected) {
      const firstError =
        result.stderr.split('\n').find((l) => l.trim() !== '') ??
        result.stdout.split('\n').find((l) => l.trim() !== '') ??
        '(no output)';
      throw new DemoError(
        `\`${command}\` exited with ${result.exitCode} (expected ${expected}): ${firstError.trim()}`,
      );
    }
    for (const line of result.stdout.split('\n')) {
      if (line.trim() !== '' && (options.show === undefined || options.show(line))) this.#out(`     ${line}`);
    }
    return result;
  }

  /**
   * Starts a tool that keeps running (a server) and resolves with its first stdout line once it is
   * printed; `stop()` sends SIGTERM and resolves with the exit code. A signal to the demo reaches it too.
   */
  async background(
    tool: ToolName,
    args: readonly string[],
  ): Promise<{ firstLine: string; stop: () => Promise<number | null> }> {
    const command = [tool, ...args].map(shellQuote).join(' ');
    this.#out(`   $ ${command} &`);
    const child = spawn(process.execPath, [binPath(tool), ...args], {
      cwd: this.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.#running.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once('close', (code) => {
        this.#running.delete(child);
        resolve(code);
      }),
    );
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      void exited.then((code) => {
        const error = stderr.split('\n').find((l) => l.trim() !== '') ?? '(no output)';
        reject(new DemoError(`\`${command}\` exited with ${code} before it was ready: ${error.trim()}`));
      });
    });
    this.#out(`     ${firstLine}`);
    return {
      firstLine,
      stop: () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  }

  /** Passes a signal on to the running tools (they remove their partial outputs on SIGINT/SIGTERM). */
  signal(signal: NodeJS.Signals): void {
    for (const child of this.#running) child.kill(signal);
  }

  /** Resolves once no tool is running any more. */
  async settled(): Promise<void> {
    await Promise.all(
      [...this.#running].map(
        (c) =>
          new Promise((resolve) =>
            c.exitCode !== null || c.signalCode !== null ? resolve(null) : c.once('close', resolve),
          ),
      ),
    );
  }
}
