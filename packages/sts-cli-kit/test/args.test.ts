// parseCommandArgs and the option readers: the one wording of every app's usage errors,
// and negative numbers as values (`--amount -5`), which node's parseArgs alone calls ambiguous.

import { describe, expect, test } from 'vitest';
import { flag, integerOption, parseCommandArgs, requiredOption, stringOption } from '../src/index.ts';
import { shown } from '../src/shown.ts';

const spec = {
  amount: { type: 'string' },
  seed: { type: 'string', short: 's' },
  json: { type: 'boolean' },
  count: { type: 'string' },
} as const;

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('usage');
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('parseCommandArgs', () => {
  test.each([
    { argv: ['--amount', '-5'], amount: '-5' },
    { argv: ['--amount', '-0.25'], amount: '-0.25' },
    { argv: ['--amount', '-.5'], amount: '-.5' },
    { argv: ['--amount=-5'], amount: '-5' },
    { argv: ['--amount', '12'], amount: '12' },
  ])('takes $argv as amount $amount', ({ argv, amount }) => {
    expect(stringOption(parseCommandArgs(argv, spec), 'amount')).toBe(amount);
  });

  test('a short string option takes a negative number too (-s -1)', () => {
    expect(stringOption(parseCommandArgs(['-s', '-1'], spec), 'seed')).toBe('-1');
  });

  test('after -- a negative number stays a positional', () => {
    const p = parseCommandArgs(['--', '-5'], spec, { allowPositionals: true });
    expect(p.positionals).toEqual(['-5']);
  });

  test.each([
    { argv: ['--nope'], message: 'unknown option --nope' },
    { argv: ['-q'], message: 'unknown option -q' },
    { argv: ['--amount'], message: 'option --amount needs a value' },
    {
      argv: ['--amount', '--json'],
      message: "option --amount needs a value; write a value that starts with '-' as --amount=VALUE",
    },
    { argv: ['--json=1'], message: 'option --json takes no value' },
    { argv: ['stray'], message: "unexpected argument 'stray'" },
    {
      argv: ['0123456789abcdef0123'],
      message: 'unexpected argument 20 hex digits (not shown: it may be a key)',
    },
  ])('$argv → "$message"', ({ argv, message }) => {
    expect(usage(() => parseCommandArgs(argv, spec))).toBe(message);
  });

  test('the help hint follows the message', () => {
    expect(usage(() => parseCommandArgs(['--nope'], spec, { helpHint: 'sts-vend token --help' }))).toBe(
      "unknown option --nope (see 'sts-vend token --help')",
    );
  });
});

describe('option readers', () => {
  const p = (argv: string[]) => parseCommandArgs(argv, spec);

  test('requiredOption names the missing option', () => {
    expect(usage(() => requiredOption(p([]), 'amount'))).toBe('--amount is required');
    expect(requiredOption(p(['--amount', '3']), 'amount')).toBe('3');
  });

  test('an empty value is a usage error, not a choice', () => {
    expect(usage(() => stringOption(p(['--amount=']), 'amount'))).toBe('option --amount needs a value');
  });

  test('flag', () => {
    expect(flag(p(['--json']), 'json')).toBe(true);
    expect(flag(p([]), 'json')).toBe(false);
  });

  test.each([
    { text: '42', value: 42 },
    { text: '0xFF', value: 255 },
    { text: '-3', value: -3 },
  ])('integerOption reads $text as $value', ({ text, value }) => {
    expect(integerOption(p(['--count', text]), 'count')).toBe(value);
  });

  test.each([
    { text: '1e3', range: {}, message: "--count must be a whole number, got '1e3'" },
    { text: '12abc', range: {}, message: "--count must be a whole number, got '12abc'" },
    { text: '9', range: { min: 1, max: 8 }, message: "--count must be from 1 to 8, got '9'" },
    { text: '0', range: { min: 1 }, message: "--count must be at least 1, got '0'" },
    { text: '99', range: { max: 10 }, message: "--count must be at most 10, got '99'" },
    {
      text: '99999999999999999999',
      range: {},
      message: '--count is too large: 20 hex digits (not shown: it may be a key)',
    },
  ])('integerOption refuses $text', ({ text, range, message }) => {
    expect(usage(() => integerOption(p(['--count', text]), 'count', range))).toBe(message);
  });
});

describe('shown', () => {
  test('clips long text to 64 characters and says how long it was', () => {
    expect(shown('x'.repeat(1_000_000))).toBe(`'${'x'.repeat(64)}…' (1000000 characters)`);
  });
  test('keeps short text whole, quoted', () => {
    expect(shown('abc')).toBe("'abc'");
  });
  test('never shows a run of 16+ hex digits (a key in the wrong place)', () => {
    expect(shown('0123456789ABCDEF')).toBe('16 hex digits (not shown: it may be a key)');
    expect(shown('0123456789ABCDE')).toBe("'0123456789ABCDE'");
  });
});
