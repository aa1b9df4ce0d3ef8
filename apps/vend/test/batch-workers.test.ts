// token --batch on one thread and in worker threads (STS_VEND_WORKERS): the same input gives the same
// bytes on stdout, the same warnings on stderr and the same exit code, whatever the number of workers.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { luhn, runCli, tempDir, VECTORS } from './cli.ts';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

/** sts-vend with STS_VEND_WORKERS set to `workers`. */
function runWith(workers: string, args: string[], input?: Buffer) {
  return runCli(args, { env: { ...process.env, STS_VEND_WORKERS: workers }, input: input ?? '' });
}

const CTSA = VECTORS.find((v) => v.request.id === 'v001')!.request;
const BY_KEY = VECTORS.find((v) => v.request.decoderKey !== undefined)!.request;

/**
 * Several pieces' worth of lines (a piece is 256 KiB): every vector, generated meters (11- and 13-digit
 * DRNs, leading zeros), repeated (meter, TID) pairs far apart and across pieces (warnings), a decoder-key
 * meter repeated, bad JSON, bad requests, blank and CRLF lines, bytes that are not UTF-8, no final newline.
 */
function mixedInput(): Buffer {
  const rows: string[] = [];
  for (let i = 0; i < 3000; i++) {
    if (i % 500 === 0) for (const v of VECTORS) rows.push(JSON.stringify(v.request));
    const iin = i % 3 === 0 ? '0000' : '600727';
    const body = String(i % 1400).padStart(iin === '0000' ? 12 : 10, '0');
    const config = { ...(CTSA.config as Record<string, unknown>), issuer_identification_no: iin };
    // The minute repeats every 1 000 lines, the meter every 1 400: some pairs come back.
    const time = new Date(Date.UTC(2004, 2, 1, 0, i % 1000)).toISOString();
    rows.push(
      JSON.stringify({
        id: `g${i}`,
        type: 'electricity',
        config,
        drn: `${body}${luhn(body)}`,
        time,
        random: i % 16,
        amount: '5',
      }),
    );
    if (i % 700 === 0) rows.push(JSON.stringify({ ...BY_KEY, id: `k${i}` }), '   ', '{"id": 1, oops');
    if (i % 900 === 0) rows.push(JSON.stringify({ ...CTSA, id: `bad${i}`, type: 'plutonium' }), '');
    if (i % 1100 === 0) rows.push(`${JSON.stringify({ ...CTSA, id: `crlf${i}` })}\r`);
  }
  return Buffer.concat([
    Buffer.from(rows.join('\n')),
    Buffer.from('\n{"id":"\xff\xfe"}\n', 'latin1'),
    Buffer.from(JSON.stringify({ ...CTSA, id: 'last' })),
  ]);
}

test('one thread, one worker and three workers give identical output, warnings and exit code', async () => {
  const input = mixedInput();
  expect(input.length).toBeGreaterThan(3 * 256 * 1024);
  const path = join(dir, 'mixed.jsonl');
  writeFileSync(path, input);
  const [single, one, three, piped] = await Promise.all([
    runWith('0', ['token', '--batch', path]),
    runWith('1', ['token', '--batch', path]),
    runWith('3', ['token', '--batch', path]),
    runWith('2', ['token', '--batch', '-'], input),
  ]);
  // Exit 1: the bad lines failed; the batch went on.
  expect(single.code).toBe(1);
  const lines = single.stdout.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(JSON.parse(lines.at(-2)!).id).toBe('last');
  expect(single.stderr).toMatch(/^sts-vend: warning: line \d+: meter \d{11} already has a token with TID/m);
  expect(single.stderr).toMatch(/the meter with decoder key KCV [0-9A-F]+ \(des\) already has a token/);
  for (const other of [one, three, piped]) {
    expect(other.code).toBe(single.code);
    expect(other.stderr).toBe(single.stderr);
    expect(other.stdout === single.stdout).toBe(true);
  }
}, 60_000);

test('STS_VEND_WORKERS must be a whole number', async () => {
  const run = await runWith('two', ['token', '--batch', '-'], Buffer.from(''));
  expect(run.code).toBe(2);
  expect(run.stderr).toBe("sts-vend: STS_VEND_WORKERS must be a whole number from 0 to 64, got 'two'\n");
});
