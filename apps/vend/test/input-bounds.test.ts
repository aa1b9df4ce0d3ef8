// Regressions: every input of sts-vend is read with a bound. `--config /dev/zero` reached 1.8 GB in 9 s;
// now each input path refuses a device at once (one line, exit 2, under 100 MB), and bad text is one line.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir, VECTORS, writeConfig } from './cli.ts';

let dir: string;
let cleanup: () => void;
let config: string;
const CTSA_CONFIG = VECTORS.find((v) => v.request.id === 'v001')!.request.config as Record<string, unknown>;
const DRN = '00000000000';

beforeAll(() => {
  ({ dir, cleanup } = tempDir('sts-vend-test-'));
  config = writeConfig(dir, 'site.yml', CTSA_CONFIG);
});
afterAll(() => cleanup());

const DEVICES = ['/dev/zero', '/dev/urandom'];

/** Every way sts-vend reads an input, given the device (or '-' with the device as stdin). */
const PATHS: {
  name: string;
  args: (device: string, config: string) => string[];
  stdin?: boolean;
  message: (device: string) => string;
}[] = [
  {
    name: 'token --config',
    args: (d) => ['token', 'electricity', '--config', d, '--drn', DRN, '--amount', '1'],
    message: (d) => `cannot read config ${d}: not a regular file (character device)`,
  },
  {
    name: 'token key-change --new-config',
    args: (d, c) => ['token', 'key-change', '--config', c, '--new-config', d, '--drn', DRN],
    message: (d) => `cannot read new config ${d}: not a regular file (character device)`,
  },
  {
    name: 'decode --config',
    args: (d) => ['decode', '1234', '--config', d, '--drn', DRN],
    message: (d) => `cannot read config ${d}: not a regular file (character device)`,
  },
  {
    name: 'decoder-key --config',
    args: (d) => ['decoder-key', '--config', d, '--drn', DRN],
    message: (d) => `cannot read config ${d}: not a regular file (character device)`,
  },
  {
    name: 'token --batch FILE',
    args: (d) => ['token', '--batch', d],
    message: (d) => `cannot read batch input ${d}: not a regular file (character device)`,
  },
  {
    name: 'decode --batch FILE',
    args: (d) => ['decode', '--batch', d],
    message: (d) => `cannot read batch input ${d}: not a regular file (character device)`,
  },
  {
    name: 'token --batch - (stdin)',
    args: () => ['token', '--batch', '-'],
    stdin: true,
    message: () => 'cannot read batch input from standard input: not a regular file (character device)',
  },
  {
    name: 'decode --batch - (stdin)',
    args: () => ['decode', '--batch', '-'],
    stdin: true,
    message: () => 'cannot read batch input from standard input: not a regular file (character device)',
  },
  {
    name: 'decode --decoder-key-file FILE',
    args: (d) => ['decode', '1234', '--decoder-key-file', d, '--ea', 'sta', '--base-date', '1993'],
    message: (d) => `cannot read decoder key file ${d}: not a regular file (character device)`,
  },
  {
    name: 'decode --decoder-key-file - (stdin)',
    args: () => ['decode', '1234', '--decoder-key-file', '-', '--ea', 'sta', '--base-date', '1993'],
    stdin: true,
    message: () => 'cannot read decoder key file from standard input: not a regular file (character device)',
  },
];

const CASES = PATHS.flatMap((p) => DEVICES.map((device) => ({ ...p, device })));

describe('regression: /dev/zero and /dev/urandom are refused on every input path', () => {
  /**
   * The command on the device, and at the same time the same command on a missing file (or an empty
   * stdin), both under /usr/bin/time: the control is what starting the process costs on this machine
   * right now. On a loaded machine one pair may be skewed, so a pair over the margin is run once more;
   * a command that reads the device (as it did) fails both.
   */
  async function refusalAndControl(c: (typeof CASES)[number]) {
    let pair: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      pair = await Promise.all([
        runCli(c.args(c.device, config), {
          cwd: dir,
          measureMemory: true,
          timeoutMs: 20_000,
          ...(c.stdin ? { stdinFile: c.device } : {}),
        }),
        runCli(c.args('/nonexistent', config), {
          cwd: dir,
          measureMemory: true,
          ...(c.stdin ? { stdinFile: '/dev/null' } : {}),
        }),
      ]);
      if (pair[0]!.ms < pair[1]!.ms + 1000) break;
    }
    return { run: pair[0]!, control: pair[1]! };
  }

  test.each(CASES)('$name $device: one line, exit 2, within a second, under 100 MB', async (c) => {
    const { run, control } = await refusalAndControl(c);
    expect({ code: run.code, signal: run.signal, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: `sts-vend: ${c.message(c.device)}\n`,
    });
    expect(run.maxRssMb).toBeLessThan(100);
    // Beyond starting the process, refusing takes well under a second (it used to read for ever).
    expect(run.ms).toBeLessThan(control.ms + 1000);
  });

  test('with --json the refusal is one object on stdout', async () => {
    const run = await runCli(
      ['token', 'electricity', '--config', '/dev/zero', '--drn', DRN, '--amount', '1', '--json'],
      { cwd: dir },
    );
    expect({ code: run.code, stderr: run.stderr, stdout: JSON.parse(run.stdout) }).toEqual({
      code: 2,
      stderr: '',
      stdout: {
        error: {
          code: 'not-regular-file',
          message: 'cannot read config /dev/zero: not a regular file (character device)',
        },
      },
    });
  });
});

describe('regression: a batch line without an end is refused at the bound, not read for ever', () => {
  test('9 MiB of zeros through a pipe: one line, exit 2, under 100 MB', async () => {
    const run = await runCli(['token', '--batch', '-'], {
      input: new Uint8Array(9 * 1024 * 1024),
      measureMemory: true,
    });
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'sts-vend: batch input line 1: longer than 8388608 bytes\n',
    });
    expect(run.maxRssMb).toBeLessThan(100);
  });
});

describe('regression: a binary or UTF-16 config file is one line, not one per garbled line', () => {
  test.each([
    {
      name: 'UTF-16 with a BOM',
      bytes: () =>
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\nkey_type: 2\n', 'utf16le')]),
      reason: 'it is UTF-16',
    },
    {
      name: 'binary (NUL bytes)',
      bytes: () => Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 10, 0, 0]),
      reason: 'it has NUL bytes',
    },
    {
      name: 'Latin-1 text',
      bytes: () => Buffer.from('name: caf\xe9\n', 'latin1'),
      reason: 'it is not valid UTF-8',
    },
  ])('$name', async ({ bytes, reason }) => {
    const path = join(dir, 'bad.yml');
    writeFileSync(path, bytes());
    const run = await runCli(['token', 'electricity', '--config', path, '--drn', DRN, '--amount', '1']);
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `sts-vend: config ${path} is not a UTF-8 text file (${reason})\n`,
    });
  });
});
