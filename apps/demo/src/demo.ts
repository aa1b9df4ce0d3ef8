// The end-to-end demonstration: a utility's key ceremony, the Nectar upload bundle, tokens vended for a
// meter and a simulated meter entering them (issue 6), each step a real CLI process the user can repeat.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serviceSteps } from './service-step.ts';
import { binPath, DemoError, type RunResult, Shell, type ToolName } from './shell.ts';

const USAGE = `usage: npm run demo [-- --keep]      (or: node --import tsx apps/demo/src/demo.ts [--keep])

Runs the toolkit end to end in a fresh temporary directory with the real command-line tools:
RSA-4096 key pairs, a vending key and an STS configuration, the Nectar upload bundle and its
receiving side, a simulated meter, tokens (credit, water meter factor, key change, credit under
the new key), the meter accepting them and refusing a replay; then the same story through the
token service (sts-service): the bundles uploaded and the tokens asked for with the sts-client SDK.

  --keep   keep the temporary directory (keys, configuration, bundle, meter state) at the end
  --help   this help

Exit codes: 0 every step did what it should, 1 a step failed (one line says which), 2 bad usage.`;

/** The meter of the demo: IIN 600727, an 11-digit DRN whose last digit is its Luhn check digit. */
const DRN = '47500150231';
/** Fixed times make every token reproducible for a given key: the meter is made at 08:00, tokens are issued from 09:00. */
const METER_CREATED = '2025-06-01T08:00:00Z';

/** The first capture of `pattern` in a tool's output, or a clear failure naming what was expected. */
function find(result: RunResult, pattern: RegExp, what: string): string {
  const m = pattern.exec(result.stdout);
  if (m?.[1] === undefined) throw new DemoError(`\`${result.command}\` did not print ${what}`);
  return m[1];
}

function token(result: RunResult): string {
  return find(result, /^(\d{20})$/m, 'a 20-digit token');
}

async function runDemo(sh: Shell, out: (line: string) => void): Promise<void> {
  const step = (n: number, title: string) => out(`\n${n}. ${title}`);
  const note = (text: string) => out(`   → ${text}`);

  step(
    1,
    'Key pairs for the upload: the utility signs with one, the token service (KMC) receives with the other.',
  );
  out('   Generating two RSA-4096 key pairs: a few seconds each…');
  const fingerprint = (l: string) => l.startsWith('fingerprint');
  await sh.run('sts-keygen', ['rsa', '--out', 'utility'], { show: fingerprint });
  const kmc = await sh.run('sts-keygen', ['rsa', '--out', 'kmc'], { show: fingerprint });
  const kmcFingerprint = find(kmc, /^fingerprint[^:]*: (\S+)$/m, "the KMC key's fingerprint");

  step(
    2,
    'The STS configuration: a new vending key (DKGA02, STA) and a configuration file made from it, checked.',
  );
  const generated = await sh.run(
    'sts-keygen',
    ['vending-key', 'generate', '--dkga', '02', '--out', 'vending.key'],
    {
      show: (l) => l.startsWith('KCV'),
    },
  );
  const kcvGenerated = find(generated, /^KCV ([0-9A-F]{6} \(des\))$/m, 'the KCV of the vending key');
  // `config new` reads the key from its file: the key never passes through an editor or this demo.
  const made = await sh.run('sts-keygen', [
    ...['config', 'new', '--vending-key', 'vending.key', '--out', 'sts_config.yml', '--name', 'demo_utility'],
    ...['--sgc', '123456', '--tariff-index', '01', '--key-revision', '1', '--key-type', '2'],
    ...['--key-expiry', '255', '--base-date', '2014', '--ea', 'sta', '--dkga', '02', '--iin', '600727'],
  ]);
  const kcvMade = find(made, /vending key KCV ([0-9A-F]{6} \(des\))/, 'the KCV of the configuration');
  const checked = await sh.run('sts-keygen', ['config', 'check', 'sts_config.yml']);
  const kcvChecked = find(checked, /vending key KCV ([0-9A-F]{6} \(des\))/, 'the KCV of the configuration');
  if (kcvMade !== kcvGenerated || kcvChecked !== kcvGenerated)
    throw new DemoError(`config new and check show KCV ${kcvMade} and ${kcvChecked}, not ${kcvGenerated}`);

  step(
    3,
    'The upload bundle: encrypted for the KMC, signed by the utility, then opened on the receiving side.',
  );
  const bundle = await sh.run(
    'sts-keygen',
    [
      ...['bundle', '--config', 'sts_config.yml', '--signing-key', 'utility/key.pem'],
      ...['--recipient', 'kmc/public.pub', '--out', 'bundle'],
    ],
    { show: (l) => /^bundle|^\s+encrypted_|^config:|^self-check/.test(l) },
  );
  const sentSha = find(bundle, /SHA-256 ([0-9a-f]{64})/, 'the SHA-256 of the configuration');
  const opened = await sh.run('sts-keygen', [
    ...['bundle', 'open', '--dir', 'bundle', '--recipient-key', 'kmc/key.pem'],
    ...['--signer', 'utility/public.pub', '--out', 'received.yml'],
  ]);
  const receivedSha = find(opened, /SHA-256 ([0-9a-f]{64})/, 'the SHA-256 of the configuration');
  const kcvReceived = find(opened, /vending key KCV ([0-9A-F]{6} \(des\))/, 'the KCV of the configuration');
  if (receivedSha !== sentSha || kcvReceived !== kcvGenerated) {
    throw new DemoError('the opened configuration differs from the one sent (SHA-256 or KCV)');
  }
  note(
    `the KMC holds the configuration sent: same SHA-256 ${sentSha.slice(0, 16)}…, same KCV ${kcvReceived}`,
  );

  step(4, `A meter: the simulator, made from the received configuration, number ${DRN} (IIN 600727).`);
  await sh.run('sts-meter', [
    ...['init', '--state', 'meter.json', '--config', 'received.yml'],
    ...['--drn', DRN, '--now', METER_CREATED],
  ]);

  step(5, 'Tokens for that meter, vended from the received configuration.');
  const vend = (type: string, cfg: string, time: string, ...value: string[]) =>
    sh.run('sts-vend', [
      'token',
      type,
      '--config',
      cfg,
      '--drn',
      DRN,
      '--time',
      time,
      '--random',
      '5',
      ...value,
    ]);
  const credit = token(await vend('electricity', 'received.yml', '2025-06-01T09:00:00Z', '--amount', '25.5'));
  const factor = token(
    await vend('water-meter-factor', 'received.yml', '2025-06-01T09:01:00Z', '--factor', '1000'),
  );
  out(
    '   A key change to a new configuration (tariff index 02, key revision 2), made from the first, checked:',
  );
  await sh.run('sts-keygen', [
    ...['config', 'new', '--from', 'sts_config.yml', '--vending-key', 'vending.key'],
    ...[
      '--name',
      'demo_utility_ti02',
      '--tariff-index',
      '02',
      '--key-revision',
      '2',
      '--out',
      'new_config.yml',
    ],
  ]);
  await sh.run('sts-keygen', ['config', 'check', 'new_config.yml']);
  const keyChange = await sh.run('sts-vend', [
    ...['token', 'key-change', '--config', 'received.yml'],
    ...['--new-config', 'new_config.yml', '--drn', DRN],
  ]);
  const keyChangeTokens = keyChange.stdout.split('\n').filter((l) => /^\d{20}$/.test(l));
  if (keyChangeTokens.length !== 2) throw new DemoError(`\`${keyChange.command}\` did not print 2 tokens`);
  const newCredit = token(
    await vend('electricity', 'new_config.yml', '2025-06-01T09:05:00Z', '--amount', '10'),
  );

  step(6, 'The meter accepts the credit and the water meter factor.');
  await sh.run('sts-meter', [
    'enter',
    '--state',
    'meter.json',
    '--now',
    '2025-06-01T10:00:00Z',
    credit,
    factor,
  ]);

  step(7, 'The same credit token entered again is refused: each token works once.');
  const replay = await sh.run(
    'sts-meter',
    ['enter', '--state', 'meter.json', '--now', '2025-06-01T10:01:00Z', credit],
    {
      expectExit: 1,
    },
  );
  if (!/\bused\b/i.test(replay.stdout))
    throw new DemoError(`\`${replay.command}\` did not say the token was used`);

  step(
    8,
    'The key change, then the credit under the new key; tokens of the old key are refused from now on.',
  );
  await sh.run('sts-meter', [
    ...['enter', '--state', 'meter.json', '--now', '2025-06-01T10:05:00Z'],
    ...keyChangeTokens,
    newCredit,
  ]);
  out('   A token of the old key no longer even decodes (its CRC fails under the new key):');
  await sh.run('sts-meter', ['enter', '--state', 'meter.json', '--now', '2025-06-01T10:06:00Z', factor], {
    expectExit: 1,
  });
  const shown = await sh.run('sts-meter', ['show', '--state', 'meter.json'], {
    show: (l) => /^(meter|key |electricity |tariff rate|key change)/.test(l),
  });
  const expected: Array<[RegExp, string]> = [
    [/^electricity\s+35\.5$/m, 'electricity 35.5'],
    [/KRN 2 .*TI 02/, 'KRN 2 and TI 02'],
    [/water meter factor 1000\b/, 'water meter factor 1000'],
  ];
  for (const [pattern, what] of expected) {
    if (!pattern.test(shown.stdout)) throw new DemoError(`the meter does not show ${what}`);
  }
  note('35.5 kWh of credit (25.5 + 10), water meter factor 1000, the new key (TI 02, KRN 2) installed');

  await serviceSteps({
    sh,
    out,
    step,
    note,
    kmcFingerprint,
    kcv: kcvGenerated,
    meterCreated: METER_CREATED,
    first: 9,
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let keep: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    keep = values.keep === true;
  } catch (e) {
    process.stderr.write(`sts-demo: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }

  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'sts-demo-'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    process.stderr.write(`sts-demo: failed: cannot create a temporary directory in ${tmpdir()}: ${code}\n`);
    return 1;
  }
  const out = (line: string) => console.log(line);
  const sh = new Shell(dir, out);
  const cleanUp = async () => {
    if (!keep) await rm(dir, { recursive: true, force: true });
  };
  // Interrupted: stop the running tool, let it remove its partial outputs, then remove the directory.
  let interruptedExitCode: number | undefined;
  const onSignal = (signal: NodeJS.Signals, code: number) =>
    process.once(signal, () => {
      interruptedExitCode = code;
      sh.signal(signal);
      void sh
        .settled()
        .then(cleanUp)
        .finally(() => process.exit(code));
    });
  onSignal('SIGINT', 130);
  onSignal('SIGTERM', 143);

  out('STS toolkit demo: from key ceremony to a meter, with the real command-line tools.');
  out(`Working directory: ${dir} (${keep ? 'kept at the end' : 'removed at the end; --keep keeps it'})`);
  out('The commands below run there; to repeat them, keep it (--keep), cd there and define:');
  const tools: ToolName[] = ['sts-keygen', 'sts-vend', 'sts-meter', 'sts-service'];
  out(`  alias ${tools.map((t) => `${t}='node ${binPath(t)}'`).join(' ')}`);
  try {
    await runDemo(sh, out);
  } catch (e) {
    await sh.settled();
    await cleanUp();
    // Interrupted: the tool that was running failed because of the signal; that is not news.
    if (interruptedExitCode !== undefined) return interruptedExitCode;
    if (e instanceof DemoError) {
      process.stderr.write(`sts-demo: failed: ${e.message}${keep ? '' : ' (--keep keeps the files)'}\n`);
      return 1;
    }
    process.stderr.write(
      `sts-demo: internal error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`,
    );
    return 70;
  }
  await cleanUp();
  out(`\nDone: every step did what it should. ${keep ? `Files kept in ${dir}` : `Removed ${dir}.`}`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
