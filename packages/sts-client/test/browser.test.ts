// The same SDK code in a browser: bundled with esbuild, run in headless Chromium (Debian's /usr/bin/chromium
// through playwright-core) against the Nectar SDK vectors and the loopback server that checks signatures.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KEY, SECRET, startServer, type TestServer } from './support/nectar-server.ts';

const vectors = readFileSync(new URL('../../../vectors/nectar-signing.json', import.meta.url), 'utf8');
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'iife',
    globalName: 'sts',
    platform: 'browser',
    target: 'es2022',
    write: false,
  });
  const script = bundle.outputFiles[0]!.text.replaceAll('</script', '<\\/script');
  server = await startServer(
    () => ({ data: { ref: 'tok-1', token_no: '12345678901234567890', created_at: '2026-12-02T08:27:00Z' } }),
    {
      '/favicon.ico': '', // asked for by the browser on its own, unsigned
      '/': `<!doctype html><meta charset="utf-8"><script>${script}</script><p>sts-client</p>`,
    },
  );
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('in Chromium: signRequest, verifySignature and md5Hex agree with the Java and Python SDK vectors', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  const problems = await page.evaluate(async (text) => {
    const sdk = (globalThis as unknown as { sts: typeof import('../src/index.ts') }).sts;
    const { signatures } = JSON.parse(text) as {
      signatures: {
        name: string;
        input: Parameters<typeof sdk.signRequest>[0];
        headers: Record<string, string>;
        signatureHex: string;
      }[];
    };
    const found: string[] = [];
    for (const v of signatures) {
      const sent = v.headers.Authorization!.slice(v.headers.Authorization!.indexOf(':') + 1);
      if (sdk.md5Hex(v.input.body) !== v.headers['Content-MD5']) found.push(`md5 ${v.name}`);
      const ok = await sdk.verifySignature({
        method: v.input.method,
        path: v.input.path.split('?')[0]!,
        contentMd5: v.headers['Content-MD5']!,
        contentType: v.headers['Content-Type']!,
        date: v.headers.Date!,
        nonce: v.headers.nonce!,
        secret: v.input.secret,
        signature: sent,
      });
      if (!ok) found.push(`verify ${v.name}`);
      if (v.signatureHex.length === 64) {
        const headers = await sdk.signRequest(v.input);
        if (headers.Authorization !== `nectar ${v.input.key}:${sent}`) found.push(`sign ${v.name}`);
      }
    }
    return found;
  }, vectors);
  expect(problems).toEqual([]);
});

test('in Chromium: a StsClient call goes out (regression: the global fetch called with the transport as this was an Illegal invocation) signed, with the date in X-Date', async () => {
  const page = await browser.newPage();
  await page.goto(`${server.url}/`);
  const tokenNo = await page.evaluate(
    async ([key, secret]) => {
      const sdk = (globalThis as unknown as { sts: typeof import('../src/index.ts') }).sts;
      const origin = (globalThis as unknown as { location: { origin: string } }).location.origin;
      const client = new sdk.StsClient({ host: origin, key: key!, secret: secret! });
      try {
        return (await client.tokens.get('tok-1')).tokenNo;
      } catch (error) {
        return `failed: ${String(error)} ${JSON.stringify(error)}`;
      }
    },
    [KEY, SECRET],
  );
  expect(tokenNo).toBe('12345678901234567890');
  expect(server.refused).toEqual([]);
  // The browser dropped the Date header the SDK set; the signed date arrived in X-Date.
  const [received] = server.received;
  expect(received!.headers.date).toBeUndefined();
  expect(received!.headers['x-date']).toMatch(/ GMT$/);
});
