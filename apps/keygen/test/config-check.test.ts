// `config check`: every error of every file as FILE:LINE:COL: path: message, exit 2 if any invalid.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLE_CONFIG, run, tempDir } from './cli-helpers.ts';

let dir: string;
let good: string;
let bad: string;
beforeAll(() => {
  dir = tempDir();
  good = path.join(dir, 'good.yml');
  bad = path.join(dir, 'bad.yml');
  fs.writeFileSync(good, EXAMPLE_CONFIG);
  // Nectar's own docs have `tariff_index: 01w` (nectar-compat §1); line 7 of this file.
  fs.writeFileSync(
    bad,
    EXAMPLE_CONFIG.replace('tariff_index: 01', 'tariff_index: 01w').replace('key_type: 3', 'key_type: 7'),
  );
});

describe('config check', () => {
  test('a valid file: exit 0, summary with the KCV of the vending key, never the key', () => {
    const r = run(['config', 'check', good]);
    expect(r.code).toBe(0);
    // DES KCV of 0123456789ABCDEF is D5D44F (key-ceremony.md, payments practice).
    expect(r.stdout).toContain(`${good}: ok: name "example_config", DKGA02, EA sta, SGC 123456, TI 01`);
    expect(r.stdout).toContain('vending key KCV D5D44F (des)');
    expect(r.stdout + r.stderr).not.toMatch(/0123456789abcdef/i);
  });

  test('an invalid file: every error as FILE:LINE:COL: path: message, exit 2', () => {
    const r = run(['config', 'check', good, bad]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:\\d+: tariff_index: `),
    );
    expect(lines[1]).toMatch(/:11:\d+: key_type: /);
    expect(r.stdout).toContain('1 of 2 file(s) invalid');
  });

  test('--json: one document with the errors and their positions', () => {
    const r = run(['config', 'check', '--json', bad]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('invalid-config');
    expect(doc.error.message).toBe('1 of 1 file(s) invalid');
    expect(doc.error.details).toHaveLength(3);
    expect(doc.error.details[0]).toMatch(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:\\d+: tariff_index: `),
    );
    expect(doc.error.details[1]).toMatch(/:11:\d+: key_type: /);
    expect(r.stderr).toBe('');
  });

  test('a missing file is reported and the others still checked', () => {
    const r = run(['config', 'check', path.join(dir, 'nope.yml'), good]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `sts-keygen: cannot read config ${path.join(dir, 'nope.yml')}: no such file or directory\n`,
    );
    expect(r.stdout).toContain(`${good}: ok:`);
  });

  test('no file: usage error', () => {
    const r = run(['config', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sts-keygen: config check needs at least one FILE\n');
  });
});
