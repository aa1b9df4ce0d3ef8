// tokens.batch over a real signed HTTP server: JSON Lines out in bounded signed requests, answers streamed
// back in order, line numbers of the whole batch, a cut-off answer reported, memory flat over many lines.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type BatchItem, type BatchResult, batchLine, StsApiError, StsClient } from '../src/index.ts';
import { KEY, type Received, SECRET, startServer, type TestServer } from './support/nectar-server.ts';

let server: TestServer;
let client: StsClient;
beforeAll(async () => {
  server = await startServer(echo);
  client = new StsClient({ host: server.url, key: KEY, secret: SECRET, retryDelayMs: 1 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  server.refused.length = 0;
  server.respond = echo;
});

/** Answers each line with a token named after its id, or an sts-vend-style error for amount "0". */
function echo(request: Received) {
  const lines = request.body.split('\n').filter((l) => l !== '');
  return {
    ndjson: lines.map((text, i) => {
      const line = JSON.parse(text) as { id: string | number; amount?: string };
      if (line.amount === '0') {
        return `${JSON.stringify({ id: line.id, error: { code: 'invalid-amount', message: `line ${i + 1}: amount must be more than 0` } })}\n`;
      }
      return `${JSON.stringify({ id: line.id, tokens: [{ token: String(line.id).padStart(20, '0'), type: 'electricity', nectarType: 'Electricity_00', class: 0, subclass: 0, tid: 1 }] })}\n`;
    }),
  };
}

async function* requests(count: number, amount = (_: number) => '1.5'): AsyncGenerator<BatchItem> {
  for (let i = 1; i <= count; i++) {
    yield { type: 'electricity', configRef: 'cfg-1', drn: '47500150231', amount: amount(i), id: i };
  }
}

async function collect(results: AsyncIterable<BatchResult>): Promise<BatchResult[]> {
  const all: BatchResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

test('a batch line uses sts-vend’s names, with config_ref', () => {
  expect(
    batchLine(
      {
        type: 'water-meter-factor',
        configRef: 'cfg-1',
        drn: '47500150231',
        tokenId: '2018-05-16T07:29',
        randomNo: 5,
        isStid: false,
        wmFactor: 10,
        debug: true,
      },
      3,
    ),
  ).toEqual({
    id: 3,
    type: 'water-meter-factor',
    config_ref: 'cfg-1',
    drn: '47500150231',
    time: '2018-05-16T07:29:00Z',
    random: 5,
    isStid: false,
    factor: 10,
  });
  expect(
    batchLine(
      {
        type: 'electricity',
        configRef: 'c',
        drn: 'd',
        amount: 25.5,
        tokenId: new Date('2026-01-01T00:00:00Z'),
        id: 'a',
      },
      1,
    ),
  ).toEqual({
    id: 'a',
    type: 'electricity',
    config_ref: 'c',
    drn: 'd',
    amount: '25.5',
    time: '2026-01-01T00:00:00.000Z',
  });
  expect(batchLine({ type: 'key-change', configRef: 'c', drn: 'd', newConfigRef: 'c2', ro: 1 }, 1)).toEqual({
    id: 1,
    type: 'key-change',
    config_ref: 'c',
    drn: 'd',
    new_config_ref: 'c2',
    rollover: true,
  });
});

test('12 items, 5 lines a request: 3 signed requests, 12 answers in order', async () => {
  const results = await collect(client.tokens.batch(requests(12), { linesPerRequest: 5 }));
  expect(results.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  expect(server.received.map((r) => r.body.split('\n').length - 1)).toEqual([5, 5, 2]);
  expect(server.received.map((r) => [r.method, r.path, r.headers['content-type']])).toEqual(
    Array(3).fill(['POST', '/v1/tokens/batch', 'application/x-ndjson']),
  );
  expect(new Set(server.received.map((r) => r.headers['idempotency-key'])).size).toBe(3);
  expect(server.refused).toEqual([]);
});

test('a plain array works too, and ids default to positions', async () => {
  const items: BatchItem[] = [
    { type: 'gas', configRef: 'c', drn: 'd', amount: 1 },
    { type: 'gas', configRef: 'c', drn: 'd', amount: 2 },
  ];
  expect((await collect(client.tokens.batch(items))).map((r) => r.id)).toEqual([1, 2]);
});

test('bytesPerRequest bounds a request by size', async () => {
  await collect(client.tokens.batch(requests(10), { bytesPerRequest: 400 }));
  for (const request of server.received) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(400);
  expect(server.received.length).toBeGreaterThan(2);
});

test('an error line says its line in the whole batch, not in its request', async () => {
  const results = await collect(
    client.tokens.batch(
      requests(9, (i) => (i === 8 ? '0' : '1')),
      { linesPerRequest: 5 },
    ),
  );
  expect(results[7]).toEqual({
    id: 8,
    error: { code: 'invalid-amount', message: 'line 8: amount must be more than 0' },
  });
});

test('an answer cut off midway is an error naming how far it got, never retried', async () => {
  server.respond = (request) => ({ ndjson: (echo(request).ndjson as string[]).slice(0, 2) });
  const seen: BatchResult[] = [];
  const error = await (async () => {
    for await (const result of client.tokens.batch(requests(7), { linesPerRequest: 5 })) seen.push(result);
  })().catch((e: unknown) => e);
  expect(seen.map((r) => r.id)).toEqual([1, 2]);
  expect(error).toBeInstanceOf(StsApiError);
  expect((error as StsApiError).message).toBe(
    'batch answer ended after 2 of 5 lines (from line 1); those may be issued: ask again with token_id set, or look them up',
  );
  expect(server.received).toHaveLength(1);
});

test('a line after the last answer is the service’s verdict on the request, thrown after the answers', async () => {
  const verdict = {
    id: null,
    error: { code: 'content-md5-mismatch', message: 'the Content-MD5 header does not match the body' },
  };
  server.respond = (request) => ({
    ndjson: [...(echo(request).ndjson as string[]), `${JSON.stringify(verdict)}\n`],
  });
  const seen: BatchResult[] = [];
  const error = await (async () => {
    for await (const result of client.tokens.batch(requests(3))) seen.push(result);
  })().catch((e: unknown) => e);
  expect(seen).toHaveLength(3);
  expect([(error as StsApiError).code, (error as StsApiError).message]).toEqual([
    'content-md5-mismatch',
    'the Content-MD5 header does not match the body',
  ]);
});

test('a refused request rejects the batch with the service’s error', async () => {
  const wrong = new StsClient({ host: server.url, key: KEY, secret: 'wrong' });
  const error = await collect(wrong.tokens.batch(requests(3))).catch((e: unknown) => e);
  expect([(error as StsApiError).status, (error as StsApiError).code]).toEqual([401, 'unauthorized']);
});

test('a bad item is named by its position', async () => {
  const items = [
    { type: 'electricity', configRef: 'c', drn: 'd', amount: 1 },
    { type: 'nope' },
  ] as BatchItem[];
  await expect(collect(client.tokens.batch(items))).rejects.toThrow(
    'batch item 2: type "nope" is not a token type',
  );
});

describe('memory stays flat as the batch grows', () => {
  test('60 000 lines: no request over the line bound, and the client holds at most one request', async () => {
    let produced = 0;
    let largestLag = 0;
    let consumed = 0;
    async function* counted(): AsyncGenerator<BatchItem> {
      for await (const item of requests(60_000)) {
        produced++;
        largestLag = Math.max(largestLag, produced - consumed);
        yield item;
      }
    }
    for await (const _ of client.tokens.batch(counted(), { linesPerRequest: 2000 })) consumed++;
    expect(consumed).toBe(60_000);
    expect(Math.max(...server.received.map((r) => r.body.split('\n').length - 1))).toBe(2000);
    // Items are pulled only while a request is filled: the input never runs ahead by more than one request.
    expect(largestLag).toBeLessThanOrEqual(2001);
  });
});
