// The web keypad in headless Chromium (Debian's /usr/bin/chromium through playwright-core), against the real
// `sts-meter init` and `sts-meter serve` processes: keypad clicks, paste, keyboard, what the LCD and tables show.
import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from 'sts-cli-kit/testing';
import { processTokenRequest } from 'sts-token';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, CTSA_CONFIG, configText, initMeter, tempDir } from './helpers.ts';

/** Browser globals used in page functions (they run in Chromium; this project's tsconfig has no DOM lib). */
interface PageGlobals {
  document: { getElementById(id: string): { textContent: string | null } | null };
  DataTransfer: new () => { setData(format: string, data: string): void };
  ClipboardEvent: new (type: string, init: Record<string, unknown>) => unknown;
}

const dir = tempDir('page');
const STATE = join(dir, 'meter.json');

/** A credit token from the vending side (sts-token), like the CTSA01 vectors; never from the meter under test. */
function vend(type: string, time: string, amount: string): string {
  const r = processTokenRequest({ type, config: CTSA_CONFIG, drn: '00000000000', time, random: 5, amount });
  if (!('tokens' in r)) throw new Error(r.error.message);
  return r.tokens[0]!.token;
}

const CREDIT = vend('electricity', '2004-03-01T14:10:00Z', '25.6');
const WATER = vend('water', '2004-03-01T14:20:00Z', '3.5');

let server: ChildProcess;
let serverExit: Promise<number | null>;
let base = '';
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const cspViolations: string[] = [];

beforeAll(async () => {
  writeFileSync(join(dir, 'sts.yml'), configText(CTSA_CONFIG));
  initMeter(STATE, join(dir, 'sts.yml'));
  server = spawn(process.execPath, [BIN, 'serve', '--state', STATE, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  serverExit = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    void serverExit.then((code) => reject(new Error(`serve exited ${code}`)));
  });
  // A fresh profile in the test's temp directory: no state from another run, nothing left behind.
  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 1000 },
    args: [...CHROMIUM_ARGS],
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  await page.goto(`${base}/`);
  // The page has drawn the state once GET /state has come back.
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.getElementById('plate-drn')?.textContent ===
      'DRN 00000000000',
  );
}, 60_000);

afterAll(async () => {
  await context?.close();
  server?.kill('SIGTERM');
  await serverExit;
  rmSync(dir, { recursive: true, force: true });
});

const lcdStatus = () => page.locator('#lcd-status').textContent();
const credit = () => page.locator('#lcd-credit').textContent();
const register = (name: string) =>
  page.locator(`#registers tr[data-register="${name}"] td.num`).textContent();

describe('the web keypad', () => {
  test('the page shows the meter: registers with units, limits, key info with the KCV, no key', async () => {
    expect(await credit()).toBe('0.0');
    expect(await lcdStatus()).toBe('Ready');
    const rows = await page.locator('#registers tr').allTextContents();
    expect(rows).toEqual([
      'Electricity0.0kWh',
      'Water0.0m³',
      'Gas0.0m³',
      'Time0.0min',
      'Electricity currency0.00000currency',
      'Water currency0.00000currency',
      'Gas currency0.00000currency',
      'Time currency0.00000currency',
    ]);
    const key = await page.locator('#key').textContent();
    const kcv = (JSON.parse(readFileSync(STATE, 'utf8')) as { key: { decoderKey: string } }).key;
    for (const part of ['DUTK (2)', '123456', 'STA', '1993', '255 (never)']) expect(key).toContain(part);
    // CTSA01's decoder key E653341F9D5BF36F: DES KCV by node:crypto (DES-EDE with K‖K of a zero block).
    const k = Buffer.from('E653341F9D5BF36F', 'hex');
    const des = createCipheriv('des-ede-ecb', Buffer.concat([k, k]), null).setAutoPadding(false);
    const expected = des.update(Buffer.alloc(8)).subarray(0, 3).toString('hex').toUpperCase();
    expect(key).toMatch(new RegExp(`Key check value \\(KCV\\)${expected} \\(des\\)$`));
    expect(await page.content()).not.toContain(kcv.decoderKey);
    expect(await page.locator('#limits').textContent()).toBe(
      'Maximum power limit (MPL)—Max phase power unbalance (MPPUL)—Water meter factor—Tariff rate—Tamperno',
    );
    expect(await page.locator('#lcd-status').getAttribute('aria-live')).toBe('polite');
  });

  test('a valid token keyed in on the keypad (clicks): Accept, the register rises', async () => {
    for (const d of CREDIT) await page.locator(`.key[data-key="${d}"]`).click();
    expect(await page.locator('#lcd-entry').textContent()).toBe(CREDIT.replace(/(\d{4})(?=\d)/g, '$1 '));
    await page.getByRole('button', { name: 'Enter token' }).click();
    await expect.poll(lcdStatus).toBe('Accept');
    await expect.poll(credit).toBe('25.6');
    expect(await register('electricity')).toBe('25.6');
    expect(await page.locator('#lcd').getAttribute('class')).toContain('is-accept');
    expect(await page.locator('#results li').first().textContent()).toContain('credit 25.6 to electricity');
    expect(await page.locator('#events tr').first().textContent()).toContain('Accept');
  });

  test('the same token pasted with dashes into the text field: Used, the register stays', async () => {
    const grouped = CREDIT.replace(/(\d{4})(?=\d)/g, '$1-');
    await page.locator('#token-input').focus();
    await page.locator('#token-input').evaluate((el, text) => {
      const g = globalThis as unknown as PageGlobals;
      const data = new g.DataTransfer();
      data.setData('text/plain', text);
      el.dispatchEvent(
        new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, grouped);
    expect(await page.locator('#token-input').inputValue()).toBe(CREDIT);
    expect(await page.locator('#token-count').textContent()).toBe('20 of 20 digits');
    await page.keyboard.press('Enter');
    await expect.poll(lcdStatus).toBe('Used');
    expect(await credit()).toBe('25.6');
    expect(await page.locator('#lcd').getAttribute('class')).toContain('is-reject');
  });

  test('a wrong token typed on the keyboard: CRC Err', async () => {
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    const wrong = `${CREDIT.slice(0, 19)}${(Number(CREDIT[19]) + 1) % 10}`;
    await page.keyboard.type(wrong);
    await page.keyboard.press('Backspace');
    await page.keyboard.type(wrong[19]!);
    expect(await page.locator('#token-input').inputValue()).toBe(wrong);
    await page.keyboard.press('Enter');
    await expect.poll(lcdStatus).toBe('CRC Err');
    expect(await credit()).toBe('25.6');
  });

  test('typed text in the field keeps only digits; another register rises', async () => {
    await page.locator('#token-input').fill('');
    await page.locator('#token-input').pressSequentially(`${WATER.slice(0, 10)} ${WATER.slice(10)}`);
    expect(await page.locator('#token-input').inputValue()).toBe(WATER);
    await page.locator('#token-input').press('Enter');
    await expect.poll(lcdStatus).toBe('Accept');
    await expect.poll(() => register('water')).toBe('3.5');
    expect(await credit()).toBe('25.6');
  });

  test('the event log lists every token; no script error and no CSP violation', async () => {
    const rows = await page.locator('#events tr').allTextContents();
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => /Accept|Used|CRC Err/.exec(r)?.[0])).toEqual([
      'Accept',
      'CRC Err',
      'Used',
      'Accept',
    ]);
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
    const shot = process.env.STS_METER_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  });
});
