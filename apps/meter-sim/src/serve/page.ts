// The web keypad's static assets (page/), loaded once, with the security headers they are served under.
// Everything the page needs comes from this server: no CDN, no external font, a strict CSP.

import { readFileSync } from 'node:fs';
import { pageHeaders } from 'sts-cli-kit';

export interface Asset {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

const FILES: Record<string, [file: string, type: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/meter.css': ['meter.css', 'text/css; charset=utf-8'],
  '/meter.js': ['meter.js', 'text/javascript; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
};

/** The page's assets by URL path, read from src/serve/page/ once. */
export function loadPageAssets(): ReadonlyMap<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [path, [file, type]] of Object.entries(FILES)) {
    const body = readFileSync(new URL(`./page/${file}`, import.meta.url));
    assets.set(path, {
      body,
      headers: pageHeaders(type, body.length),
    });
  }
  return assets;
}
