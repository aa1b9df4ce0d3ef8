// The token-generator page in headless Chromium (Debian's /usr/bin/chromium through playwright-core), against
// the real `sts-service serve` and `sts-meter serve` processes: sign in, vend, read the token, key it in on the meter.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from 'sts-cli-kit/testing';
import { configFromJson, formatStsConfig } from 'sts-config';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CONFIG_2014, type Fixture, startFixture, upload } from './fixture.ts';
import { run } from './helpers.ts';

/** Browser globals used in page functions (they run in Chromium; this project's tsconfig has no DOM lib). */
interface PageGlobals {
  document: { documentElement: { outerHTML: string } };
  localStorage: { length: number };
  sessionStorage: { length: number };
}

const METER = fileURLToPath(new URL('../../meter-sim/bin/sts-meter.js', import.meta.url));
const DRN = '47500150231';
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let f: Fixture;
let cfg: string;
let meter: ChildProcess;
let meterExit: Promise<number | null>;
let meterUrl = '';
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const cspViolations: string[] = [];

/** `sts-meter serve` on a meter made under the same configuration the service holds (its own copy of the file). */
async function startMeter(dir: string): Promise<void> {
  const parsed = configFromJson(CONFIG_2014);
  if (!parsed.ok) throw new Error('bad test configuration');
  const configFile = path.join(dir, 'meter-sts.yml');
  const state = path.join(dir, 'meter.json');
  writeFileSync(configFile, formatStsConfig(parsed.config), { mode: 0o600 });
  const init = await run(METER, [
    'init',
    '--state',
    state,
    '--config',
    configFile,
    '--drn',
    DRN,
    '--now',
    '2020-01-01T00:00:00Z',
  ]);
  if (init.code !== 0) throw new Error(init.stderr);
  meter = spawn(process.execPath, [METER, 'serve', '--state', state, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  meterExit = new Promise((resolve) => meter.on('exit', (code) => resolve(code)));
  meterUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: meter.stdout! }).on('line', (line) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(line);
      if (m) resolve(m[1]!);
    });
    void meterExit.then((code) => reject(new Error(`sts-meter serve exited ${code}`)));
  });
}

beforeAll(async () => {
  f = await startFixture();
  cfg = await upload(f, f.a, CONFIG_2014);
  await startMeter(f.dir);
  // A fresh profile in the test's temp directory: no state from another run, nothing left behind.
  context = await chromium.launchPersistentContext(path.join(f.dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 1000 },
    args: [...CHROMIUM_ARGS],
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await context?.close();
  meter?.kill('SIGTERM');
  await meterExit;
  await f?.cleanup();
});

const signInError = () => page.locator('#sign-in-error');

async function signIn(key: string, secret: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the token-generator page', () => {
  test('/ and its files are served under the strict CSP, with no external asset', async () => {
    const res = await page.goto(`${f.server.url}/`);
    expect(res!.status()).toBe(200);
    expect(res!.headers()['content-security-policy']).toBe(CSP);
    expect(res!.headers()['x-frame-options']).toBe('DENY');
    const html = await res!.text();
    expect(html).not.toMatch(/https?:\/\//);
    const signing = await fetch(`${f.server.url}/signing.js`);
    expect(signing.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(signing.headers.get('content-security-policy')).toBe(CSP);
    // The bundle is sts-client's signing, not the whole SDK.
    const text = await signing.text();
    expect(text).toContain('nectar ');
    expect(text).not.toContain('/v1/configurations');
  });

  test('a wrong secret shows one clear error and no form', async () => {
    await signIn(f.a.key, 'not-the-secret');
    await expect
      .poll(() => signInError().textContent())
      .toBe('Sign-in refused: the API key or the secret is wrong.');
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.locator('#vend-card').isHidden()).toBe(true);
    expect(await page.getByLabel('API secret').inputValue()).toBe('');
  });

  test('an unknown key shows the same error', async () => {
    await signIn('sk_nobody', f.a.secret);
    await expect
      .poll(() => signInError().textContent())
      .toBe('Sign-in refused: the API key or the secret is wrong.');
  });

  test('signed in: the configurations to pick from, the secret in no field, no storage, no page text', async () => {
    await signIn(f.a.key, f.a.secret);
    await expect.poll(() => page.locator('#vend-card').isVisible()).toBe(true);
    expect(await signInError().isHidden()).toBe(true);
    expect(await page.locator('#who-key').textContent()).toBe(f.a.key);
    expect(await page.locator('#config option').allTextContents()).toEqual([`today · ${cfg}`]);
    await expect
      .poll(() => page.locator('#config-facts').textContent())
      .toMatch(/^SGC 123456 · TI 01 · KRN 1/);
    const seen = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return {
        html: g.document.documentElement.outerHTML,
        stored: g.localStorage.length + g.sessionStorage.length,
      };
    });
    expect(seen.html).not.toContain(f.a.secret);
    expect(seen.stored).toBe(0);
  });

  let token = '';

  test('an electricity credit: the token with its decoded fields, and the ledger of the meter', async () => {
    await page.getByLabel('Meter number (DRN)').fill(DRN);
    await page.getByLabel('Token type').selectOption({ label: 'Electricity credit' });
    await page.getByLabel('Amount').fill('25.6');
    await page.getByRole('button', { name: 'Generate token' }).click();
    const shown = page.locator('#tokens li .token-no').first();
    await expect.poll(() => shown.textContent()).toMatch(/^\d{4}( \d{4}){4}$/);
    token = (await shown.textContent())!.replace(/ /g, '');
    const field = (name: string) => page.locator(`#tokens dd[data-field="${name}"]`).first().textContent();
    await expect.poll(() => field('amount')).toBe('25.6');
    expect(await field('class')).toBe('0');
    expect(await field('crcOk')).toBe('true');
    await expect.poll(() => page.locator('#ledger tr').count()).toBe(1);
    const row = await page.locator('#ledger tr').first().locator('td').allTextContents();
    expect(row[1]!.replace(/ /g, '')).toBe(token);
    expect(row.slice(2)).toEqual(['Electricity_00', expect.stringMatching(/^\d+$/), '25.6', cfg]);
    const shot = process.env.STS_SERVICE_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  });

  test("the token typed on the meter's keypad page: Accept, and the credit on the display", async () => {
    const meterPage = await context.newPage();
    meterPage.on('pageerror', (e) => pageErrors.push(e.message));
    await meterPage.goto(`${meterUrl}/`);
    await expect.poll(() => meterPage.locator('#plate-drn').textContent()).toBe(`DRN ${DRN}`);
    for (const d of token) await meterPage.locator(`.key[data-key="${d}"]`).click();
    await meterPage.getByRole('button', { name: 'Enter token' }).click();
    await expect.poll(() => meterPage.locator('#lcd-status').textContent()).toBe('Accept');
    await expect.poll(() => meterPage.locator('#lcd-credit').textContent()).toBe('25.6');
    await meterPage.close();
  });

  test('a second token for the meter is listed first; the request that failed shows one error', async () => {
    await page.getByLabel('Token type').selectOption({ label: 'Set water meter factor' });
    await page.getByLabel('Water meter factor', { exact: true }).fill('10');
    await page.getByRole('button', { name: 'Generate token' }).click();
    await expect.poll(() => page.locator('#ledger tr').count()).toBe(2);
    expect(await page.locator('#ledger tr').first().locator('td').nth(2).textContent()).toBe(
      'SetWaterMeterFactor_27',
    );
    await page.getByLabel('Meter number (DRN)').fill('4750015023');
    await page.getByRole('button', { name: 'Generate token' }).click();
    await expect.poll(() => page.locator('#vend-error').textContent()).toBe('Meter number: 11 or 13 digits');
    expect(await page.getByRole('alert').filter({ hasText: /./ }).count()).toBe(1);
  });

  test('sign-out forgets the session: the form is gone, a new sign-in is asked for; no script error, no CSP violation', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.locator('#vend-card').isHidden()).toBe(true);
    expect(await page.locator('#sign-in-card').isVisible()).toBe(true);
    expect(await page.locator('#tokens li').count()).toBe(0);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
