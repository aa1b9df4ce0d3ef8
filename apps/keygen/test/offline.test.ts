// Offline posture (key-ceremony.md feature 11): no source file of the app, or of the packages it
// imports, names a network module or calls fetch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dirs = [
  'apps/keygen/src',
  'apps/keygen/bin',
  'packages/sts-crypto/src',
  'packages/sts-config/src',
  'packages/sts-cli-kit/src',
  'node_modules/shamir-secret-sharing/esm',
];
/** The kit's test helpers (sts-cli-kit/testing) are never imported by the app. */
const NOT_IMPORTED = /^packages\/sts-cli-kit\/src\/testing/;

function sources(): string[] {
  const files: string[] = [];
  for (const d of dirs) {
    const abs = path.join(root, d);
    for (const f of fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
      const file = path.join(abs, f);
      if (/\.(ts|js|mjs|cjs)$/.test(f) && !NOT_IMPORTED.test(path.relative(root, file))) files.push(file);
    }
  }
  return files;
}

/**
 * The one use of node:net allowed: the kit reads a FIFO through a net.Socket over its file
 * descriptor (non-blocking, so a FIFO without a writer cannot hold a thread); it opens no connection.
 */
const FIFO_SOCKET = { file: 'packages/sts-cli-kit/src/input.ts', line: "import { Socket } from 'node:net';" };

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
  expect(Object.keys(pkg.dependencies).sort()).toEqual([
    'shamir-secret-sharing', // pure maths over Uint8Arrays (its ESM build is scanned too)
    'sts-cli-kit',
    'sts-config',
    'sts-crypto',
    'tsx',
    'yaml',
  ]);
});

test.each(sources().map((f) => ({ file: path.relative(root, f) })))(
  '$file imports no network module',
  ({ file }) => {
    let text = fs.readFileSync(path.join(root, file), 'utf8');
    if (file === FIFO_SOCKET.file) {
      expect(text).toContain(FIFO_SOCKET.line);
      text = text.replace(FIFO_SOCKET.line, '');
      expect(text).not.toMatch(/\.connect\(|createConnection|createServer/);
    }
    for (const pattern of NETWORK) expect(text, `${file} matches ${pattern}`).not.toMatch(pattern);
  },
);

test('the scan catches a network import (the patterns can fail)', () => {
  for (const line of ["import * as net from 'node:net';", "import https from 'https';", 'await fetch(url)']) {
    expect(NETWORK.some((p) => p.test(line))).toBe(true);
  }
});
