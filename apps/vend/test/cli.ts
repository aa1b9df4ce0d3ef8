// Test helpers: run sts-vend as a real process in a temp dir, write config files and JSON Lines inputs.
// Nothing here computes an expected value: inputs only.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Run, runCli as runProcess } from 'sts-cli-kit/testing';

export { tempDir } from 'sts-cli-kit/testing';
export type { Run };

export const BIN = fileURLToPath(new URL('../bin/sts-vend.js', import.meta.url));

/** Run `node bin/sts-vend.js ...args` as a real process (the kit's one spawn helper). */
export function runCli(
  args: readonly string[],
  options: Parameters<typeof runProcess>[2] = {},
): Promise<Run> {
  return runProcess(BIN, args, options);
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
