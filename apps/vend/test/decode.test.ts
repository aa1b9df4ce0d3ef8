// sts-vend decode, as a process: the vectors' tokens decode back to the fields they were made from.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonLines, runCli, tempDir, VECTORS, writeConfig } from './cli.ts';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

/** The decode request for each token of a vector: the vector's key material, the expected token. */
function decodeRequests() {
  return VECTORS.flatMap((v) =>
    v.expected.map((token, i) => {
      const r = v.request;
      const key =
        r.config !== undefined
          ? { config: r.config, drn: r.drn }
          : r.decoderKey !== undefined
            ? { decoderKey: r.decoderKey, encryptionAlgorithm: r.encryptionAlgorithm, baseDate: r.baseDate }
            : {};
      return { vector: v, section: i + 1, request: { id: `${r.id}/${i + 1}`, token, ...key } };
    }),
  );
}

/** An issue time truncated to the minute, as the TID keeps it (sts-reference §5). */
function minuteOf(time: string): string {
  return `${new Date(time).toISOString().slice(0, 16)}:00.000Z`;
}

describe('decode --batch of every vector token', () => {
  const cases = decodeRequests();
  let out: Record<string, unknown>[];
  let code: number | null;
  beforeAll(async () => {
    const run = await runCli(['decode', '--batch', '-'], {
      input: cases.map((c) => JSON.stringify(c.request)).join('\n'),
    });
    code = run.code;
    out = jsonLines(run.stdout);
  });

  test('one answer per line, in order, all CRCs good, exit 0', () => {
    expect(code).toBe(0);
    expect(out.map((o) => o.id)).toEqual(cases.map((c) => c.request.id));
    expect(out.every((o) => o.crcOk === true)).toBe(true);
  });

  test.each(cases.map((c, i) => ({ ...c, i, name: `${c.vector.name} #${c.section}` })))(
    '$name gives back its fields',
    ({ vector, section, i }) => {
      const r = vector.request;
      const got = out[i]!;
      expect(got.type).toBe(r.type);
      if (r.type === 'key-change') {
        expect(got.section).toBe(section);
        return;
      }
      // Amounts in the gaps of the 16-bit field round UP in the customer's favour (sts-reference §4.1),
      // by less than one step of the field's top exponent (100 units at most).
      if (r.amount !== undefined) {
        expect(Number(got.amount)).toBeGreaterThanOrEqual(Number(r.amount));
        expect(Number(got.amount) - Number(r.amount)).toBeLessThan(Math.max(0.1, Number(r.amount) / 1000));
      }
      for (const field of ['watts', 'register', 'pad', 'control', 'manufacturerCode', 'random'] as const) {
        if (r[field] !== undefined) expect(got[field]).toBe(r[field]);
      }
      if (typeof r.time === 'string' && !/T00:01/.test(r.time)) expect(got.issuedAt).toBe(minuteOf(r.time));
    },
  );
});

describe.concurrent('decode one token', () => {
  const vector = VECTORS.find((v) => v.request.id === 'v001')!;

  test('with --config and --drn, fields one per line', async () => {
    const config = writeConfig(dir, 'v001.yml', vector.request.config as Record<string, unknown>);
    const run = await runCli(['decode', vector.expected[0]!, '--config', config, '--drn', '00000000000']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^type +electricity$/m);
    expect(run.stdout).toMatch(/^amount +0\.1$/m);
    expect(run.stdout).toMatch(/^tid +5871715$/m);
    expect(run.stdout).toMatch(/^crcOk +true$/m);
  });

  test('with --decoder-key, the token in five groups, --json', async () => {
    // sts-reference §13.2: 25.6 kWh, DK 0ABC12DEF3456789, RND 11, TID 1698595.
    const run = await runCli([
      'decode',
      ...'2905 4347 1393 0985 1356'.split(' '),
      '--decoder-key',
      '0ABC12DEF3456789',
      '--ea',
      'sta',
      '--base-date',
      '1993',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'electricity',
      amount: '25.6',
      tid: 1698595,
      random: 11,
      crcOk: true,
    });
    expect(body.id).toBeUndefined();
  });

  test.each([
    { what: 'a wrong key fails the CRC', token: vector.expected[0]!, ea: 'sta' },
    // No public EA09 vectors (sts-reference §8.2): this shows only that dea is taken, as the help says.
    {
      what: '--ea dea (EA09, deprecated) is accepted: the STA vector under DES fails the CRC',
      token: '29054347139309851356',
      ea: 'dea',
    },
  ])('$what: exit 1, a note on stderr', async ({ token, ea }) => {
    const run = await runCli([
      'decode',
      token,
      '--decoder-key',
      '0ABC12DEF3456789',
      '--ea',
      ea,
      '--base-date',
      '1993',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^crcOk +false$/m);
    expect(run.stderr).toBe('sts-vend: CRC does not match: wrong key, or a mistyped token\n');
  });

  // sts-reference §13.2 token (25.6 kWh) under DK 0ABC12DEF3456789, as in the test above.
  const KEYED = ['decode', '29054347139309851356', '--ea', 'sta', '--base-date', '1993', '--json'];

  test('regression: --decoder-key-file FILE and - (stdin) keep the key out of ps; same fields', async () => {
    const file = join(dir, 'meter.key');
    writeFileSync(file, '0abc12def3456789\n', { mode: 0o600 });
    const [fromFile, fromStdin] = await Promise.all([
      runCli([...KEYED, '--decoder-key-file', file]),
      runCli([...KEYED, '--decoder-key-file', '-'], { input: '0ABC12DEF3456789\n' }),
    ]);
    for (const run of [fromFile, fromStdin]) {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ amount: '25.6', tid: 1698595, random: 11, crcOk: true });
    }
  });

  test.each([
    { what: 'empty', text: '\n', message: 'decoder key file KEYFILE is empty' },
    {
      what: 'two lines',
      text: '0ABC12DEF3456789\n0ABC12DEF3456789\n',
      message: 'decoder key file KEYFILE must hold one line of hex digits',
    },
    {
      what: 'not hex (the text is not echoed)',
      text: '0ABC12DEF345678Z\n',
      message: 'decoder key file KEYFILE must hold hex digits only (16 characters)',
    },
  ])('--decoder-key-file that is $what: one line, exit 2', async ({ text, message }) => {
    const file = join(dir, `bad-${text.length}.key`);
    writeFileSync(file, text);
    const run = await runCli([...KEYED, '--decoder-key-file', file]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 2, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'bad-input', message: message.replace('KEYFILE', file) },
    });
  });

  test('--decoder-key and --decoder-key-file together: a usage error', async () => {
    const run = await runCli([...KEYED, '--decoder-key', '0ABC12DEF3456789', '--decoder-key-file', '-']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'usage', message: 'give --decoder-key or --decoder-key-file, not both' },
    });
  });

  test('a token that is not 20 digits: exit 2, one line', async () => {
    const run = await runCli([
      'decode',
      '1234',
      '--decoder-key',
      '0ABC12DEF3456789',
      '--ea',
      'sta',
      '--base-date',
      '1993',
    ]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^sts-vend: [^\n]+\n$/);
  });
});
