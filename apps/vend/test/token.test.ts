// sts-vend token, as a process: the published vectors through --batch and through single commands,
// bad lines, the duplicate-TID warning, and a 20 000-line batch.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jsonLines, luhn, runCli, tempDir, VECTORS, writeConfig } from './cli.ts';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => cleanup());

/** The CTSA common setup (sts-reference §13): VK abab…, DKGA02, KT 2, SGC 123456, TI 01, KRN 1, BD 1993. */
const CTSA_CONFIG = VECTORS.find((v) => v.request.id === 'v001')!.request.config as Record<string, unknown>;

describe('token --batch with every public vector', () => {
  test('one process, tokens equal `expected`, in input order', async () => {
    const input = VECTORS.map((v) => JSON.stringify(v.request)).join('\n');
    const run = await runCli(['token', '--batch', '-'], { input });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => l.id)).toEqual(VECTORS.map((v) => v.request.id));
    for (const [i, line] of lines.entries()) {
      const tokens = (line.tokens as { token: string }[]).map((t) => t.token);
      expect({ name: VECTORS[i]!.name, tokens }).toEqual({
        name: VECTORS[i]!.name,
        tokens: VECTORS[i]!.expected,
      });
    }
  });

  test('reads a file as well as stdin, and CRLF line ends', async () => {
    const path = join(dir, 'vectors.jsonl');
    writeFileSync(
      path,
      `${VECTORS.slice(1, 4)
        .map((v) => JSON.stringify(v.request))
        .join('\r\n')}\r\n`,
    );
    const run = await runCli(['token', '--batch', path]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((l) => (l.tokens as { token: string }[])[0]!.token)).toEqual(
      VECTORS.slice(1, 4).map((v) => v.expected[0]),
    );
  });
});

describe.concurrent('single token commands give the vectors', () => {
  const byId = (id: string) => VECTORS.find((v) => v.request.id === id)!;
  const cases = [
    {
      id: 'v001',
      type: 'electricity',
      extra: (r: Record<string, unknown>) => ['--amount', String(r.amount)],
    },
    { id: 'v003', type: 'water', extra: (r: Record<string, unknown>) => ['--amount', String(r.amount)] },
    ...VECTORS.filter((v) => v.request.type === 'max-power-limit').map((v) => ({
      id: v.request.id,
      type: 'max-power-limit',
      extra: (r: Record<string, unknown>) => ['--watts', String(r.watts)],
    })),
    ...VECTORS.filter((v) => v.request.type === 'clear-credit').map((v) => ({
      id: v.request.id,
      type: 'clear-credit',
      extra: (r: Record<string, unknown>) => ['--register', String(r.register)],
    })),
  ];
  test.each(cases)('$type ($id)', async ({ id, type, extra }) => {
    const vector = byId(id);
    const r = vector.request;
    const config = writeConfig(dir, `${id}.yml`, r.config as Record<string, unknown>);
    const args = ['token', type, '--config', config, '--drn', String(r.drn), '--time', String(r.time)];
    args.push('--random', String(r.random), ...extra(r));
    const run = await runCli(args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${vector.expected.join('\n')}\n`);
  });

  test('test-display-1 needs no key', async () => {
    const vector = VECTORS.find((v) => v.request.type === 'test-display-1')!;
    const r = vector.request;
    const run = await runCli([
      'token',
      'test-display-1',
      '--control',
      String(r.control),
      '--manufacturer-code',
      String(r.manufacturerCode),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${vector.expected[0]}\n`);
  });

  test('key-change prints every token of the set; --grouped and --json', async () => {
    const vector = VECTORS.find(
      (v) =>
        v.request.type === 'key-change' &&
        (v.request.config as { encryption_algorithm: string }).encryption_algorithm === 'sta',
    )!;
    const r = vector.request;
    const oldFile = writeConfig(dir, 'kc-old.yml', r.config as Record<string, unknown>);
    const newFile = writeConfig(dir, 'kc-new.yml', r.newConfig as Record<string, unknown>);
    const base = [
      'token',
      'key-change',
      '--config',
      oldFile,
      '--new-config',
      newFile,
      '--drn',
      String(r.drn),
    ];
    const plain = await runCli(base);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${vector.expected.join('\n')}\n`);

    const grouped = await runCli([...base, '--grouped']);
    const groups = vector.expected.map((t) => t.match(/.{4}/g)!.join(' '));
    expect(grouped.stdout).toBe(`${groups.join('\n')}\n`);

    const json = await runCli([...base, '--json']);
    const body = JSON.parse(json.stdout) as { tokens: { token: string; type: string; tid: null }[] };
    expect(body.tokens.map((t) => t.token)).toEqual(vector.expected);
    expect(body.tokens.every((t) => t.type === 'key-change' && t.tid === null)).toBe(true);
  });

  test('default time is now: a token is made without --time', async () => {
    // Base date 2014: with 1993 the TIDs ran out on 2024-11-24 (sts-reference §5).
    const config = writeConfig(dir, 'now.yml', { ...CTSA_CONFIG, base_date: 2014 });
    const run = await runCli([
      'token',
      'electricity',
      '--config',
      config,
      '--drn',
      '00000000000',
      '--amount',
      '1',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { tokens: { token: string; tid: number }[] };
    expect(body.tokens[0]!.token).toMatch(/^\d{20}$/);
    // Minutes since 2014-01-01T00:00Z, now: the TID must be within a few minutes of it.
    const minutes = Math.floor((Date.now() - Date.UTC(2014, 0, 1)) / 60000);
    expect(Math.abs(body.tokens[0]!.tid - minutes)).toBeLessThan(3);
  });
});

describe('bad batch lines: exact code, line number, the batch goes on, exit 1', () => {
  const good = VECTORS.find((v) => v.request.id === 'v001')!;
  const lines = [
    JSON.stringify(good.request),
    '{"type": "electricity", oops',
    JSON.stringify({ ...good.request, id: 'b3', type: 'plutonium' }),
    JSON.stringify({ ...good.request, id: 'b4', amount: undefined }),
    JSON.stringify({ ...good.request, id: 'b5', drn: '00000000001' }),
    JSON.stringify({ ...good.request, id: 'b6', time: '1992-12-31T23:59:00Z' }),
    '',
    JSON.stringify({ ...good.request, id: 'b8', time: '2004-03-01T14:55:00Z' }),
  ];
  let run: Awaited<ReturnType<typeof runCli>>;
  beforeAll(async () => {
    run = await runCli(['token', '--batch', '-'], { input: lines.join('\n') });
  });
  test.each([
    { line: 2, id: null, code: 'bad-json' },
    { line: 3, id: 'b3', code: 'unknown-type' },
    { line: 4, id: 'b4', code: 'missing-field' },
    { line: 5, id: 'b5', code: 'invalid-drn' },
    { line: 6, id: 'b6', code: 'time-before-base-date' },
  ])('line $line → $code', ({ line, id, code }) => {
    expect(run.code).toBe(1);
    const out = jsonLines(run.stdout);
    // 8 input lines, one of them empty: 7 answers, in order.
    expect(out).toHaveLength(7);
    expect((out[0]!.tokens as { token: string }[])[0]!.token).toBe(good.expected[0]);
    expect(out[6]!.id).toBe('b8');
    expect(out[6]!.tokens).toBeDefined();
    const answer = out[line - 1]!;
    expect(answer.id).toBe(id);
    const error = answer.error as { code: string; message: string };
    expect(error.code).toBe(code);
    expect(error.message.startsWith(`line ${line}: `)).toBe(true);
  });
});

describe('regression: a batch error echoed a 1 MB value back in full; it is cut to 64 characters', () => {
  const good = VECTORS.find((v) => v.request.id === 'v001')!;
  const big = 'g'.repeat(1 << 20);
  test.each([
    {
      what: 'a 1 MB unknown field name',
      request: { ...good.request, [big]: 1 },
      code: 'unknown-field',
      message: `line 1: unknown field '${'g'.repeat(64)}…' (1048576 characters) for type electricity`,
    },
    {
      what: 'a 1 MB token type',
      request: { ...good.request, type: big },
      code: 'unknown-type',
      message: `line 1: type '${'g'.repeat(64)}…' (1048576 characters) is not a token type (electricity, water, gas, …, key-change)`,
    },
  ])('$what', async ({ request, code, message }) => {
    const run = await runCli(['token', '--batch', '-'], { input: JSON.stringify(request) });
    expect(run.code).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([{ id: 'v001', error: { code, message } }]);
  });
});

test('two tokens for one meter with one TID: a warning on stderr naming both lines', async () => {
  const good = VECTORS.find((v) => v.request.id === 'v001')!;
  const input = [
    JSON.stringify(good.request),
    JSON.stringify({ ...good.request, id: 'other-meter', drn: '01234567897' }),
    // Same meter, same minute (seconds are truncated): TID 5871715 again (sts-reference §13.2).
    JSON.stringify({ ...good.request, id: 'again', time: '2004-03-01T13:55:40Z', amount: '2' }),
  ].join('\n');
  const run = await runCli(['token', '--batch', '-'], { input });
  expect(run.code).toBe(0);
  expect(run.stderr).toBe(
    'sts-vend: warning: line 3: meter 00000000000 already has a token with TID 5871715 in this batch (line 1); ' +
      'the meter would reject the second as used\n',
  );
  expect(jsonLines(run.stdout)).toHaveLength(3);
});

test('a batch of 20 000 generated lines streams through in order', async () => {
  const configs = [
    CTSA_CONFIG,
    { ...CTSA_CONFIG, supply_group_code: '654321', tariff_index: '07' },
    { ...CTSA_CONFIG, issuer_identification_no: '0000' },
  ];
  const types = [
    ['electricity', 'amount', '12.5'],
    ['water', 'amount', '3'],
    ['max-power-limit', 'watts', 5000],
    ['clear-credit', 'register', 0],
  ] as const;
  const path = join(dir, 'big.jsonl');
  const rows: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const config = configs[i % configs.length]!;
    const body = String(i).padStart(config.issuer_identification_no === '0000' ? 12 : 10, '0');
    const [type, field, value] = types[i % types.length]!;
    rows.push(
      JSON.stringify({
        id: i,
        type,
        config,
        drn: `${body}${luhn(body)}`,
        time: '2020-06-01T12:00:00Z',
        random: i % 16,
        [field]: value,
      }),
    );
  }
  writeFileSync(path, `${rows.join('\n')}\n`);
  const run = await runCli(['token', '--batch', path]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const out = jsonLines(run.stdout);
  expect(out).toHaveLength(20_000);
  out.forEach((line, i) => {
    expect(line.id).toBe(i);
    expect((line.tokens as { token: string }[])[0]!.token).toMatch(/^\d{20}$/);
  });
}, 60_000);
