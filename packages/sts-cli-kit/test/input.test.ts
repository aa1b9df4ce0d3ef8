// Bounded input against real files, devices, FIFOs and a real process's stdin: /dev/zero and
// /dev/urandom are refused before a byte is read, a pipe stops at the limit, binary text is one line.

import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { lines, loadConfigFile, readInput, readInputText } from '../src/index.ts';
import { runCli, tempDir } from '../src/testing.ts';

const PROBE = fileURLToPath(new URL('./fixture/probe.js', import.meta.url));
const tmp = tempDir('sts-kit-input-');
afterAll(() => tmp.cleanup());

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; exitCode: number; details: string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; exitCode: number; details: string[] };
  }
  throw new Error('no error');
}

describe('readInput', () => {
  test.each(['/dev/zero', '/dev/urandom', '/dev/null'])('refuses %s before reading', async (device) => {
    const started = performance.now();
    const e = await failure(readInput(device, { what: 'config' }));
    expect(e.message).toBe(`cannot read config ${device}: not a regular file (character device)`);
    expect([e.code, e.exitCode]).toEqual(['not-regular-file', 2]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('refuses a directory, a missing file', async () => {
    expect((await failure(readInput(tmp.dir, { what: 'config' }))).message).toBe(
      `cannot read config ${tmp.dir}: is a directory`,
    );
    const missing = join(tmp.dir, 'nope.yml');
    expect((await failure(readInput(missing, { what: 'config' }))).message).toBe(
      `cannot read config ${missing}: no such file or directory`,
    );
  });

  test('a regular file over the bound is refused; one at the bound is read', async () => {
    const big = join(tmp.dir, 'big');
    writeFileSync(big, Buffer.alloc(10 * 1024 * 1024, 0x41));
    expect((await failure(readInput(big, { what: 'config', maxBytes: 1024 }))).message).toBe(
      `cannot read config ${big}: larger than 1024 bytes`,
    );
    const exact = join(tmp.dir, 'exact');
    writeFileSync(exact, Buffer.alloc(1024, 0x41));
    expect((await readInput(exact, { what: 'config', maxBytes: 1024 })).length).toBe(1024);
  });

  test('a FIFO fed without end stops at the bound', async () => {
    const fifo = join(tmp.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat /dev/zero > ${fifo}`], { stdio: 'ignore' });
    try {
      const e = await failure(readInput(fifo, { what: 'key', maxBytes: 4096 }));
      expect(e.message).toBe(`cannot read key ${fifo}: larger than 4096 bytes`);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  test('"-" reads the given stdin stream with the bound', async () => {
    const stdin = Readable.from([Buffer.from('abc'), Buffer.from('def')]);
    expect((await readInput('-', { what: 'input', stdin })).toString()).toBe('abcdef');
    const endless = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(1000);
      })(),
    );
    expect((await failure(readInput('-', { what: 'input', stdin: endless, maxBytes: 5000 }))).message).toBe(
      'cannot read input from standard input: larger than 5000 bytes',
    );
  });
});

describe('readInputText', () => {
  test.each([
    { name: 'nul', bytes: Buffer.from('name: a\0b\n'), reason: 'it has NUL bytes' },
    {
      name: 'utf16',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]),
      reason: 'it is UTF-16',
    },
    {
      name: 'latin1',
      bytes: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]),
      reason: 'it is not valid UTF-8',
    },
  ])('refuses a $name file in one line', async ({ name, bytes, reason }) => {
    const file = join(tmp.dir, `${name}.yml`);
    writeFileSync(file, bytes);
    const e = await failure(readInputText(file, { what: 'config' }));
    expect(e.message).toBe(`config ${file} is not a UTF-8 text file (${reason})`);
    expect(e.code).toBe('not-text');
  });

  test('drops a UTF-8 BOM', async () => {
    const file = join(tmp.dir, 'bom.yml');
    writeFileSync(file, Buffer.from([0xef, 0xbb, 0xbf, 0x61]));
    expect(await readInputText(file, { what: 'config' })).toBe('a');
  });
});

describe('loadConfigFile', () => {
  const good = [
    '---',
    'name: example_config',
    'key_expiry_no: 255',
    'encryption_algorithm: sta',
    'token_carrier_type: numeric',
    'decoder_key_generation_algorithm: 02',
    'tariff_index: 01',
    'key_revision_no: 1',
    'vending_key: 0123456789abcdef',
    'supply_group_code: 123456',
    'key_type: 2',
    'base_date: 1993',
    'issuer_identification_no: 600727',
    '',
  ].join('\n');

  test('reads a valid configuration', async () => {
    const file = join(tmp.dir, 'good.yml');
    writeFileSync(file, good);
    const { config } = await loadConfigFile(file);
    expect(config.supplyGroupCode).toBe('123456');
  });

  test('every problem of a malformed file is a detail line with its place', async () => {
    const file = join(tmp.dir, 'bad.yml');
    writeFileSync(
      file,
      good.replace('tariff_index: 01', 'tariff_index: 01w').replace('key_type: 2', 'key_type: 9'),
    );
    const e = (await failure(loadConfigFile(file))) as { message: string; details: string[]; code: string };
    expect(e.code).toBe('invalid-config');
    expect(e.message).toBe(`${file}: invalid configuration (2 errors)`);
    expect(e.details).toHaveLength(2);
    expect(e.details[0]).toMatch(new RegExp(`^${file}:7:\\d+: tariff_index`));
  });

  test('a binary file is one line, not one per garbled line', async () => {
    const file = join(tmp.dir, 'bin.yml');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]));
    const e = (await failure(loadConfigFile(file))) as { message: string; details: string[] };
    expect(e.message).toBe(`config ${file} is not a UTF-8 text file (it is UTF-16)`);
    expect(e.details).toEqual([]);
  });
});

describe('lines', () => {
  async function collect(chunks: string[], maxLineBytes = 100): Promise<string[]> {
    const out: string[] = [];
    for await (const line of lines(Readable.from(chunks.map((c) => Buffer.from(c))), {
      what: 'input',
      maxLineBytes,
    }))
      out.push(line);
    return out;
  }

  test('splits across chunks, on \\n and \\r\\n, with a last line without an end', async () => {
    expect(await collect(['a\nb', 'c\r\n', '\nd'])).toEqual(['a', 'bc', '', 'd']);
  });

  test('a line over the bound is refused with its number', async () => {
    await expect(collect(['ok\n', 'x'.repeat(60), 'x'.repeat(60), '\n'])).rejects.toThrow(
      'input line 2: longer than 100 bytes',
    );
  });

  test('a NUL byte is binary data', async () => {
    await expect(collect(['ok\n', 'a\0b\n'])).rejects.toThrow('input line 2: binary data');
  });
});

describe('a real process', () => {
  test.each(['/dev/zero', '/dev/urandom'])(
    'stdin from %s is refused within a second, memory < 100 MB',
    async (device) => {
      const run = await runCli(PROBE, ['read', '-'], { stdinFile: device, measureMemory: true });
      expect(run.stderr).toBe(
        'probe: cannot read input from standard input: not a regular file (character device)\n',
      );
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.ms).toBeLessThan(10_000); // node and tsx start-up on a loaded box; the in-process test above times the refusal itself
      expect(run.maxRssMb).toBeLessThan(100);
    },
  );

  test('--json errors are one object on stdout', async () => {
    const run = await runCli(PROBE, ['read', '/dev/zero', '--json']);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'not-regular-file',
        message: 'cannot read input /dev/zero: not a regular file (character device)',
      },
    });
    expect(run.stderr).toBe('');
  });

  test('a line reader over an endless stdin without newlines stops at the line bound', async () => {
    const run = await runCli(PROBE, ['lines', '1000'], { input: 'x'.repeat(5_000_000) });
    expect(run.stderr).toBe('probe: batch input line 1: longer than 1000 bytes\n');
    expect(run.code).toBe(2);
  });

  test('SIGTERM while waiting on a FIFO runs the cleanups and exits 143', async () => {
    const fifo = join(tmp.dir, 'blocked');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `sleep 30 > ${fifo}`], { stdio: 'ignore' }); // a writer that never writes
    const child = spawn(process.execPath, [PROBE, 'wait-read', fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b;
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(143);
    expect(stderr).toBe('cleaned up\n');
    expect(performance.now() - sent).toBeLessThan(1000);
    writer.kill('SIGKILL');
  });

  test('a FIFO whose writer comes later is read whole', async () => {
    const fifo = join(tmp.dir, 'late');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `sleep 0.3; printf abc > ${fifo}`], { stdio: 'ignore' });
    const run = await runCli(PROBE, ['read', fifo], { timeoutMs: 10_000 });
    expect([run.code, run.stdout]).toEqual([0, 'read 3 bytes\n']);
    writer.kill();
  });
});
