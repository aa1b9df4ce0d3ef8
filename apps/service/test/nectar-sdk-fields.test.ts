// The request forms Nectar's Java SDK sends (issue 10: its SDKs work by changing only the host), over real
// HTTP: `control` as a JSON string, `manufacturer_code` as a JSON number, `ro` as 0/1; bad values get 400.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONFIG_2014, type Fixture, startFixture, tokensOf, upload } from './fixture.ts';
import { call } from './helpers.ts';

let f: Fixture;
let cfg: string;
let next: string;
const DRN = '47500150231';

beforeAll(async () => {
  f = await startFixture();
  cfg = await upload(f, f.a, CONFIG_2014);
  next = await upload(f, f.a, {
    ...CONFIG_2014,
    name: 'next',
    vending_key: 'cdcdcdcdcdcdcdcd',
    key_revision_no: 2,
  });
});
afterAll(async () => {
  await f?.cleanup();
});

const testDisplay = (subclass: '0' | '1', fields: Record<string, unknown>) => ({
  class: '1',
  subclass,
  type: 'native',
  decoder_reference_number: DRN,
  config_ref: cfg,
  ...fields,
});

const keyChange = (meter: string, fields: Record<string, unknown>) => ({
  class: '2',
  subclass: '3',
  type: 'native',
  decoder_reference_number: meter,
  config_ref: cfg,
  new_config_ref: next,
  ...fields,
});

const post = (body: Record<string, unknown>) => call(f.server, f.a, 'POST', '/v1/tokens', body);

const decode = async (tokenNo: string): Promise<Record<string, unknown>> => {
  const r = await call(f.server, f.a, 'POST', `/v1/tokens/${tokenNo}`, {
    decoder_reference_number: DRN,
    config_ref: cfg,
  });
  expect(r.status, r.text).toBe(200);
  return r.body.data!.data as Record<string, unknown>;
};

describe('class 1: control as a string, manufacturer_code as a number (Java SDK)', () => {
  // Expected tokens: vectors/sts-public.json v007 and v008 (NectarAPI/tokens-service CTSA02 steps 1 and 2).
  test.each([
    {
      form: 'control string, code number',
      sub: '0',
      control: '68719476735',
      code: 0,
      token: '56493153725450313471',
    },
    {
      form: 'control number, code number',
      sub: '0',
      control: 68719476735,
      code: 0,
      token: '56493153725450313471',
    },
    {
      form: 'control string, code text',
      sub: '0',
      control: '68719476735',
      code: '00',
      token: '56493153725450313471',
    },
    {
      form: 'control string, code number',
      sub: '1',
      control: '268435455',
      code: 0,
      token: '02305843005052951967',
    },
    {
      form: 'control number, code text',
      sub: '1',
      control: 268435455,
      code: '0000',
      token: '02305843005052951967',
    },
  ] as const)('subclass $sub, $form: the CTSA02 token', async ({ sub, control, code, token }) => {
    const t = tokensOf(await post(testDisplay(sub, { control, manufacturer_code: code })));
    expect(t.map((x) => x.token_no)).toEqual([token]);
  });

  test.each([
    { sub: '0', code: 7, text: '07' },
    { sub: '0', code: 99, text: '99' },
    { sub: '1', code: 42, text: '0042' },
    { sub: '1', code: 9999, text: '9999' },
  ] as const)(
    'subclass $sub: manufacturer_code $code is zero-padded to $text: the token of the text form',
    async ({ sub, code, text }) => {
      const [byNumber] = tokensOf(await post(testDisplay(sub, { control: '5', manufacturer_code: code })));
      const [byText] = tokensOf(await post(testDisplay(sub, { control: 5, manufacturer_code: text })));
      expect(byNumber!.token_no).toBe(byText!.token_no);
      expect(await decode(byNumber!.token_no)).toMatchObject({
        control: 5,
        manufacturerCode: text,
        crcOk: true,
      });
    },
  );

  test.each([
    {
      what: 'manufacturer_code over 2 digits',
      sub: '0',
      fields: { control: 1, manufacturer_code: 100 },
      code: 'invalid-field',
      message: 'manufacturer_code must be a whole number 0..99 (2 digits) for class 1 subclass 0, got 100',
    },
    {
      what: 'manufacturer_code over 4 digits',
      sub: '1',
      fields: { control: 1, manufacturer_code: 10000 },
      code: 'invalid-field',
      message:
        'manufacturer_code must be a whole number 0..9999 (4 digits) for class 1 subclass 1, got 10000',
    },
    {
      what: 'a negative manufacturer_code',
      sub: '0',
      fields: { control: 1, manufacturer_code: -1 },
      code: 'invalid-field',
      message: 'manufacturer_code must be a whole number 0..99 (2 digits) for class 1 subclass 0, got -1',
    },
    {
      what: 'a fractional manufacturer_code',
      sub: '1',
      fields: { control: 1, manufacturer_code: 1.5 },
      code: 'invalid-field',
      message: 'manufacturer_code must be a whole number 0..9999 (4 digits) for class 1 subclass 1, got 1.5',
    },
    {
      what: 'manufacturer_code text of the wrong width (refused as before)',
      sub: '0',
      fields: { control: 1, manufacturer_code: '5' },
      code: 'invalid-manufacturer-code',
      message: 'manufacturerCode must be 2 digits for test-display-1, got "5"',
    },
    {
      what: 'manufacturer_code as a boolean (refused as before)',
      sub: '0',
      fields: { control: 1, manufacturer_code: true },
      code: 'invalid-field',
      message: 'manufacturer_code must be a string, got a boolean',
    },
    {
      what: 'no manufacturer_code (refused as before)',
      sub: '0',
      fields: { control: 1 },
      code: 'missing-field',
      message: 'manufacturer_code is required for InitiateMeterTestOrDisplay1_10',
    },
    {
      what: 'control text that is not digits',
      sub: '0',
      fields: { control: '12x', manufacturer_code: 0 },
      code: 'invalid-field',
      message: 'control must be a number or a string of up to 15 digits, got "12x"',
    },
    {
      what: 'control text with a sign',
      sub: '0',
      fields: { control: '-1', manufacturer_code: 0 },
      code: 'invalid-field',
      message: 'control must be a number or a string of up to 15 digits, got "-1"',
    },
    {
      what: 'control text of 16 digits',
      sub: '0',
      fields: { control: '1234567890123456', manufacturer_code: 0 },
      code: 'invalid-field',
      message: 'control must be a number or a string of up to 15 digits, got "1234567890123456"',
    },
    {
      what: 'control text longer than 20 characters (not echoed)',
      sub: '0',
      fields: { control: 'x'.repeat(5000), manufacturer_code: 0 },
      code: 'invalid-field',
      message: 'control must be a number or a string of up to 15 digits, got a string',
    },
    {
      what: 'control as an object',
      sub: '0',
      fields: { control: {}, manufacturer_code: 0 },
      code: 'invalid-field',
      message: 'control must be a number or a string of up to 15 digits, got an object',
    },
    {
      what: 'control text over 36 bits',
      sub: '0',
      fields: { control: '68719476736', manufacturer_code: 0 },
      code: 'invalid-control',
      message: 'control must be an integer 0..68719476735 (36 bits) for test-display-1, got 68719476736',
    },
    {
      what: 'control text over 28 bits',
      sub: '1',
      fields: { control: '268435456', manufacturer_code: 0 },
      code: 'invalid-control',
      message: 'control must be an integer 0..268435455 (28 bits) for test-display-2, got 268435456',
    },
    {
      what: 'a fractional control number (refused as before)',
      sub: '0',
      fields: { control: 1.5, manufacturer_code: 0 },
      code: 'invalid-control',
      message: 'control must be an integer 0..68719476735 (36 bits) for test-display-1, got 1.5',
    },
  ] as const)('$what is 400 $code', async ({ sub, fields, code, message }) => {
    const r = await post(testDisplay(sub, fields));
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code, message });
    expect(r.body.status.code).toBe(400);
  });
});

describe('key change: ro as 0 or 1 (Java SDK)', () => {
  // Each key change moves its meter to `next`: one meter per row.
  test.each([
    { ro: 1, meter: '11111111115', rollover: true },
    { ro: 0, meter: '22222222220', rollover: false },
    { ro: true, meter: '33333333335', rollover: true },
    { ro: 'false', meter: '55555555550', rollover: false },
  ] as const)(
    'ro $ro sets the rollover bit of the first key-change token to $rollover',
    async ({ ro, meter, rollover }) => {
      const t = tokensOf(await post(keyChange(meter, { ro })));
      expect(t.map((x) => x.token_type)).toEqual([
        'Set1stSectionDecoderKey_23',
        'Set2ndSectionDecoderKey_24',
      ]);
      const r = await call(f.server, f.a, 'POST', `/v1/tokens/${t[0]!.token_no}`, {
        decoder_reference_number: meter,
        config_ref: cfg,
      });
      expect(r.body.data!.data).toMatchObject({ section: 1, rollover, crcOk: true });
    },
  );

  test.each([
    { ro: 2, message: 'ro must be true, false, 0 or 1, got 2' },
    { ro: -1, message: 'ro must be true, false, 0 or 1, got -1' },
    { ro: 0.5, message: 'ro must be true, false, 0 or 1, got 0.5' },
    { ro: '1', message: 'ro must be true, false, 0 or 1, got a string' },
    { ro: [], message: 'ro must be true, false, 0 or 1, got an array' },
  ])('ro $ro is 400 invalid-field, and the meter stays on its configuration', async ({ ro, message }) => {
    const meter = '01234567897';
    const r = await post(keyChange(meter, { ro }));
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: 'invalid-field', message });
    const credit = await post({
      class: '0',
      subclass: '0',
      type: 'native',
      amount: 1,
      decoder_reference_number: meter,
      config_ref: cfg,
    });
    expect(credit.status, credit.text).toBe(200);
  });
});

test('/openapi.json documents both forms of control, manufacturer_code and ro', async () => {
  const doc = (await (await fetch(`${f.server.url}/openapi.json`)).json()) as {
    components: { schemas: { TokenRequest: { properties: Record<string, { type: string[] }> } } };
  };
  const p = doc.components.schemas.TokenRequest.properties;
  expect(p.control!.type).toEqual(['integer', 'string']);
  expect(p.manufacturer_code!.type).toEqual(['string', 'integer']);
  expect(p.ro!.type).toEqual(['boolean', 'integer']);
});
