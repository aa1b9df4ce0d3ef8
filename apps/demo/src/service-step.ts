// The demo's token-service steps: sts-service on the demo's folder with the KMC's key pair, the ceremony's
// bundles uploaded through the sts-client SDK, tokens over the API into a second meter (issue 11).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Configuration, isStsApiError, StsClient, type Token, type TokenRequest } from 'sts-client';
import { DemoError, type Shell } from './shell.ts';

/** The API key and secret as `credentials create --json` prints them (0600), for sts-vend --credentials. */
const CREDENTIALS = 'api.json';

/** The second meter, served by the token service only: IIN 600727, Luhn check digit last. */
export const SERVICE_DRN = '47500150249';

export interface ServiceStepInput {
  sh: Shell;
  out: (line: string) => void;
  step: (n: number, title: string) => void;
  note: (text: string) => void;
  /** The KMC's fingerprint, as `sts-keygen rsa` printed it: the service must show the same one. */
  kmcFingerprint: string;
  /** The vending key's KCV (`XXXXXX (des)`), as generated. */
  kcv: string;
  /** When the meters were made (the second one too). */
  meterCreated: string;
  /** The number of the first of these steps. */
  first: number;
}

/** What an SDK call looks like in the output: the TypeScript a user would write. */
function showCall(out: (line: string) => void, code: string): void {
  out(`   > ${code}`);
}

/** The three (or five) files of a bundle folder, as `configurations.upload` takes them. */
async function bundleFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of await readdir(dir)) files[name] = await readFile(join(dir, name), 'utf8');
  return files;
}

function firstToken(tokens: Token[], what: string): string {
  const t = tokens[0]?.tokenNo;
  if (t === undefined || !/^\d{20}$/.test(t))
    throw new DemoError(`the service did not answer ${what} with a token`);
  return t;
}

export async function serviceSteps(input: ServiceStepInput): Promise<void> {
  const { sh, step, note, first } = input;
  step(
    first,
    "The token service: sts-service receives bundles with the KMC's key pair, and gives the utility an API key.",
  );
  const init = await sh.run('sts-service', ['init', '--data', 'service', '--rsa-key', 'kmc/key.pem'], {
    show: (l) => l.startsWith('fingerprint'),
  });
  if (!init.stdout.includes(`fingerprint ${input.kmcFingerprint}`))
    throw new DemoError("sts-service init does not show the KMC's fingerprint");
  // The secret is printed once by the command; the demo keeps it (and sts-vend's 0600 file) and never shows it.
  const created = await sh.run(
    'sts-service',
    ['credentials', 'create', '--data', 'service', '--name', 'utility', '--json'],
    { show: () => false },
  );
  const credential = JSON.parse(created.stdout) as { key: string; secret: string };
  await writeFile(join(sh.cwd, CREDENTIALS), created.stdout, { mode: 0o600, flag: 'wx' });
  note(
    `API key ${credential.key}; its secret is kept in ${CREDENTIALS} (0600) for the SDK and sts-vend, never shown`,
  );
  const server = await sh.background('sts-service', ['serve', '--data', 'service', '--port', '0']);
  const url = /^listening on (http:\/\/\S+)$/.exec(server.firstLine)?.[1];
  if (url === undefined) throw new DemoError(`sts-service serve printed ${server.firstLine}`);
  try {
    await throughService(input, new StsClient({ host: url, ...credential }), url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const code = await server.stop();
  if (code !== 0) throw new DemoError(`sts-service serve exited with ${code} on SIGTERM (expected 0)`);
  note('sts-service stopped on SIGTERM (exit 0): its keys wiped, the ledger kept in service/');
}

async function throughService(input: ServiceStepInput, client: StsClient, url: string): Promise<void> {
  const { sh, out, step, note, first } = input;
  step(
    first + 1,
    "Upload through the SDK (sts-client): the utility's public key, then both bundles; the service shows KCVs, never keys.",
  );
  showCall(
    out,
    "await client.publicKeys.create({ name: 'utility', key: utilityPublicPem, activated: true })",
  );
  const signer = await client.publicKeys.create({
    name: 'utility',
    key: await readFile(join(sh.cwd, 'utility/public.pub'), 'utf8'),
    activated: true,
  });
  out(`     ${signer.ref}  fingerprint ${String(signer.record.fingerprint)}`);
  await sh.run(
    'sts-keygen',
    [
      ...['bundle', '--config', 'new_config.yml', '--signing-key', 'utility/key.pem'],
      ...['--recipient', 'kmc/public.pub', '--out', 'bundle_ti02'],
    ],
    { show: (l) => l.startsWith('bundle') },
  );
  const upload = async (dir: string): Promise<Configuration> => {
    showCall(out, `await client.configurations.upload(filesOf('${dir}'))`);
    const c = await client.configurations.upload(await bundleFiles(join(sh.cwd, dir)));
    const kcv = `${String(c.record.vending_key_kcv)} (${String(c.record.vending_key_kcv_method)})`;
    out(`     ${c.ref}  ${c.name ?? ''}  vending key KCV ${kcv}`);
    if (kcv !== input.kcv) throw new DemoError(`the service shows KCV ${kcv} for ${dir}, not ${input.kcv}`);
    return c;
  };
  const current = await upload('bundle');
  const next = await upload('bundle_ti02');

  step(first + 2, `Tokens over the API for a second meter, ${SERVICE_DRN}; the meter accepts a credit once.`);
  await sh.run('sts-meter', [
    ...['init', '--state', 'meter2.json', '--config', 'received.yml'],
    ...['--drn', SERVICE_DRN, '--now', input.meterCreated],
  ]);
  /** The request as the TypeScript that makes it, shown above its answer. */
  const call = (request: TokenRequest, comment = ''): void =>
    showCall(
      out,
      `await client.tokens.create({ ${Object.entries(request)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? `'${v}'` : String(v)}`)
        .join(', ')} })${comment === '' ? '' : `  // ${comment}`}`,
    );
  const create = async (request: TokenRequest): Promise<Token[]> => {
    call(request);
    const tokens = await client.tokens.create(request);
    for (const t of tokens) out(`     ${t.tokenNo}  ${t.tokenType}  TID ${t.tid ?? '—'}  ${t.ref}`);
    return tokens;
  };
  /** A request the service must refuse with 409: shown with the service's one line. */
  const refused = async (request: TokenRequest, comment: string): Promise<void> => {
    call(request, comment);
    try {
      await client.tokens.create(request);
    } catch (error) {
      if (!isStsApiError(error) || error.status !== 409) throw error;
      out(`     refused: HTTP ${error.status} ${error.code}: ${error.message}`);
      return;
    }
    throw new DemoError(`the service answered a request it must refuse (${comment})`);
  };
  const meter = { drn: SERVICE_DRN, randomNo: 5 };
  const credit = firstToken(
    await create({
      type: 'electricity',
      configRef: current.ref,
      ...meter,
      tokenId: '2025-06-01T09:00',
      amount: 25.5,
    }),
    'the credit',
  );
  await sh.run('sts-meter', ['enter', '--state', 'meter2.json', '--now', '2025-06-01T10:00:00Z', credit]);
  const replay = await sh.run(
    'sts-meter',
    ['enter', '--state', 'meter2.json', '--now', '2025-06-01T10:01:00Z', credit],
    { expectExit: 1 },
  );
  if (!/\bused\b/i.test(replay.stdout))
    throw new DemoError(`\`${replay.command}\` did not say the token was used`);
  await refused(
    { type: 'electricity', configRef: current.ref, ...meter, tokenId: '2025-06-01T09:00', amount: 5 },
    'the same minute again',
  );
  note(
    'a replay is refused twice over: by the meter (Used), and by the service, which never issues a TID twice',
  );

  step(
    first + 3,
    'A key change through the service, to the uploaded TI 02 configuration, then a credit under it.',
  );
  const keyChange = await create({
    type: 'key-change',
    configRef: current.ref,
    drn: SERVICE_DRN,
    newConfigRef: next.ref,
  });
  if (keyChange.length !== 2) throw new DemoError(`the key change gave ${keyChange.length} tokens, not 2`);
  await refused({ type: 'electricity', configRef: current.ref, ...meter, amount: 1 }, 'the old key');
  out('   The credit under the new key from the command line: sts-vend as before, the key in the service:');
  const vended = await sh.run('sts-vend', [
    ...['token', 'electricity', '--service', url, '--credentials', CREDENTIALS],
    ...['--config-ref', next.ref, '--drn', SERVICE_DRN, '--time', '2025-06-01T09:05:00Z', '--random', '5'],
    ...['--amount', '10'],
  ]);
  const newCredit = /^(\d{20})$/m.exec(vended.stdout)?.[1];
  if (newCredit === undefined) throw new DemoError(`\`${vended.command}\` did not print a token`);
  await sh.run('sts-meter', [
    ...['enter', '--state', 'meter2.json', '--now', '2025-06-01T10:05:00Z'],
    ...keyChange.map((t) => t.tokenNo),
    newCredit,
  ]);
  const shown = await sh.run('sts-meter', ['show', '--state', 'meter2.json'], {
    show: (l) => /^(meter|key |electricity )/.test(l),
  });
  if (!/^electricity\s+35\.5$/m.test(shown.stdout) || !/KRN 2 .*TI 02/.test(shown.stdout))
    throw new DemoError('the second meter does not show 35.5 kWh under KRN 2, TI 02');
  note('35.5 kWh (25.5 + 10) under the new key (TI 02, KRN 2): every token came from the service');
}
