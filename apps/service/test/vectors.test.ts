// Every vector of vectors/sts-public.json that names a configuration (and the class 1 ones, which need
// none) generated through the API: the same tokens as the vectors' sources and as `sts-vend --batch`.
import { readFileSync } from 'node:fs';
import { tokenTypeByName } from 'sts-token';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Fixture, startFixture, tokensOf, upload } from './fixture.ts';
import { type Credential, call, createCredential, run, sendBatch, VEND } from './helpers.ts';

interface Vector {
  name: string;
  request: Record<string, unknown>;
  expected: string[];
  source: string;
}
const ALL = JSON.parse(
  readFileSync(new URL('../../../vectors/sts-public.json', import.meta.url), 'utf8'),
) as Vector[];
/** The vectors with a decoderKey instead of a configuration cannot go through a service that holds configurations. */
const VECTORS = ALL.filter((v) => v.request.decoderKey === undefined);

let f: Fixture;
const refs = new Map<string, string>();

async function refOf(cred: Credential, config: unknown): Promise<string> {
  const id = `${cred.tenant}:${JSON.stringify(config)}`;
  let ref = refs.get(id);
  if (ref === undefined) {
    ref = await upload(f, cred, config as Record<string, unknown>);
    refs.set(id, ref);
  }
  return ref;
}

const NECTAR_FIELD: Record<string, string> = {
  amount: 'amount',
  register: 'register',
  rate: 'tariff_rate',
  pad: 'pad',
  factor: 'wm_factor',
  control: 'control',
  manufacturerCode: 'manufacturer_code',
  rollover: 'ro',
};

/** The vector's request in Nectar's form, by reference. */
async function nectarBody(
  cred: Credential,
  r: Record<string, unknown>,
  anyConfig: unknown,
): Promise<Record<string, unknown>> {
  const info = tokenTypeByName(r.type as string)!;
  const body: Record<string, unknown> = {
    class: String(info.class),
    subclass: String(info.subclass),
    type: 'native',
    decoder_reference_number: (r.drn as string | undefined) ?? '00000000000',
    config_ref: await refOf(cred, r.config ?? anyConfig),
  };
  if (r.newConfig !== undefined) body.new_config_ref = await refOf(cred, r.newConfig);
  if (typeof r.time === 'string') body.token_id = r.time.replace(/:00Z$/, '');
  if (r.random !== undefined) body.random_no = r.random;
  if (r.isStid !== undefined) body.is_stid = r.isStid;
  for (const [sts, nectar] of Object.entries(NECTAR_FIELD))
    if (r[sts] !== undefined) body[nectar] = sts === 'amount' ? Number(r[sts]) : r[sts];
  if (r.watts !== undefined)
    body[info.name === 'max-power-limit' ? 'maximum_power_limit' : 'mppul'] = r.watts;
  return body;
}

beforeAll(async () => {
  f = await startFixture();
});
afterAll(async () => {
  await f?.cleanup();
});

test('the vectors cover credit, class 1, class 2 and key-change tokens', () => {
  expect(VECTORS.length).toBe(19);
  expect(new Set(VECTORS.map((v) => v.request.type))).toContain('key-change');
});

test('every vector through POST /v1/tokens gives the expected tokens, and sts-vend --batch the same', async () => {
  const anyConfig = VECTORS.find((v) => v.request.config !== undefined)!.request.config;
  // Key changes move the meter to another configuration: they go last, the second in tenant b.
  const ordered = [
    ...VECTORS.filter((v) => v.request.type !== 'key-change'),
    ...VECTORS.filter((v) => v.request.type === 'key-change'),
  ];
  let keyChanges = 0;
  const got: string[][] = [];
  for (const v of ordered) {
    const cred = v.request.type === 'key-change' && keyChanges++ > 0 ? f.b : f.a;
    const r = await call(f.server, cred, 'POST', '/v1/tokens', await nectarBody(cred, v.request, anyConfig));
    const tokens = tokensOf(r).map((t) => t.token_no);
    expect(tokens, `${v.name} (${v.source})`).toEqual(v.expected);
    got.push(tokens);
  }
  const input = ordered.map((v) => JSON.stringify(v.request)).join('\n');
  const vend = await run(VEND, ['token', '--batch', '-'], input);
  expect(vend.code).toBe(0);
  const fromVend = vend.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { tokens: { token: string }[] }).tokens.map((t) => t.token));
  expect(got).toEqual(fromVend);
});

test('every vector but the key changes through POST /v1/tokens/batch gives the expected tokens', async () => {
  // A tenant of its own: the TIDs and key changes of the test above stay out of its ledger.
  const c = await createCredential(f.data, 'carol', ['--tenant', 'tenant-c']);
  const signer = await call(f.server, c, 'POST', '/v1/public_keys', {
    name: 'ceremony',
    key: f.signer.pubPem,
    activated: true,
  });
  expect(signer.status).toBe(200);
  const anyConfig = VECTORS.find((v) => v.request.config !== undefined)!.request.config;
  const batch = VECTORS.filter((v) => v.request.type !== 'key-change');
  const lines: string[] = [];
  for (const [i, v] of batch.entries()) {
    const { config, ...rest } = v.request;
    lines.push(JSON.stringify({ ...rest, id: i, config_ref: await refOf(c, config ?? anyConfig) }));
  }
  const r = await sendBatch(f.server, c, `${lines.join('\n')}\n`);
  expect(r.status).toBe(200);
  expect(r.lines.map((l) => l.id)).toEqual(batch.map((_, i) => i));
  for (const [i, v] of batch.entries())
    expect(
      (r.lines[i] as { tokens?: { token: string }[] }).tokens?.map((t) => t.token),
      `${v.name} (${v.source}): ${JSON.stringify(r.lines[i])}`,
    ).toEqual(v.expected);
});
