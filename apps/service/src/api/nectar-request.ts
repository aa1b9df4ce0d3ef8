// Nectar's token request (nectar-compat §4) turned into sts-token's request-layer form, without the key:
// key fields are refused (the stored configuration has them) and a key change names its target by reference.
import { type TokenTypeInfo, tokenTypeByCode } from 'sts-token';
import { ApiError } from '../http/envelope.ts';
import { kind, optBool, optBoolOrBit, str } from './fields.ts';

/** The configuration's fields: always from the stored configuration, never from a request. */
const KEY_FIELDS = [
  'vending_key',
  'supply_group_code',
  'tariff_index',
  'key_revision_no',
  'key_type',
  'key_expiry_no',
  'encryption_algorithm',
  'decoder_key_generation_algorithm',
  'base_date',
  'issuer_identification_no',
  'token_carrier_type',
];
const NEW_KEY_FIELDS = [
  'new_vending_key',
  'new_supply_group_code',
  'new_tariff_index',
  'new_key_revision_no',
  'new_key_type',
  'new_key_expiry_no',
  'new_issuer_identification_no',
];
const COMMON = [
  'class',
  'subclass',
  'type',
  'token_id',
  'random_no',
  'is_stid',
  'decoder_reference_number',
  'config_ref',
  'debug',
];

/** Nectar's value field of each layout → sts-token's field name. */
type ValueKind = 'amount' | 'number' | 'control' | 'manufacturer-code';
const VALUE_FIELDS: Record<string, [nectar: string, sts: string, kind: ValueKind][]> = {
  amount: [['amount', 'amount', 'amount']],
  currency: [['amount', 'amount', 'amount']],
  'max-power-limit': [['maximum_power_limit', 'watts', 'number']],
  'clear-credit': [['register', 'register', 'number']],
  'tariff-rate': [['tariff_rate', 'rate', 'number']],
  'clear-tamper': [['pad', 'pad', 'number']],
  'max-phase-power-unbalance-limit': [['mppul', 'watts', 'number']],
  'water-meter-factor': [['wm_factor', 'factor', 'number']],
  'test-display': [
    ['control', 'control', 'control'],
    ['manufacturer_code', 'manufacturerCode', 'manufacturer-code'],
  ],
};

export interface TokenPlan {
  info: TokenTypeInfo;
  drn: string;
  configRef: string;
  /** Key change only. */
  newConfigRef?: string;
  /** `yyyy-MM-ddTHH:mm` as an ISO instant (UTC unless it carried a zone), when given. */
  tokenTime?: string;
  isStid: boolean;
  /** sts-token's request without key, time or tid (the service adds them). */
  request: Record<string, unknown>;
  /** What the ledger keeps of the value: the amount or the value field, as text. */
  value: string | null;
}

function valueKey(info: TokenTypeInfo): string {
  if (info.class === 1) return 'test-display';
  if (info.class === 0) return 'amount';
  return info.name;
}

function code(r: Record<string, unknown>, name: string): number {
  const v = r[name];
  if (v === undefined || v === null) throw new ApiError(400, 'missing-field', `${name} is required`);
  const n = typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new ApiError(
      400,
      'invalid-field',
      `${name} must be a class or subclass number like "0", got ${kind(v)}`,
    );
  return n;
}

/** A JSON number (Nectar) or decimal text as sts-token's decimal amount string. */
function amountText(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ApiError(400, 'invalid-field', 'amount must be a finite number');
    return String(v);
  }
  if (typeof v === 'string' && v.length <= 40) return v;
  throw new ApiError(400, 'invalid-field', `amount must be a number, got ${kind(v)}`);
}

/** Class 1's control: a JSON number, or (Nectar's Java SDK) decimal digits in a string. sts-token checks its range. */
function controlNumber(v: unknown): unknown {
  if (typeof v === 'number') return v;
  // 15 digits read exactly as a double; 36 bits (the widest control) need 11.
  if (typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) return Number(v);
  throw new ApiError(
    400,
    'invalid-field',
    `control must be a number or a string of up to 15 digits, got ${typeof v === 'string' && v.length <= 20 ? JSON.stringify(v) : kind(v)}`,
  );
}

/**
 * Class 1's manufacturer code as sts-token's text of the class's width (2 digits for subclass 0, 4 for
 * subclass 1): Nectar's Java SDK sends it as a JSON number, zero-padded here; text is left to sts-token.
 */
function manufacturerCodeText(r: Record<string, unknown>, subclass: number): string {
  const v = r.manufacturer_code;
  if (typeof v !== 'number') return str(r, 'manufacturer_code', 10);
  const digits = subclass === 0 ? 2 : 4;
  const max = 10 ** digits - 1;
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new ApiError(
      400,
      'invalid-field',
      `manufacturer_code must be a whole number 0..${max} (${digits} digits) for class 1 subclass ${subclass}, got ${v}`,
    );
  return String(v).padStart(digits, '0');
}

const TOKEN_ID_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

/** Nectar's token_id (`yyyy-MM-ddTHH:mm`, the client's clock, no zone): taken as UTC unless it has a zone. */
export function tokenIdInstant(v: unknown): string {
  if (typeof v !== 'string' || v.length > 40)
    throw new ApiError(
      400,
      'invalid-field',
      `token_id must be a date and time like "2026-12-02T08:27", got ${kind(v)}`,
    );
  return TOKEN_ID_RE.test(v) ? `${v}Z` : v;
}

export function parseNectarTokenRequest(r: Record<string, unknown>): TokenPlan {
  for (const f of KEY_FIELDS)
    if (f in r)
      throw new ApiError(
        400,
        'key-field-refused',
        `${f}: key fields come from the stored configuration named by config_ref and cannot be given in a request`,
      );
  for (const f of NEW_KEY_FIELDS)
    if (f in r)
      throw new ApiError(
        400,
        'key-field-refused',
        `${f}: a key change names its target configuration by new_config_ref; upload the new configuration as a bundle to /v1/configurations instead`,
      );
  const cls = code(r, 'class');
  const sub = code(r, 'subclass');
  const info = tokenTypeByCode(cls, sub);
  if (info === undefined || (info.layout === 'key-change' && info.section !== 1))
    throw new ApiError(
      400,
      'unknown-type',
      info === undefined
        ? `class ${cls} subclass ${sub} is not a token type`
        : `class 2 subclass ${sub} is part of a key change: ask for subclass 3 with new_config_ref`,
    );
  const type = r.type === undefined ? 'native' : r.type;
  if (type !== 'native') throw new ApiError(400, 'invalid-field', 'type must be "native"');
  const keyChange = info.layout === 'key-change';
  const vk = valueKey(info);
  const values = keyChange ? [] : (VALUE_FIELDS[vk] ?? []);
  const allowed = [...COMMON, ...values.map((v) => v[0]), ...(keyChange ? ['new_config_ref', 'ro'] : [])];
  for (const k of Object.keys(r))
    if (!allowed.includes(k))
      throw new ApiError(
        400,
        'unknown-field',
        `unknown field ${JSON.stringify(k.slice(0, 40))} for ${info.nectarType}`,
      );
  const drn = str(r, 'decoder_reference_number', 20);
  const configRef = str(r, 'config_ref', 100);
  const isStid = optBool(r, 'is_stid') ?? false;
  optBool(r, 'debug');
  const request: Record<string, unknown> = { type: info.name };
  let value: string | null = null;
  for (const [nectar, sts, k] of values) {
    const v = r[nectar];
    if (v === undefined || v === null) {
      if (nectar === 'pad') continue;
      throw new ApiError(400, 'missing-field', `${nectar} is required for ${info.nectarType}`);
    }
    if (k === 'amount') request[sts] = amountText(v);
    else if (k === 'number') {
      if (typeof v !== 'number')
        throw new ApiError(400, 'invalid-field', `${nectar} must be a number, got ${kind(v)}`);
      request[sts] = v;
    } else if (k === 'control') request[sts] = controlNumber(v);
    else request[sts] = manufacturerCodeText(r, info.subclass);
    value ??= String(request[sts]);
  }
  if (info.class !== 1) request.drn = drn;
  const plan: TokenPlan = { info, drn, configRef, isStid, request, value };
  if (keyChange) {
    plan.newConfigRef = str(r, 'new_config_ref', 100);
    const ro = optBoolOrBit(r, 'ro');
    if (ro !== undefined) request.rollover = ro;
    return plan;
  }
  if (info.class === 1) return plan;
  if (isStid) request.isStid = true;
  if (r.random_no !== undefined && r.random_no !== null) {
    if (typeof r.random_no !== 'number')
      throw new ApiError(
        400,
        'invalid-field',
        `random_no must be a number from 0 to 15, got ${kind(r.random_no)}`,
      );
    request.random = r.random_no;
  }
  if (r.token_id !== undefined && r.token_id !== null) plan.tokenTime = tokenIdInstant(r.token_id);
  return plan;
}
