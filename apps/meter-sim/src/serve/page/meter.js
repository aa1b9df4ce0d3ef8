// The web keypad's behaviour: a keypad and a text field feed one 20-digit entry; ↵ posts it to /tokens,
// the LCD shows the result, then the panels are redrawn from GET /state. No framework; text via textContent only.

const TOKEN_DIGITS = 20;
const REGISTERS = [
  ['electricity', 'Electricity', 'kWh'],
  ['water', 'Water', 'm³'],
  ['gas', 'Gas', 'm³'],
  ['time', 'Time', 'min'],
  ['electricity-currency', 'Electricity currency', 'currency'],
  ['water-currency', 'Water currency', 'currency'],
  ['gas-currency', 'Gas currency', 'currency'],
  ['time-currency', 'Time currency', 'currency'],
];
const KEY_TYPES = ['DITK (0)', 'DDTK (1)', 'DUTK (2)', 'DCTK (3)'];

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = /** @type {HTMLInputElement} */ ($('token-input'));
const lcd = $('lcd');
const status = $('lcd-status');
let busy = false;
let lastRegisters = null;
const sessionResults = [];

/** Keep digits only (spaces, dashes and anything else dropped), at most 20. */
function clean(text) {
  return text.replace(/\D+/g, '').slice(0, TOKEN_DIGITS);
}

/** Register base units as a decimal: tenths for registers 0–3, 10⁻⁵ for currency registers. */
function formatUnits(value, places) {
  const neg = value < 0;
  const s = String(Math.abs(value)).padStart(places + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -places)}.${s.slice(-places)}`;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function groups(digits) {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

function renderEntry() {
  const d = input.value;
  const entry = $('lcd-entry');
  entry.textContent = '';
  const padded = d + '_'.repeat(TOKEN_DIGITS - d.length);
  for (let i = 0; i < TOKEN_DIGITS; i += 4) {
    if (i > 0) entry.append(' ');
    const part = padded.slice(i, i + 4);
    const typed = part.replace(/_+$/, '');
    entry.append(typed);
    if (typed.length < 4) entry.append(el('span', part.slice(typed.length), 'blank'));
  }
  $('token-count').textContent = `${d.length} of ${TOKEN_DIGITS} digits`;
}

function setEntry(digits) {
  input.value = clean(digits);
  renderEntry();
}

function pressKey(key) {
  if (busy) return;
  if (key === 'Enter') {
    void submit();
    return;
  }
  if (key === 'Backspace') setEntry(input.value.slice(0, -1));
  else if (/^\d$/.test(key)) setEntry(input.value + key);
  showStatus(input.value === '' ? 'Ready' : 'Enter token', null);
}

function flashKey(key) {
  const b = document.querySelector(`.key[data-key="${key}"]`);
  if (!b) return;
  b.classList.add('pressed');
  setTimeout(() => b.classList.remove('pressed'), 120);
}

function showStatus(text, accepted) {
  status.textContent = text;
  lcd.classList.toggle('is-accept', accepted === true);
  lcd.classList.toggle('is-reject', accepted === false);
  $('led-accept').classList.toggle('on', accepted === true);
  $('led-reject').classList.toggle('on', accepted === false);
}

async function submit() {
  const token = input.value;
  if (busy || token === '') return;
  busy = true;
  showStatus('Busy…', null);
  try {
    const res = await fetch('/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    const body = await res.json();
    if (res.ok) {
      showStatus(body.display, body.accepted);
      addResult(body);
    } else {
      showStatus('Error', false);
      addResult({
        token,
        display: `HTTP ${res.status}`,
        accepted: false,
        message: body.error?.message ?? '',
      });
    }
  } catch {
    showStatus('No link', false);
  } finally {
    busy = false;
    setEntry('');
    await refresh();
  }
}

function addResult(r) {
  sessionResults.unshift(r);
  sessionResults.length = Math.min(sessionResults.length, 8);
  const list = $('results');
  list.textContent = '';
  for (const x of sessionResults) {
    const li = el('li', undefined, x.accepted ? 'ok' : 'bad');
    li.append(
      el('span', x.display, `badge ${x.accepted ? 'ok' : 'bad'}`),
      el('span', groups(x.token), 'token'),
    );
    const details = [x.message];
    if (x.balance !== undefined && x.register !== undefined) details.push(`${x.register} now ${x.balance}`);
    if (x.issuedAt !== undefined)
      details.push(`issued ${x.issuedAt.replace('T', ' ').replace(/:00\.000Z$/, ' UTC')}`);
    li.append(el('span', details.join(' · '), 'message'));
    list.append(li);
  }
}

function facts(id, rows) {
  const dl = $(id);
  dl.textContent = '';
  for (const [k, v] of rows) dl.append(el('dt', k), el('dd', v));
}

function render(state) {
  $('plate-drn').textContent = `DRN ${state.drn}`;
  $('lcd-credit').textContent = formatUnits(state.registers.electricity, 1);
  const body = $('registers');
  body.textContent = '';
  for (const [name, label, unit] of REGISTERS) {
    const value = state.registers[name];
    const tr = el('tr');
    if (lastRegisters !== null && value !== lastRegisters[name]) tr.className = 'rises';
    const th = el('th', label);
    th.scope = 'row';
    tr.append(th, el('td', formatUnits(value, unit === 'currency' ? 5 : 1), 'num'), el('td', unit, 'unit'));
    tr.dataset.register = name;
    body.append(tr);
  }
  lastRegisters = { ...state.registers };
  const w = (v) => (v === null ? '—' : `${v} W`);
  const n = (v) => (v === null ? '—' : String(v));
  facts('limits', [
    ['Maximum power limit (MPL)', w(state.maximumPowerLimit)],
    ['Max phase power unbalance (MPPUL)', w(state.maximumPhasePowerUnbalanceLimit)],
    ['Water meter factor', n(state.waterMeterFactor)],
    ['Tariff rate', n(state.tariffRate)],
    ['Tamper', state.tamper ? 'yes' : 'no'],
  ]);
  const k = state.key;
  facts('key', [
    ['Key type (KT)', KEY_TYPES[k.keyType] ?? String(k.keyType)],
    ['Key revision (KRN)', String(k.keyRevisionNo)],
    ['Key expiry (KEN)', k.keyExpiryNo === 255 ? '255 (never)' : String(k.keyExpiryNo)],
    ['Tariff index (TI)', k.tariffIndex],
    ['Supply group (SGC)', k.supplyGroupCode],
    ['Algorithm (EA)', k.encryptionAlgorithm.toUpperCase()],
    ['Base date', String(k.baseDate)],
    ['Key check value (KCV)', `${k.kcv} (${k.kcvMethod})`],
  ]);
  const events = state.eventLog.entries;
  $('event-count').textContent = `(${events.length} of the last ${state.eventLog.size} kept)`;
  const log = $('events');
  log.textContent = '';
  for (let i = events.length - 1; i >= 0 && i >= events.length - 100; i--) {
    const e = events[i];
    const ok = e.result === 'accept' || e.result.startsWith('kct-');
    const badge = el('td');
    badge.append(el('span', e.display, `badge ${ok ? 'ok' : 'bad'}`));
    const tr = el('tr');
    tr.append(
      el('td', e.at.replace('T', ' ').replace(/\.\d+Z$/, '')),
      el('td', groups(e.token)),
      badge,
      el('td', e.message),
    );
    log.append(tr);
  }
}

async function refresh() {
  try {
    const res = await fetch('/state', { cache: 'no-store' });
    if (res.ok) render(await res.json());
  } catch {
    showStatus('No link', false);
  }
}

// Keypad clicks.
for (const b of document.querySelectorAll('.key')) {
  b.addEventListener('click', () => pressKey(b.dataset.key));
}

// The physical keyboard drives the keypad whenever the text field does not have the focus.
document.addEventListener('keydown', (e) => {
  if (e.target === input || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key === 'Delete' ? 'Backspace' : e.key;
  if (/^\d$/.test(key) || key === 'Backspace' || key === 'Enter') {
    e.preventDefault();
    flashKey(key);
    pressKey(key);
  }
});

// The text field: typed or pasted text keeps only its digits (spaces and dashes of printed tokens go).
input.addEventListener('paste', (e) => {
  e.preventDefault();
  const text = e.clipboardData?.getData('text/plain') ?? '';
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  const next = clean(input.value.slice(0, start) + text + input.value.slice(end));
  setEntry(next);
  input.setSelectionRange(next.length, next.length);
});
input.addEventListener('input', () => {
  const before = input.value;
  const after = clean(before);
  if (after !== before) input.value = after;
  renderEntry();
});
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void submit();
});
// Pasting anywhere else on the page fills the entry too.
document.addEventListener('paste', (e) => {
  if (e.target === input) return;
  const text = e.clipboardData?.getData('text/plain') ?? '';
  if (clean(text) !== '') {
    e.preventDefault();
    setEntry(text);
  }
});

renderEntry();
void refresh();
