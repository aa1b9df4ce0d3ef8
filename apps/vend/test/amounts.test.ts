// Regressions on amounts: `--amount -5` said "needs a value", and the amount a token carries was never
// shown (100000 kWh becomes 100002.4, 0.000001 becomes 0.1). Expected values are worked out by hand.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDir, VECTORS, writeConfig } from './cli.ts';

let dir: string;
let cleanup: () => void;
let config: string;
const CTSA_CONFIG = VECTORS.find((v) => v.request.id === 'v001')!.request.config as Record<string, unknown>;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('sts-vend-test-'));
  config = writeConfig(dir, 'site.yml', CTSA_CONFIG);
});
afterAll(() => cleanup());

const token = (type: string, amount: string[], json = false) => [
  'token',
  type,
  '--config',
  config,
  '--drn',
  '00000000000',
  '--time',
  '2004-03-01T13:55:00Z',
  '--random',
  '5',
  ...amount,
  ...(json ? ['--json'] : []),
];

const NOTE = '(the amount field holds only certain values and rounds up)';

// The TransferAmount field (IEC 62055-41) holds m·10^e + 16384·(10^e − 1)/9 base units, m < 16384,
// rounded up. Credit: base unit 0.1 kWh. 100000 kWh = 1 000 000 units: e = 2 gives
// ceil((1 000 000 − 180 224) / 100) = 8198 → 819 800 + 180 224 = 1 000 024 units = 100002.4 kWh.
// 0.000001 kWh rounds up to one unit, 0.1. Currency: base unit 0.00001; 5 = 500 000 units, e = 2:
// ceil((500 000 − 180 224) / 100) = 3198 → 500 024 units = 5.00024, negative with the sign bit.
describe('regression: the amount the token carries is shown when it differs from --amount', () => {
  test.each([
    { type: 'electricity', amount: '100000', carried: '100002.4' },
    { type: 'electricity', amount: '0.000001', carried: '0.1' },
    { type: 'electricity-currency', amount: '5', carried: '5.00024' },
  ])('$type --amount $amount: a note on stderr, the token on stdout', async ({ type, amount, carried }) => {
    const run = await runCli(token(type, ['--amount', amount]));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d{20}\n$/);
    expect(run.stderr).toBe(`sts-vend: note: the token carries ${carried}, not ${amount} ${NOTE}\n`);
  });

  test('--json: amount (carried) and requestedAmount, nothing on stderr', async () => {
    const run = await runCli(token('electricity', ['--amount', '100000'], true));
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const [first] = (JSON.parse(run.stdout) as { tokens: Record<string, unknown>[] }).tokens;
    expect(first).toMatchObject({ type: 'electricity', amount: '100002.4', requestedAmount: '100000' });
  });

  test.each([
    { amount: '25.6', carried: '25.6' },
    { amount: '25.60', carried: '25.6' },
  ])('--amount $amount is carried exactly: no note; --json has amount only', async ({ amount, carried }) => {
    const [plain, json] = await Promise.all([
      runCli(token('electricity', ['--amount', amount])),
      runCli(token('electricity', ['--amount', amount], true)),
    ]);
    expect({ code: plain.code, stderr: plain.stderr }).toEqual({ code: 0, stderr: '' });
    const [first] = (JSON.parse(json.stdout) as { tokens: Record<string, unknown>[] }).tokens;
    expect(first?.amount).toBe(carried);
    expect(first).not.toHaveProperty('requestedAmount');
  });
});

describe('regression: a negative currency amount works without "="', () => {
  test('--amount -5 gives the same token as --amount=-5, and says it carries -5.00024', async () => {
    const [spaced, joined] = await Promise.all([
      runCli(token('electricity-currency', ['--amount', '-5'])),
      runCli(token('electricity-currency', ['--amount=-5'])),
    ]);
    expect(spaced.code).toBe(0);
    expect(spaced.stdout).toMatch(/^\d{20}\n$/);
    expect(spaced.stdout).toBe(joined.stdout);
    expect(spaced.stderr).toBe(`sts-vend: note: the token carries -5.00024, not -5 ${NOTE}\n`);
  });

  test('-0.00001 is carried exactly (one base unit): no note', async () => {
    const run = await runCli(token('electricity-currency', ['--amount', '-0.00001']));
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  });

  test('a negative credit amount is still refused by the library, with its own words', async () => {
    const run = await runCli(token('electricity', ['--amount', '-5']));
    expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'sts-vend: amount must not be negative, got -5\n',
    });
  });
});
