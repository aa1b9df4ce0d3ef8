// How the apps' browser tests start Chromium: Debian's /usr/bin/chromium through playwright-core, headless,
// with nothing reaching out of the machine (no background networking, updates, sync, QUIC or proxy).

/** Debian's Chromium, the browser the page tests run (`scripts/ensure-chromium.sh` installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Its flags: headless, no sandbox (containers), and no traffic of its own besides the page's. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-proxy-server',
];
