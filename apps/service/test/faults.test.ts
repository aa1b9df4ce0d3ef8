// kill -9 of the server in the middle of a burst, then a restart on the same data folder: every token
// that was answered is in the ledger, no TID is issued twice to a meter, and the audit chain still holds.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CONFIG_2014, type Fixture, startFixture, type TokenView, tokensOf, upload } from './fixture.ts';
import { call, cli, type Server, startServer } from './helpers.ts';

let f: Fixture;
let cfg: string;
let restarted: Server | undefined;
const METERS = ['00000000000', '01234567897', '12345678903', '47500150231'];

beforeAll(async () => {
  f = await startFixture();
  cfg = await upload(f, f.a, CONFIG_2014);
});
afterAll(async () => {
  await restarted?.stop();
  await f?.cleanup();
});

const credit = (meter: string) => ({
  class: '0',
  subclass: '0',
  amount: 5,
  decoder_reference_number: meter,
  config_ref: cfg,
});

test('kill -9 during a burst: every answered token survives the restart and no TID is reissued', async () => {
  const answered: TokenView[] = [];
  let failures = 0;
  let killed: Promise<void> | undefined;
  // The kill goes out the moment the 60th answer arrives (answers come in bursts: one group commit
  // answers many requests at once, so polling could miss the middle of the burst).
  const burst = Array.from({ length: 800 }, (_, i) =>
    call(f.server, f.a, 'POST', '/v1/tokens', credit(METERS[i % METERS.length]!)).then(
      (r) => {
        if (r.status === 200) answered.push(...tokensOf(r));
        if (answered.length >= 60 && killed === undefined) killed = f.server.kill9();
      },
      () => {
        failures++;
      },
    ),
  );
  await Promise.all(burst);
  await killed;
  expect(killed).toBeDefined();
  expect(failures).toBeGreaterThan(0); // the kill really cut requests off
  expect(answered.length).toBeLessThan(800);

  restarted = await startServer(f.data);
  for (const t of answered) {
    const r = await call(restarted, f.a, 'GET', `/v1/tokens?ref=${t.ref}`);
    expect(r.status, t.ref).toBe(200);
    expect((r.body.data!.data as TokenView).token_no).toBe(t.token_no);
  }
  const after = await Promise.all(
    Array.from({ length: 80 }, (_, i) =>
      call(restarted!, f.a, 'POST', '/v1/tokens', credit(METERS[i % METERS.length]!)),
    ),
  );
  const issued = new Set(answered.map((t) => `${(t as unknown as { meter_no: string }).meter_no}:${t.tid}`));
  for (const r of after) {
    const t = tokensOf(r)[0] as TokenView & { meter_no: string };
    expect(issued.has(`${t.meter_no}:${t.tid}`), `${t.meter_no} TID ${t.tid} issued twice`).toBe(false);
    issued.add(`${t.meter_no}:${t.tid}`);
  }
  const audit = await cli(['audit', 'verify', '--data', f.data]);
  expect(audit.stderr).toBe('');
  expect(audit.code).toBe(0);
  // SIGTERM drains and exits 0.
  const code = await restarted.stop();
  restarted = undefined;
  expect(code).toBe(0);
});
