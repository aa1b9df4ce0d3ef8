// Test helpers: run sts-vend as a real process in a temp dir, write config files and JSON Lines inputs.
// Nothing here computes an expected value: inputs only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/sts-vend.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node bin/sts-vend.js ...args` in `cwd`, with `input` on stdin. */
export function runCli(args: string[], options: { cwd?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {}); // the CLI may exit before reading stdin (usage errors)
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temp dir; remove it with `cleanup`. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sts-vend-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A vector's `config` object written as a Nectar config file (`key: value` per line). */
export function configText(config: Record<string, unknown>): string {
  return `---\n${Object.entries(config)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join('\n')}\n`;
}

export function writeConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, configText(config));
  return path;
}

export interface Vector {
  name: string;
  request: Record<string, unknown> & { type: string; id: string };
  expected: string[];
  source: string;
}

export const VECTORS: Vector[] = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
) as Vector[];

/** JSON Lines output parsed, one object per line (the trailing newline gives no entry). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The Luhn check digit, for generating valid DRNs as test input (the doubling starts at the rightmost digit). */
export function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}
