// Atomic writes, stale temp files, the state-file lock and all-or-nothing output sets, on real
// files and with real processes (a lock holder killed with SIGKILL leaves a lock that is taken over).

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { acquireLock, OutputSet, removeStaleTemps, writeFileAtomic } from '../src/index.ts';
import { tempDir } from '../src/testing.ts';

const PROBE = fileURLToPath(new URL('./fixture/probe.js', import.meta.url));
const tmp = tempDir('sts-kit-files-');
afterAll(() => tmp.cleanup());

function caught(fn: () => unknown): { code: string; message: string; exitCode: number } {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string; exitCode: number };
  }
  throw new Error('no error');
}

describe('writeFileAtomic', () => {
  test('writes with mode 0600 by default and replaces an existing file', async () => {
    const file = join(tmp.dir, 'state.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  test('exclusive refuses an existing file (exit 3) and leaves no temp file', async () => {
    const file = join(tmp.dir, 'exclusive.json');
    writeFileSync(file, 'old');
    await expect(writeFileAtomic(file, 'new', { exclusive: true })).rejects.toMatchObject({
      message: `cannot write ${file}: already exists`,
      exitCode: 3,
    });
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('.exclusive'))).toEqual([]);
  });
});

describe('removeStaleTemps', () => {
  test('removes the temp files of dead writers and keeps a live one', () => {
    const file = join(tmp.dir, 'meter.json');
    const dead = join(tmp.dir, '.meter.json.999999999.a1b2c3.tmp'); // no such PID
    const live = join(tmp.dir, `.meter.json.${process.pid}.d4e5f6.tmp`);
    const other = join(tmp.dir, '.other.json.999999999.a1b2c3.tmp');
    for (const f of [dead, live, other]) writeFileSync(f, 'key');
    expect(removeStaleTemps(file)).toBe(1);
    expect([existsSync(dead), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
  });
});

describe('acquireLock', () => {
  test('a second holder in this process is refused with the PID, exit 3; release frees it', () => {
    const file = join(tmp.dir, 'a.json');
    const lock = acquireLock(file);
    const e = caught(() => acquireLock(file));
    expect(e.message).toBe(`state file ${file} in use by PID ${process.pid}`);
    expect([e.code, e.exitCode]).toEqual(['in-use', 3]);
    lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    acquireLock(file).release();
  });

  test('a lock held by another live process is refused; after kill -9 it is taken over', async () => {
    const file = join(tmp.dir, 'b.json');
    const child = spawn(process.execPath, [PROBE, 'lock', file, '60000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(caught(() => acquireLock(file, 'meter state')).message).toBe(
      `meter state ${file} in use by PID ${child.pid}`,
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    expect(existsSync(`${file}.lock`)).toBe(true);
    const lock = acquireLock(file);
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('b.json.'))).toEqual([]);
  });

  test('of many processes racing for one lock, exactly one holds it; the others get exit 3', async () => {
    const file = join(tmp.dir, 'race.json');
    // Each would hold the lock for a minute: however slowly the others start on a loaded machine, the
    // holder is still there, so every other process must be refused. The holder is killed at the end.
    const children = Array.from({ length: 6 }, () => {
      const child = spawn(process.execPath, [PROBE, 'lock', file, '60000'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b;
      });
      child.stderr.on('data', (b: Buffer) => {
        out += b;
      });
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, closed, out: () => out };
    });
    // Wait until all but one have ended (or 45 s, and then the assertions say what went wrong).
    await new Promise<void>((resolve) => {
      let ended = 0;
      const timer = setTimeout(resolve, 45_000);
      for (const c of children)
        void c.closed.then(() => {
          if (++ended === children.length - 1) {
            clearTimeout(timer);
            resolve();
          }
        });
    });
    const holders = children.filter((c) => c.child.exitCode === null);
    expect(holders).toHaveLength(1);
    expect(holders[0]!.out()).toBe('locked\n');
    for (const c of children.filter((x) => x.child.exitCode !== null)) {
      expect(c.child.exitCode).toBe(3);
      expect(c.out()).toMatch(new RegExp(`^probe: state file ${file} in use by PID \\d+\\n$`));
    }
    holders[0]!.child.kill('SIGKILL');
    await holders[0]!.closed;
  }, 60_000);
});

describe('OutputSet', () => {
  test('refuses an existing output before writing anything', () => {
    const existing = join(tmp.dir, 'exists.txt');
    writeFileSync(existing, 'x');
    const set = new OutputSet();
    set.plan(join(tmp.dir, 'fresh.txt'));
    expect(caught(() => set.plan(existing)).message).toBe(`${existing} already exists (never overwritten)`);
    set.abort();
  });

  test('secret files are 0600, others 0644; abort removes what the set wrote and made', async () => {
    const dir = join(tmp.dir, 'out', 'deep');
    const set = new OutputSet();
    await expect(
      set.run((s) => {
        s.ensureDir(dir);
        s.write(join(dir, 'key'), 'secret', { secret: true });
        s.write(join(dir, 'pub'), 'public', { secret: false });
        expect(statSync(join(dir, 'key')).mode & 0o777).toBe(0o600);
        expect(statSync(join(dir, 'pub')).mode & 0o777).toBe(0o644);
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(existsSync(join(tmp.dir, 'out'))).toBe(false);
  });
});
