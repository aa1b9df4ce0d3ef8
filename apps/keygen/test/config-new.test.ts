// `config new` (issue 13): a configuration made from a key file and options, checked as `config check`
// checks it, 0600, never over a file; config new → config check → bundle → bundle open gives it back.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { keygen, keygenInProcess } from './ceremony-helpers.ts';
import { EXAMPLE_CONFIG, listFiles, tempDir, writeKeyPair } from './cli-helpers.ts';

const SLOW = { timeout: 60_000 };

/** The DES key of key-ceremony.md: KCV D5D44F. */
const KEY = '0123456789ABCDEF';

/** Every field as an option: the example of nectar-compat §1 (EXAMPLE_CONFIG). */
const FIELDS = [
  ...['--name', 'example_config', '--sgc', '123456', '--tariff-index', '01', '--key-revision', '1'],
  ...['--key-type', '3', '--key-expiry', '255', '--base-date', '1993', '--ea', 'sta', '--dkga', '02'],
  ...['--iin', '600727'],
];

/** What the file must hold: nectar-compat §1's example, field order included (written out in cli-helpers). */
const EXPECTED = EXAMPLE_CONFIG;

/** `config new --vending-key KEY --out OUT …extra`. */
const configNew = (key: string, out: string, ...extra: string[]): string[] => [
  ...['config', 'new', '--vending-key', key, '--out', out],
  ...extra,
];

let dir: string;
let keyFile: string;
beforeAll(() => {
  dir = tempDir();
  keyFile = path.join(dir, 'vending.key');
  fs.writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
});

/** A fresh output path in its own directory (so "no output on failure" can list the directory). */
function outPath(): { out: string; outDir: string } {
  const outDir = tempDir();
  return { out: path.join(outDir, 'sts_config.yml'), outDir };
}

describe('config new, as real processes', SLOW, () => {
  test('config new → config check → bundle → bundle open gives back the same configuration', async () => {
    const { out, outDir } = outPath();
    const made = await keygen(configNew(keyFile, out, ...FIELDS));
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(
      `configuration written to ${out} (mode 0600)\n` +
        'config: name "example_config", DKGA02, EA sta, SGC 123456, TI 01, KRN 1, KT 3, KEN 255, base date 1993, IIN 600727, vending key KCV D5D44F (des)\n',
    );
    expect(fs.readFileSync(out, 'utf8')).toBe(EXPECTED);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);

    const checked = await keygen(['config', 'check', out]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('vending key KCV D5D44F (des)');

    const user = writeKeyPair(outDir, 'user');
    const kmc = writeKeyPair(outDir, 'kmc');
    const bundleDir = path.join(outDir, 'bundle');
    const sealed = await keygen([
      ...['bundle', '--config', out, '--signing-key', user.privateFile],
      ...['--recipient', kmc.publicFile, '--out', bundleDir],
    ]);
    expect(sealed.code).toBe(0);
    const back = path.join(outDir, 'received.yml');
    const opened = await keygen([
      ...['bundle', 'open', '--dir', bundleDir, '--recipient-key', kmc.privateFile],
      ...['--signer', user.publicFile, '--out', back],
    ]);
    expect(opened.code).toBe(0);
    expect(fs.readFileSync(back, 'utf8')).toBe(EXPECTED);
  });

  test('--from: a key change keeps every field but those given (the new revision)', async () => {
    const { out: first } = outPath();
    expect((await keygen(configNew(keyFile, first, ...FIELDS))).code).toBe(0);
    const newKey = path.join(dir, 'new.key');
    fs.writeFileSync(newKey, '# another key\n0123 4567 89AB CDEE\n');
    const { out } = outPath();
    const r = await keygen([
      ...['config', 'new', '--from', first, '--vending-key', newKey, '--key-revision', '2'],
      ...['--tariff-index', '02', '--out', out, '--json'],
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      command: 'config new',
      from: first,
      kcv: 'D5D44F', // 0123456789ABCDEE differs from …EF only in a parity bit, which DES ignores
      kcvMethod: 'des',
      rehearsal: false,
    });
    expect(fs.readFileSync(out, 'utf8')).toBe(
      EXPECTED.replace('tariff_index: 01', 'tariff_index: 02')
        .replace('key_revision_no: 1', 'key_revision_no: 2')
        .replace('vending_key: 0123456789abcdef', 'vending_key: 0123456789abcdee'),
    );
  });

  test('--rehearsal: the file says REHEARSAL inside; config check takes it, bundle refuses it without --rehearsal', async () => {
    const rehearsalKey = path.join(dir, 'rehearsal.key');
    fs.writeFileSync(rehearsalKey, `# REHEARSAL: not a production key\n${KEY}\n`);
    const { out, outDir } = outPath();
    const refused = await keygenInProcess(configNew(rehearsalKey, out, ...FIELDS));
    expect(refused.stderr).toBe(
      `sts-keygen: vending key file ${rehearsalKey} is a REHEARSAL key: make its configuration with --rehearsal\n`,
    );
    expect(refused.code).toBe(2);
    const r = await keygen(configNew(rehearsalKey, out, '--rehearsal', ...FIELDS));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^REHEARSAL: not a production configuration\n/);
    expect(fs.readFileSync(out, 'utf8')).toBe(
      EXPECTED.replace('---\n', '---\n# REHEARSAL: not a production configuration\n'),
    );
    expect((await keygen(['config', 'check', out])).code).toBe(0);
    const user = writeKeyPair(outDir, 'user');
    const b = await keygenInProcess([
      ...['bundle', '--config', out, '--signing-key', user.privateFile],
      ...['--recipient', user.publicFile, '--out', path.join(outDir, 'b')],
    ]);
    expect(b.stderr).toBe(
      `sts-keygen: config ${out} is a REHEARSAL configuration: bundle it with --rehearsal\n`,
    );
    expect(b.code).toBe(2);
    expect(fs.existsSync(path.join(outDir, 'b'))).toBe(false);
  });
});

/** `FIELDS` with one option's value replaced (or the option removed when value is undefined). */
function fieldsWith(option: string, value: string | undefined): string[] {
  const at = FIELDS.indexOf(option);
  const copy = [...FIELDS];
  if (value === undefined) copy.splice(at, 2);
  else copy[at + 1] = value;
  return copy;
}

describe('config new refusals: one line naming the option, exit 2, no output file', () => {
  test.each([
    { args: fieldsWith('--sgc', undefined), error: '--sgc is required' },
    {
      args: fieldsWith('--sgc', undefined).filter((_, i, a) => a[i] !== '--iin' && a[i - 1] !== '--iin'),
      error: '--sgc and --iin are required',
    },
    {
      args: fieldsWith('--tariff-index', '1'),
      error: '--tariff-index: must be exactly 2 digits, e.g. 01; got "1"',
    },
    { args: fieldsWith('--key-type', '4'), error: '--key-type: must be from 0 to 3; got "4"' },
    {
      args: fieldsWith('--base-date', '1994'),
      error: '--base-date: must be 1993, 2014 or 2035; got "1994"',
    },
    {
      args: fieldsWith('--ea', 'misty1'),
      error:
        '--ea: misty1 needs decoder_key_generation_algorithm 04 (only DKGA04 makes 128-bit decoder keys); got 02',
    },
    {
      args: fieldsWith('--dkga', '04'),
      error:
        '--vending-key: DKGA04 needs a 160-bit vending key (40 hex digits); got a 64-bit key (16 hex digits), which fits DKGA02',
    },
    {
      args: [...FIELDS, '--carrier', 'magnetic'],
      error:
        '--carrier: must be numeric (20-digit keypad tokens, the only carrier supported); got "magnetic"',
    },
    {
      args: fieldsWith('--name', 'two\nlines'),
      error: '--name: must be text without control characters (tabs, line breaks)',
    },
  ])('$error', async ({ args, error }) => {
    const { out, outDir } = outPath();
    const r = await keygenInProcess(configNew(keyFile, out, ...args));
    expect(r.stderr).toBe(`sts-keygen: ${error}\n`);
    expect(r.code).toBe(2);
    expect(listFiles(outDir)).toEqual([]);
  });

  test('without --vending-key and --out, and the fields, every missing option is named in one line', async () => {
    const r = await keygenInProcess(['config', 'new']);
    expect(r.stderr).toBe(
      'sts-keygen: --vending-key, --out, --name, --sgc, --tariff-index, --key-revision, --key-type, --key-expiry, --base-date, --ea, --dkga and --iin are required\n',
    );
    expect(r.code).toBe(2);
  });

  test('an existing output is never overwritten', async () => {
    const { out } = outPath();
    fs.writeFileSync(out, 'mine\n');
    const r = await keygenInProcess(configNew(keyFile, out, ...FIELDS));
    expect(r.stderr).toBe(`sts-keygen: ${out} already exists (never overwritten)\n`);
    expect(r.code).toBe(2);
    expect(fs.readFileSync(out, 'utf8')).toBe('mine\n');
  });

  test('a missing key file and a key file that is not one line of hex are named, never shown', async () => {
    const { out, outDir } = outPath();
    const missing = path.join(outDir, 'nope.key');
    const r = await keygenInProcess(configNew(missing, out, ...FIELDS));
    expect(r.stderr).toBe(`sts-keygen: cannot read vending key file ${missing}: no such file or directory\n`);
    const twoLines = path.join(dir, 'two.key');
    fs.writeFileSync(twoLines, `${KEY}\n${KEY}\n`);
    const r2 = await keygenInProcess(configNew(twoLines, out, ...FIELDS));
    expect(r2.stderr).toBe(`sts-keygen: key file ${twoLines} must hold one line of hex digits, found 2\n`);
    expect(listFiles(outDir)).toEqual([]);
  });

  test('an invalid --from file is refused with its errors, nothing written', async () => {
    const { out, outDir } = outPath();
    const from = path.join(outDir, 'old.yml');
    fs.writeFileSync(from, EXPECTED.replace('tariff_index: 01', 'tariff_index: 01w'));
    const r = await keygenInProcess([
      'config',
      'new',
      '--from',
      from,
      '--vending-key',
      keyFile,
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      `sts-keygen: --from ${from} is not a valid STS configuration; nothing written:`,
    );
    expect(r.stderr).toContain(`${from}:7:`);
    expect(listFiles(outDir)).toEqual(['old.yml']);
  });
});

describe('config new as a ceremony step', () => {
  test('ceremony plan refuses a bad field of a config new step before any secret exists', async () => {
    const cdir = tempDir();
    const file = path.join(cdir, 'ceremony.yml');
    fs.writeFileSync(
      file,
      `title: t
roles: [{ name: A, role: administrator }]
transcript: out/t.jsonl
summary: out/s.txt
steps:
  - command: vending-key generate
    args: { dkga: "02", out: out/v.key }
  - command: config new
    args: { vending-key: out/v.key, out: out/c.yml, name: n, sgc: "123456", tariff-index: "1", key-revision: "1", key-type: "2", key-expiry: "255", base-date: "2014", ea: sta, dkga: "02" }
`,
    );
    const r = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        `sts-keygen: ${file}:`,
        'sts-keygen: steps[1].args.iin: missing (or give from: an existing configuration) (line 8)',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('dkga: "02" }', 'dkga: "02", iin: "600727" }'),
    );
    const r2 = await keygenInProcess(['ceremony', 'plan', file]);
    expect(r2.stderr).toBe(
      [
        `sts-keygen: ${file}:`,
        'sts-keygen: steps[1].args.tariff-index: must be exactly 2 digits, e.g. 01; got "1" (line 8)',
        '',
      ].join('\n'),
    );
  });
});
