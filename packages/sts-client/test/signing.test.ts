// Nectar request signing against the headers Nectar's own Java and Python SDKs produced (vectors/nectar-signing.json),
// the leading-zero rule, the query rule, tampering of every signed field, and sign → verify round trips.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  md5Hex,
  newNonce,
  parseAuthorization,
  type SignRequestParams,
  signRequest,
  verifySignature,
} from '../src/index.ts';

interface SignatureVector {
  name: string;
  sdk: 'java' | 'python';
  input: SignRequestParams & { body: string };
  headers: Record<'Authorization' | 'Content-MD5' | 'Content-Type' | 'Date' | 'nonce', string>;
  signatureHex: string;
  source: string;
}
const { signatures }: { signatures: SignatureVector[] } = JSON.parse(
  readFileSync(new URL('../../../vectors/nectar-signing.json', import.meta.url), 'utf8'),
);
/** The SIGNATURE of `SCHEME KEY:SIGNATURE`, cut by hand (not with the parser under test). */
const sentSignature = (v: SignatureVector) =>
  v.headers.Authorization.slice(v.headers.Authorization.indexOf(':') + 1);
/** What a server passes: the URL's path without its query. */
const verifyParams = (v: SignatureVector) => ({
  method: v.input.method,
  path: v.input.path.split('?')[0]!,
  contentMd5: v.headers['Content-MD5'],
  contentType: v.headers['Content-Type'],
  date: v.headers.Date,
  nonce: v.headers.nonce,
  secret: v.input.secret,
  signature: sentSignature(v),
});
const withLeadingZeros = signatures.filter((v) => v.signatureHex.length === 64);
const javaDroppedZeros = signatures.filter((v) => v.signatureHex.length < 64);

test('the vectors cover both SDKs and signatures with one and two dropped zero nibbles', () => {
  expect(new Set(signatures.map((v) => v.sdk))).toEqual(new Set(['java', 'python']));
  expect(new Set(javaDroppedZeros.map((v) => v.signatureHex.length))).toEqual(new Set([62, 63]));
});

describe('md5Hex is the Content-MD5 both SDKs send', () => {
  test.each(signatures)('$name', (v) => {
    expect(md5Hex(v.input.body)).toBe(v.headers['Content-MD5']);
    expect(md5Hex(new TextEncoder().encode(v.input.body))).toBe(v.headers['Content-MD5']);
  });
  test('of the empty body (GET, DELETE)', () => expect(md5Hex('')).toBe('D41D8CD98F00B204E9800998ECF8427E'));
});

describe('signRequest gives the SDKs’ headers wherever they keep the 64 hex digits', () => {
  test.each(withLeadingZeros)('$name', async (v) => {
    const headers = await signRequest(v.input);
    expect(headers).toEqual({
      ...v.headers,
      Authorization: `nectar ${v.input.key}:${sentSignature(v)}`, // the Python SDK writes the scheme as NECTAR
    });
  });
  test.each(javaDroppedZeros)('keeps the leading zeros the Java SDK drops: $name', async (v) => {
    const headers = await signRequest(v.input);
    const signature = headers.Authorization!.slice(headers.Authorization!.indexOf(':') + 1);
    expect(atob(signature)).toBe(v.signatureHex.padStart(64, '0'));
  });
});

describe('verifySignature accepts every signature Nectar’s SDKs sent', () => {
  test.each(signatures)('$name', async (v) => {
    expect(await verifySignature(verifyParams(v))).toBe(true);
  });
  test.each(javaDroppedZeros)('and the same request with the zeros kept: $name', async (v) => {
    const padded = btoa(v.signatureHex.padStart(64, '0'));
    expect(await verifySignature({ ...verifyParams(v), signature: padded })).toBe(true);
  });
});

const pythonWithQuery = signatures.find((v) => v.input.path.includes('?'))!;
describe('the query is not signed', () => {
  const path = pythonWithQuery.input.path.slice(0, pythonWithQuery.input.path.indexOf('?'));
  test('the path alone verifies what the Python SDK signed for a path with a query', async () => {
    expect(await verifySignature({ ...verifyParams(pythonWithQuery), path })).toBe(true);
  });
  test('verifySignature takes the path as given: with the query it does not verify', async () => {
    expect(
      await verifySignature({ ...verifyParams(pythonWithQuery), path: pythonWithQuery.input.path }),
    ).toBe(false);
  });
  test('signRequest leaves the query out', async () => {
    const headers = await signRequest(pythonWithQuery.input);
    expect(headers.Authorization).toBe(
      `nectar ${pythonWithQuery.input.key}:${sentSignature(pythonWithQuery)}`,
    );
  });
});

const reference = signatures.find((v) => v.sdk === 'java' && v.input.method === 'POST')!;
describe('verifySignature refuses any change to a signed field', () => {
  test.each([
    { field: 'method', change: { method: 'PUT' } },
    { field: 'path', change: { path: '/v1/token' } },
    { field: 'contentMd5', change: { contentMd5: md5Hex('{}') } },
    { field: 'contentType', change: { contentType: 'text/plain' } },
    { field: 'date', change: { date: 'Wed Dec 02 08:27:02 UTC 2026' } },
    { field: 'nonce', change: { nonce: `${reference.headers.nonce.slice(0, -1)}0` } },
    { field: 'secret', change: { secret: `${reference.input.secret}x` } },
  ])('$field', async ({ change }) => {
    expect(await verifySignature({ ...verifyParams(reference), ...change })).toBe(false);
  });
});

describe('verifySignature refuses malformed signatures without throwing', () => {
  const hex = reference.signatureHex;
  test.each([
    { what: 'upper-case hex', signature: btoa(hex.toUpperCase()) },
    { what: 'a 65th digit', signature: btoa(`0${hex.padStart(64, '0')}`) },
    { what: 'the raw hex instead of its base64', signature: hex },
    { what: 'base64 of the raw HMAC bytes', signature: btoa(String.fromCharCode(...hexBytes(hex))) },
    { what: 'an empty signature', signature: '' },
    { what: 'base64 without its padding', signature: btoa(hex).replace(/=+$/, '') },
    { what: 'white space after it', signature: `${btoa(hex)} ` },
    { what: 'a huge value', signature: 'A'.repeat(100_000) },
  ])('$what', async ({ signature }) => {
    expect(await verifySignature({ ...verifyParams(reference), signature })).toBe(false);
  });
});

describe('parseAuthorization', () => {
  test.each(signatures)('reads the header $name', (v) => {
    expect(parseAuthorization(v.headers.Authorization)).toEqual({
      key: v.input.key,
      signature: sentSignature(v),
    });
  });
  test.each([
    'nectar key-without-signature',
    'Bearer abc:def',
    'nectar :sig',
    'nectar key:',
    'nectar a:b c',
    '',
    `nectar k:${'A'.repeat(600)}`,
  ])('refuses %j', (header) => expect(parseAuthorization(header)).toBeUndefined());
  test('refuses a missing header', () => expect(parseAuthorization(null)).toBeUndefined());
});

describe('bad arguments are named', () => {
  const ok = reference.input;
  test.each([
    { change: { key: '' }, error: 'key must not be empty' },
    { change: { key: 'a:b' }, error: 'key must not contain a colon or white space' },
    { change: { method: '' }, error: 'method must not be empty' },
    { change: { path: 7 }, error: 'path must be a string' },
    { change: { body: 7 }, error: 'body must be a Uint8Array or a string' },
    { change: { nonce: undefined }, error: 'nonce must be a string' },
    { change: { secret: '' }, error: 'secret must not be empty' },
  ])('$error', async ({ change, error }) => {
    await expect(signRequest({ ...ok, ...(change as object) })).rejects.toThrow(error);
  });
  test('an error never carries the secret', async () => {
    const error = await signRequest({ ...ok, key: '' }).catch((e: Error) => e);
    expect(String(error)).not.toContain(ok.secret);
  });
});

test('newNonce gives 32 lower-case hex digits, fresh each time', () => {
  const nonces = new Set(Array.from({ length: 100 }, newNonce));
  expect(nonces.size).toBe(100);
  for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{32}$/);
});

describe('round trips', () => {
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
    path: fc.webPath().map((p) => `/${p}`),
    body: fc.string({ unit: 'grapheme' }),
    contentType: fc.constantFrom('application/json', 'application/x-ndjson'),
    date: fc.string({ maxLength: 40 }),
    nonce: fc.stringMatching(/^[0-9a-f]{30,32}$/),
    key: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
    secret: fc.string({ minLength: 1, unit: 'grapheme' }),
  });
  test('whatever signRequest signs, verifySignature accepts, also with the leading zeros dropped', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (p) => {
        const headers = await signRequest(p);
        const parsed = parseAuthorization(headers.Authorization)!;
        const params = {
          ...p,
          contentMd5: headers['Content-MD5']!,
          signature: parsed.signature,
        };
        expect(parsed.key).toBe(p.key);
        expect(await verifySignature(params)).toBe(true);
        const javaStyle = btoa(atob(parsed.signature).replace(/^0+/, '') || '0');
        expect(await verifySignature({ ...params, signature: javaStyle })).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  test('a signature with any one hex digit changed is refused', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.nat(63), fc.nat(15), async (p, position, digit) => {
        const headers = await signRequest(p);
        const hex = atob(parseAuthorization(headers.Authorization)!.signature);
        const changed =
          hex.slice(0, position) +
          ((Number.parseInt(hex[position]!, 16) + 1 + (digit % 15)) % 16).toString(16) +
          hex.slice(position + 1);
        const params = { ...p, contentMd5: headers['Content-MD5']!, signature: btoa(changed) };
        expect(await verifySignature(params)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

function hexBytes(hex: string): number[] {
  return hex.match(/../g)!.map((pair) => Number.parseInt(pair, 16));
}
