// The demo's process runner: runs the repo's real CLIs (sts-keygen, sts-vend, sts-meter) as child
// processes in the demo directory, shows each command as a user would type it, and turns a failure into one line.

import { type ChildProcess, execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName = 'sts-keygen' | 'sts-vend' | 'sts-meter';

/** The repo root, from this file's place in it (apps/demo/src/shell.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const BIN_PATHS: Record<ToolName, string> = {
  'sts-keygen': 'apps/keygen/bin/sts-keygen.js',
  'sts-vend': 'apps/vend/bin/sts-vend.js',
  'sts-meter': 'apps/meter-sim/bin/sts-meter.js',
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
