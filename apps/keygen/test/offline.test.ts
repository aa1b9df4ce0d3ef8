// Offline posture (key-ceremony.md feature 11): no source file of the app, or of the packages it
// imports, names a network module or calls fetch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dirs = ['apps/keygen/src', 'apps/keygen/bin', 'packages/sts-crypto/src', 'packages/sts-config/src'];

function sources(): string[] {
  const files: string[] = [];
  for (const d of dirs) {
    const abs = path.join(root, d);
    for (const f of fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
      if (/\.(ts|js|mjs|cjs)$/.test(f)) files.push(path.join(abs, f));
    }
  }
  return files;
}

const NETWORK = [
  /['"](node:)?(net|http|https|http2|dgram|tls|dns|dns\/promises|inspector)['"]/,
  /['"]undici['"]/,
  /\bfetch\s*\(/,
  /\bWebSocket\b/,
  /\bXMLHttpRequest\b/,
];

test('the keygen app and the packages it imports have sources to scan', () => {
  expect(sources().length).toBeGreaterThan(20);
});

test('the app depends only on packages that are scanned here (and yaml, tsx)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'apps/keygen/package.json'), 'utf8'));
  expect(Object.keys(pkg.dependencies).sort()).toEqual(['sts-config', 'sts-crypto', 'tsx', 'yaml']);
});

test.each(sources().map((f) => ({ file: path.relative(root, f) })))(
  '$file imports no network module',
  ({ file }) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const pattern of NETWORK) expect(text, `${file} matches ${pattern}`).not.toMatch(pattern);
  },
);

test('the scan catches a network import (the patterns can fail)', () => {
  for (const line of ["import * as net from 'node:net';", "import https from 'https';", 'await fetch(url)']) {
    expect(NETWORK.some((p) => p.test(line))).toBe(true);
  }
});
