// The token-generator page: sign in with an API key and secret (kept in this module's memory only), then
// every call is signed here by sts-client's signing (/signing.js, WebCrypto HMAC). No framework; text via textContent.
import { newNonce, signRequest } from '/signing.js';

/** Nectar's token types the page offers: class/subclass, label, request field, its name on the form, unit, default. */
const TYPES = [
  ['0/0', 'Electricity credit', 'amount', 'Amount', 'kWh', '10'],
  ['0/1', 'Water credit', 'amount', 'Amount', 'm³', '1'],
  ['0/2', 'Gas credit', 'amount', 'Amount', 'm³', '1'],
  ['0/3', 'Time credit', 'amount', 'Amount', 'min', '60'],
  ['0/4', 'Electricity currency credit', 'amount', 'Amount', 'currency', '10'],
  ['0/5', 'Water currency credit', 'amount', 'Amount', 'currency', '10'],
  ['0/6', 'Gas currency credit', 'amount', 'Amount', 'currency', '10'],
  ['0/7', 'Time currency credit', 'amount', 'Amount', 'currency', '10'],
  ['1/0', 'Test/display 1', 'control', 'Control', '', '1', '00'],
  ['1/1', 'Test/display 2', 'control', 'Control', '', '1', '0000'],
  ['2/0', 'Set maximum power limit', 'maximum_power_limit', 'Maximum power limit', 'W', '5000'],
  ['2/1', 'Clear credit', 'register', 'Register', '', '0'],
  ['2/2', 'Set tariff rate', 'tariff_rate', 'Tariff rate', '', '100'],
  ['2/3', 'Key change (to another configuration)', 'new_config_ref'],
  ['2/5', 'Clear tamper', null],
  ['2/6', 'Set max. phase power unbalance limit', 'mppul', 'Unbalance limit', 'W', '1000'],
  ['2/7', 'Set water meter factor', 'wm_factor', 'Water meter factor', '', '10'],
].map(([code, label, field, name, unit, value, code2]) => ({ code, label, field, name, unit, value, code2 }));
const LEDGER_ROWS = 10;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (id) => /** @type {HTMLInputElement} */ ($(id));

/** The signed-in credential: only here, in memory, until sign-out or the tab closes. */
let session = null;
let configurations = [];

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * One signed call (Nectar's scheme) to this service; resolves to the envelope's data.data.
 * Browsers refuse to set a Date header, so the signed Date text travels as X-Date.
 */
async function api(method, path, { query, body, idempotencyKey } = {}) {
  if (session === null) throw new ApiFailure(0, 'signed-out', 'not signed in');
  const text = body === undefined ? '' : JSON.stringify(body);
  const { Date: date, ...headers } = await signRequest({
    method,
    path,
    body: text,
    contentType: 'application/json',
    date: new Date().toUTCString(),
    nonce: newNonce(),
    key: session.key,
    secret: session.secret,
  });
  headers['X-Date'] = date;
  if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
  const url = query === undefined ? path : `${path}?${new URLSearchParams(query)}`;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: method === 'GET' ? undefined : text,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiFailure(0, 'network', 'the service cannot be reached');
  }
  const envelope = await res.json().catch(() => null);
  if (!res.ok) {
    const e = envelope?.error;
    throw new ApiFailure(res.status, e?.code ?? 'http-error', e?.message ?? `HTTP ${res.status}`);
  }
  return envelope?.data?.data;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function showError(id, text) {
  const p = $(id);
  p.textContent = text ?? '';
  p.hidden = text === undefined;
}

const groups = (digits) => digits.replace(/(\d{4})(?=\d)/g, '$1 ');
const when = (iso) => iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1');

// ---- signing in and out ----

async function signIn(key, secret) {
  session = { key, secret };
  try {
    configurations = await api('GET', '/v1/configurations');
  } catch (e) {
    session = null;
    // 401 says the same for an unknown key and a wrong secret (the service never tells which).
    if (e.status === 401 && e.code === 'unauthenticated')
      throw new Error('the API key or the secret is wrong');
    throw new Error(e.message);
  }
  $('who-key').textContent = key;
  $('who').hidden = false;
  $('sign-in-card').hidden = true;
  $('vend-card').hidden = false;
  fillConfigurations();
}

function signOut() {
  session = null;
  configurations = [];
  for (const id of ['vend-card', 'result-card', 'ledger-card', 'who']) $(id).hidden = true;
  $('sign-in-card').hidden = false;
  $('tokens').textContent = '';
  $('ledger').textContent = '';
  showError('vend-error');
  input('api-key').focus();
}

// ---- the form ----

function configLabel(c) {
  return `${c.name} · ${c.ref}${c.activated ? '' : ' (deactivated)'}`;
}

function fillConfigurations() {
  for (const id of ['config', 'new-config']) {
    const select = /** @type {HTMLSelectElement} */ ($(id));
    select.textContent = '';
    for (const c of configurations) {
      const option = el('option', configLabel(c));
      option.value = c.ref;
      option.disabled = !c.activated;
      select.append(option);
    }
  }
  if (configurations.length === 0) showError('vend-error', 'No configuration yet: upload a bundle first.');
  void showConfigFacts();
}

async function showConfigFacts() {
  const ref = /** @type {HTMLSelectElement} */ ($('config')).value;
  const facts = $('config-facts');
  facts.textContent = '';
  if (ref === '') return;
  try {
    const c = await api('GET', '/v1/configurations', { query: { ref, detailed: 'true' } });
    facts.textContent = [
      `SGC ${c.supply_group_code}`,
      `TI ${c.tariff_index}`,
      `KRN ${c.key_revision_no}`,
      `KT ${c.key_type}`,
      `${c.encryption_algorithm.toUpperCase()}`,
      `base date ${c.base_date}`,
      `KCV ${c.vending_key_kcv} (${c.vending_key_kcv_method})`,
    ].join(' · ');
  } catch (e) {
    facts.textContent = e.message;
  }
}

function currentType() {
  const code = /** @type {HTMLSelectElement} */ ($('type')).value;
  return TYPES.find((t) => t.code === code) ?? TYPES[0];
}

function showTypeFields() {
  const t = currentType();
  const hasValue = t.field !== null && t.field !== 'new_config_ref';
  $('value-row').hidden = !hasValue;
  $('code-row').hidden = t.code2 === undefined;
  $('new-config-row').hidden = t.field !== 'new_config_ref';
  if (hasValue) {
    $('value-label').textContent = t.name;
    $('value-unit').textContent = t.unit;
    input('value').value = t.value;
  }
  if (t.code2 !== undefined) input('code').value = t.code2;
}

/** Nectar's request body of the form, or an Error naming the field that is wrong. */
function tokenRequest() {
  const t = currentType();
  const [cls, sub] = t.code.split('/');
  const meter = input('meter').value.trim();
  if (!/^\d{11}$|^\d{13}$/.test(meter)) throw new Error('Meter number: 11 or 13 digits');
  const configRef = /** @type {HTMLSelectElement} */ ($('config')).value;
  if (configRef === '') throw new Error('Configuration: upload a bundle first');
  const body = {
    class: cls,
    subclass: sub,
    type: 'native',
    decoder_reference_number: meter,
    config_ref: configRef,
  };
  if (t.field === 'new_config_ref') {
    body.new_config_ref = /** @type {HTMLSelectElement} */ ($('new-config')).value;
    if (body.new_config_ref === configRef)
      throw new Error('New configuration: pick another one than the current');
  } else if (t.field !== null) {
    const text = input('value').value.trim();
    const pattern = t.field === 'amount' ? /^\d+(\.\d+)?$/ : /^\d+$/;
    if (!pattern.test(text))
      throw new Error(
        `${$('value-label').textContent}: ${t.field === 'amount' ? 'a number' : 'a whole number'}`,
      );
    body[t.field] = Number(text);
  }
  if (t.code2 !== undefined) body.manufacturer_code = input('code').value.trim();
  return body;
}

async function vend() {
  showError('vend-error');
  let body;
  try {
    body = tokenRequest();
  } catch (e) {
    showError('vend-error', e.message);
    return;
  }
  const button = /** @type {HTMLButtonElement} */ ($('vend-button'));
  button.disabled = true;
  try {
    const tokens = await api('POST', '/v1/tokens', { body, idempotencyKey: crypto.randomUUID() });
    await showTokens(tokens, body);
  } catch (e) {
    showError('vend-error', e.message);
  } finally {
    button.disabled = false;
    await showLedger(body.decoder_reference_number);
  }
}

/** The token(s) of one request, each with its fields as the service decodes them with the meter's key. */
async function showTokens(tokens, request) {
  const list = $('tokens');
  list.textContent = '';
  for (const t of tokens) {
    const li = el('li');
    li.append(el('span', groups(t.token_no), 'token-no'), el('span', t.token_type, 'token-type'));
    const dl = el('dl', undefined, 'decoded');
    li.append(dl);
    list.append(li);
    try {
      const d = await api('POST', `/v1/tokens/${t.token_no}`, {
        body: { decoder_reference_number: request.decoder_reference_number, config_ref: request.config_ref },
      });
      for (const [k, v] of Object.entries(d)) {
        if (k === 'token_no' || k === 'meter_no' || k === 'config_ref' || v === null || typeof v === 'object')
          continue;
        const dd = el('dd', String(v));
        dd.dataset.field = k;
        dl.append(el('dt', k), dd);
      }
    } catch (e) {
      dl.append(el('dt', 'decode'), el('dd', e.message));
    }
  }
  $('result-card').hidden = false;
}

async function showLedger(meter) {
  if (!/^\d{11}$|^\d{13}$/.test(meter)) return;
  let rows;
  try {
    rows = await api('GET', '/v1/tokens', { query: { meter, limit: String(LEDGER_ROWS) } });
  } catch (e) {
    showError('vend-error', e.message);
    return;
  }
  $('ledger-meter').textContent = meter;
  const body = $('ledger');
  body.textContent = '';
  for (const r of rows) {
    const tr = el('tr');
    tr.append(
      el('td', when(r.created_at)),
      el('td', groups(r.token_no), 'token-no'),
      el('td', r.token_type),
      el('td', r.tid === null ? '—' : String(r.tid), 'num'),
      el('td', r.value ?? '—', 'num'),
      el('td', r.config_ref),
    );
    body.append(tr);
  }
  $('ledger-empty').hidden = rows.length > 0;
  $('ledger-card').hidden = false;
}

// ---- wiring ----

for (const t of TYPES) {
  const option = el('option', t.label);
  option.value = t.code;
  $('type').append(option);
}
showTypeFields();

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  showError('sign-in-error');
  const key = input('api-key').value.trim();
  const secret = input('api-secret').value;
  const button = /** @type {HTMLButtonElement} */ ($('sign-in-button'));
  button.disabled = true;
  try {
    await signIn(key, secret);
  } catch (err) {
    showError('sign-in-error', `Sign-in refused: ${err.message}.`);
  } finally {
    // The secret leaves the form either way: only the session holds it.
    input('api-secret').value = '';
    button.disabled = false;
  }
});
$('sign-out').addEventListener('click', signOut);
$('type').addEventListener('change', showTypeFields);
$('config').addEventListener('change', () => void showConfigFacts());
$('meter').addEventListener('change', () => void showLedger(input('meter').value.trim()));
$('vend').addEventListener('submit', (e) => {
  e.preventDefault();
  void vend();
});
