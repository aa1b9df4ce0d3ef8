// The token-generator page at / (src/page/): static files plus sts-client's request signing bundled for the
// browser by esbuild, so the page signs with the one implementation the SDK and the service use. Strict CSP.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { pageHeaders } from 'sts-cli-kit';

const FILES: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/generator.css': ['generator.css', 'text/css; charset=utf-8'],
  '/generator.js': ['generator.js', 'text/javascript; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};
const SIGNING_PATH = '/signing.js';

/** What the browser imports: the signing functions of sts-client, nothing of the SDK around them. */
const SIGNING_ENTRY = "export { md5Hex, newNonce, signRequest } from 'sts-client';\n";

interface Asset {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Whether `path` is one of the page's files (answered without a signature, GET only). */
export function isPagePath(path: string): boolean {
  return path in FILES || path === SIGNING_PATH;
}

let assets: Promise<ReadonlyMap<string, Asset>> | undefined;

/** Sends a file of the page; the files are read and the signing bundle built once, on the first request. */
export async function sendPageFile(res: ServerResponse, path: string): Promise<void> {
  assets ??= loadAssets().catch((e: unknown) => {
    assets = undefined;
    throw e;
  });
  const asset = (await assets).get(path)!;
  res.writeHead(200, asset.headers);
  res.end(asset.body);
}

async function loadAssets(): Promise<ReadonlyMap<string, Asset>> {
  const files = new Map<string, Asset>();
  for (const [path, [file, type]] of Object.entries(FILES)) {
    files.set(path, asset(readFileSync(new URL(`../page/${file}`, import.meta.url)), type));
  }
  files.set(SIGNING_PATH, asset(await signingBundle(), 'text/javascript; charset=utf-8'));
  return files;
}

/** sts-client's signing as one browser ES module (WebCrypto for HMAC, @noble/hashes for MD5). */
async function signingBundle(): Promise<Buffer> {
  const esbuild = await import('esbuild');
  try {
    const built = await esbuild.build({
      stdin: {
        contents: SIGNING_ENTRY,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
    return Buffer.from(built.outputFiles[0]!.contents);
  } finally {
    await esbuild.stop();
  }
}

function asset(body: Buffer, type: string): Asset {
  return { body, headers: pageHeaders(type, body.length) };
}
