// The demo as a user runs it: one process, the real CLIs underneath, checked on the lines that tell the story
// (KCVs on both sides of the upload, tokens accepted, the replay refused, no secret printed).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DemoError, Shell, shellQuote } from '../src/shell.ts';

const DEMO = fileURLToPath(new URL('../src/demo.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function runDemo(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', DEMO, ...args], { cwd: REPO, encoding: 'utf8' });
}

/** The output lines a command printed: the indented lines under `$ <prefix>…`. */
function outputOf(lines: string[], prefix: string, nth = 0): string[] {
  const starts = lines.flatMap((l, i) => (l.startsWith(`   $ ${prefix}`) ? [i] : []));
  const start = starts[nth];
  if (start === undefined) throw new Error(`no command "${prefix}" #${nth} in the output`);
  const result: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('     ')) break;
    result.push(l.trim());
  }
  return result;
}

/** The output lines of each SDK call shown as `   > await <call>…`, in order. */
function sdkOutput(lines: string[], call: string): string[][] {
  const starts = lines.flatMap((l, i) => (l.startsWith(`   > await ${call}`) ? [i] : []));
  return starts.map((start) => {
    const result: string[] = [];
    for (const l of lines.slice(start + 1)) {
      if (!l.startsWith('     ')) break;
      result.push(l.trim());
    }
    return result;
  });
}

describe('npm run demo, end to end (two real RSA-4096 generations)', () => {
  let status: number | null;
  let stdout: string;
  let stderr: string;
  let lines: string[];
  let dir: string;

  beforeAll(() => {
    const r = runDemo('--keep');
    status = r.status;
    stdout = r.stdout;
    stderr = r.stderr;
    lines = stdout.split('\n');
    dir = /^Working directory: (\S+)/m.exec(stdout)?.[1] ?? '';
  }, 240_000);

  afterAll(() => {
    if (dir.includes('sts-demo-')) rmSync(dir, { recursive: true, force: true });
  });

  test('exits 0 with nothing on stderr and says it is done', () => {
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    expect(lines.at(-2)).toBe(`Done: every step did what it should. Files kept in ${dir}`);
  });

  test('shows every command it runs, in order, with paths relative to its directory', () => {
    const commands = lines
      .filter((l) => l.startsWith('   $ '))
      .map((l) => l.slice(5).split(' ').slice(0, 3).join(' '));
    expect(commands).toEqual([
      'sts-keygen rsa --out',
      'sts-keygen rsa --out',
      'sts-keygen vending-key generate',
      'sts-keygen config new',
      'sts-keygen config check',
      'sts-keygen bundle --config',
      'sts-keygen bundle open',
      'sts-meter init --state',
      'sts-vend token electricity',
      'sts-vend token water-meter-factor',
      'sts-keygen config new',
      'sts-keygen config check',
      'sts-vend token key-change',
      'sts-vend token electricity',
      'sts-meter enter --state',
      'sts-meter enter --state',
      'sts-meter enter --state',
      'sts-meter enter --state',
      'sts-meter show --state',
      'sts-service init --data',
      'sts-service credentials create',
      'sts-service serve --data',
      'sts-keygen bundle --config',
      'sts-meter init --state',
      'sts-meter enter --state',
      'sts-meter enter --state',
      'sts-vend token electricity',
      'sts-meter enter --state',
      'sts-meter show --state',
    ]);
    expect(stdout).toContain(
      '$ sts-vend token electricity --config received.yml --drn 47500150231 --time 2025-06-01T09:00:00Z --random 5 --amount 25.5',
    );
    expect(stdout).toContain(
      '$ sts-meter init --state meter.json --config received.yml --drn 47500150231 --now',
    );
  });

  test('the vending key KCV is the same when generated, in the config, and after the bundle is opened', () => {
    const generated = outputOf(lines, 'sts-keygen vending-key generate').join('\n');
    const checked = outputOf(lines, 'sts-keygen config check sts_config.yml').join('\n');
    const opened = outputOf(lines, 'sts-keygen bundle open').join('\n');
    const kcv = /^KCV ([0-9A-F]{6}) \(des\)$/m.exec(generated)?.[1];
    expect(kcv).toMatch(/^[0-9A-F]{6}$/);
    expect(checked).toContain(`vending key KCV ${kcv} (des)`);
    expect(opened).toContain(`vending key KCV ${kcv} (des)`);
    expect(opened).toMatch(/^bundle verifies \(nectar profile\)/m);
  });

  test('the configuration opened by the KMC has the SHA-256 of the one bundled', () => {
    const sent = /SHA-256 ([0-9a-f]{64})/.exec(outputOf(lines, 'sts-keygen bundle --config').join('\n'))?.[1];
    const received = /SHA-256 ([0-9a-f]{64})/.exec(outputOf(lines, 'sts-keygen bundle open').join('\n'))?.[1];
    expect(sent).toMatch(/^[0-9a-f]{64}$/);
    expect(received).toBe(sent);
  });

  test('the meter accepts the credit, the factor, the key change and the credit under the new key', () => {
    const tokenOf = (prefix: string, nth = 0) => outputOf(lines, prefix, nth);
    const credit = tokenOf('sts-vend token electricity', 0);
    const factor = tokenOf('sts-vend token water-meter-factor');
    const keyChange = tokenOf('sts-vend token key-change');
    const newCredit = tokenOf('sts-vend token electricity', 1);
    for (const t of [...credit, ...factor, ...keyChange, ...newCredit]) expect(t).toMatch(/^\d{20}$/);
    expect(keyChange).toHaveLength(2);

    const entered = (nth: number) => outputOf(lines, 'sts-meter enter', nth).map((l) => l.split(/\s{2,}/));
    expect(entered(0)).toEqual([
      [credit[0], 'Accept', 'credit 25.5 to electricity'],
      [factor[0], 'Accept', 'water meter factor 1000'],
    ]);
    expect(entered(2).map(([t, display]) => [t, display])).toEqual([
      [keyChange[0], '1stKCT'],
      [keyChange[1], '2ndKCT'],
      [newCredit[0], 'Accept'],
    ]);
    expect(entered(2)[2]?.[2]).toBe('credit 10.0 to electricity');
  });

  test('a replay of the first credit token is refused as used', () => {
    const credit = outputOf(lines, 'sts-vend token electricity')[0];
    const [replay] = outputOf(lines, 'sts-meter enter', 1).map((l) => l.split(/\s{2,}/));
    expect(replay?.slice(0, 2)).toEqual([credit, 'Used']);
  });

  test('after the key change a token of the old key is refused, and the meter shows the new state', () => {
    const [old] = outputOf(lines, 'sts-meter enter', 3).map((l) => l.split(/\s{2,}/));
    expect(old?.[1]).toBe('CRC Err');
    const shown = outputOf(lines, 'sts-meter show').join('\n');
    expect(shown).toMatch(/^electricity\s+35\.5$/m);
    expect(shown).toMatch(/KRN 2\s+KEN 255\s+TI 02/);
    expect(shown).toContain('water meter factor 1000');
  });

  test('the service step: the KMC key in sts-service, both bundles uploaded with the KCV, tokens over the API accepted', () => {
    const kmcFingerprint = /^fingerprint[^:]*: (\S+)$/m.exec(
      outputOf(lines, 'sts-keygen rsa', 1).join('\n'),
    )?.[1];
    expect(kmcFingerprint).toMatch(/^([0-9a-f]{2}:){31}[0-9a-f]{2}$/);
    expect(outputOf(lines, 'sts-service init')).toEqual([`fingerprint ${kmcFingerprint}`]);
    expect(outputOf(lines, 'sts-service serve')).toEqual([
      expect.stringMatching(/^listening on http:\/\/127\.0\.0\.1:\d+$/),
    ]);

    const kcv = /^KCV ([0-9A-F]{6}) \(des\)$/m.exec(
      outputOf(lines, 'sts-keygen vending-key generate').join('\n'),
    )?.[1];
    const uploads = sdkOutput(lines, 'client.configurations.upload');
    expect(uploads).toEqual([
      [expect.stringMatching(new RegExp(`^cfg_[0-9a-f]+  demo_utility  vending key KCV ${kcv} \\(des\\)$`))],
      [
        expect.stringMatching(
          new RegExp(`^cfg_[0-9a-f]+  demo_utility_ti02  vending key KCV ${kcv} \\(des\\)$`),
        ),
      ],
    ]);

    const tokens = sdkOutput(lines, 'client.tokens.create').map((out) => out.map((l) => l.split('  ')[0]));
    const [credit, tidTaken, keyChange, oldKey] = tokens;
    const newCredit = outputOf(lines, 'sts-vend token electricity --service');
    expect(newCredit).toEqual([expect.stringMatching(/^\d{20}$/)]);
    expect(credit).toEqual([expect.stringMatching(/^\d{20}$/)]);
    expect(keyChange).toHaveLength(2);
    expect(tidTaken?.[0]).toMatch(
      /^refused: HTTP 409 tid-taken: meter 47500150249 already has a token with TID \d+/,
    );
    expect(oldKey?.[0]).toMatch(
      /^refused: HTTP 409 meter-on-other-configuration: meter 47500150249 was moved to configuration cfg_/,
    );
    const entered = (nth: number) =>
      outputOf(lines, 'sts-meter enter --state meter2.json', nth).map((l) => l.split(/\s{2,}/));
    expect(entered(0)).toEqual([[credit![0], 'Accept', 'credit 25.5 to electricity']]);
    expect(entered(1).map(([t, display]) => [t, display])).toEqual([[credit![0], 'Used']]);
    expect(entered(2).map(([t, display]) => [t, display])).toEqual([
      [keyChange![0], '1stKCT'],
      [keyChange![1], '2ndKCT'],
      [newCredit![0], 'Accept'],
    ]);
    const shown = outputOf(lines, 'sts-meter show --state meter2.json').join('\n');
    expect(shown).toMatch(/^electricity\s+35\.5$/m);
    expect(shown).toMatch(/KRN 2\s+KEN 255\s+TI 02/);
    expect(stdout).toContain('sts-service stopped on SIGTERM (exit 0)');
  });

  test('prints no secret: neither the vending key nor a private key; secret files are 0600', () => {
    const vendingKey = readFileSync(join(dir, 'vending.key'), 'utf8').trim();
    expect(vendingKey).toMatch(/^[0-9A-F]{16}$/);
    expect(stdout.toUpperCase()).not.toContain(vendingKey);
    // The API secret of `credentials create --json` is kept for the SDK, never printed.
    expect(outputOf(lines, 'sts-service credentials create')).toEqual([]);
    expect(stdout).not.toContain('"secret"');
    const { secret } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { secret: string };
    expect(secret.length).toBeGreaterThan(20);
    expect(stdout).not.toContain(secret);
    for (const keyFile of ['utility/key.pem', 'kmc/key.pem']) {
      const pem = readFileSync(join(dir, keyFile), 'utf8');
      const body = pem.split('\n')[5] ?? '';
      expect(body.length).toBeGreaterThan(40);
      expect(stdout).not.toContain(body);
    }
    for (const f of [
      'vending.key',
      'sts_config.yml',
      'new_config.yml',
      'received.yml',
      'utility/key.pem',
      'api.json',
    ]) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
  });
});

describe('usage and failures', () => {
  test('an unknown option is one line and exit 2', () => {
    const r = runDemo('--bogus');
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 2,
      stdout: '',
      stderr: "sts-demo: Unknown option '--bogus'\n",
    });
  });

  test('--help prints the usage', () => {
    const r = runDemo('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run demo \[-- --keep\]/);
  });

  test('interrupted: the running tool is stopped and the directory removed (exit 143)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO], { cwd: REPO });
    let out = '';
    const dirSeen = new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // Wait until the first RSA generation is running, then interrupt.
        const m = /^Working directory: (\S+)[\s\S]*\$ sts-keygen rsa/m.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
    });
    const tmp = await dirSeen;
    expect(existsSync(tmp)).toBe(true);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    expect(existsSync(tmp)).toBe(false);
  });

  test('a tool that fails gives one line naming the command, its exit code and its error', async () => {
    const shown: string[] = [];
    const sh = new Shell(REPO, (l) => shown.push(l));
    const run = sh.run('sts-vend', ['token', 'electricity', '--drn', '47500150231', '--amount', '1']);
    await expect(run).rejects.toThrow(DemoError);
    await expect(run).rejects.toThrow(
      /^`sts-vend token electricity --drn 47500150231 --amount 1` exited with 2 \(expected 0\): sts-vend: .*--config/,
    );
    expect(shown).toEqual(['   $ sts-vend token electricity --drn 47500150231 --amount 1']);
  });

  test.each([
    { arg: 'plain/path-1.txt', quoted: 'plain/path-1.txt' },
    { arg: 'two words', quoted: "'two words'" },
    { arg: "it's", quoted: "'it'\\''s'" },
    { arg: '', quoted: "''" },
  ])('shellQuote($arg) = $quoted', ({ arg, quoted }) => {
    expect(shellQuote(arg)).toBe(quoted);
  });
});
