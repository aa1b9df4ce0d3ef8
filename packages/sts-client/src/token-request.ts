// Token requests and token records: the SDK's typed request, Nectar's POST /v1/tokens body, the answer.
// nectar-compat.md §3 (type names, class/subclass), §4 (request fields, token record); issue 10 (new_config_ref).

/** What every token request names: the configuration by reference, the meter, and the timing. */
interface RequestBase {
  /** The configuration's reference in the service (its key stays there). */
  configRef: string;
  /** Decoder reference number (meter number) with its check digit. */
  drn: string;
  /**
   * The token's issue time (its TID, to the minute): a Date, or a text the service reads
   * (`2018-05-16T07:29` is UTC; a zone may be written). Absent: the service takes the next free minute.
   */
  tokenId?: Date | string;
  /** Random number (0–15) of the token; absent: the service draws one. */
  randomNo?: number;
  /** Standard transfer (STID) flag, as Nectar's `is_stid`. */
  isStid?: boolean;
  debug?: boolean;
}

type CreditType =
  | 'electricity'
  | 'water'
  | 'gas'
  | 'time'
  | 'electricity-currency'
  | 'water-currency'
  | 'gas-currency'
  | 'time-currency';

/** One token request, told apart by `type` (the names of `sts-vend` and `sts-token`). */
export type TokenRequest = RequestBase &
  (
    | {
        type: CreditType /** Credit in units (kWh, m³, …) or currency, e.g. 25.5 or '25.5'. */;
        amount: number | string;
      }
    | {
        type: 'test-display-1' | 'test-display-2';
        control: string | number;
        manufacturerCode: number | string;
      }
    | { type: 'max-power-limit'; maximumPowerLimit: number }
    | { type: 'clear-credit'; register: number }
    | { type: 'tariff-rate'; tariffRate: number }
    | { type: 'clear-tamper'; pad: number }
    | { type: 'max-phase-power-unbalance-limit'; mppul: number }
    | { type: 'water-meter-factor'; wmFactor: number }
    | {
        type: 'key-change';
        /** The configuration the meter moves to (uploaded as its own bundle): never a raw key. */
        newConfigRef: string;
        /** Nectar's `ro` (rollover) flag of the key-change token (the Java SDK's int 0/1, or a boolean); sent as a boolean. */
        ro?: number | boolean;
      }
  );

/** The token types, with Nectar's class/subclass strings and the request fields each one carries. */
export const TOKEN_REQUEST_TYPES = {
  electricity: { class: '0', subclass: '0', fields: { amount: 'amount' } },
  water: { class: '0', subclass: '1', fields: { amount: 'amount' } },
  gas: { class: '0', subclass: '2', fields: { amount: 'amount' } },
  time: { class: '0', subclass: '3', fields: { amount: 'amount' } },
  'electricity-currency': { class: '0', subclass: '4', fields: { amount: 'amount' } },
  'water-currency': { class: '0', subclass: '5', fields: { amount: 'amount' } },
  'gas-currency': { class: '0', subclass: '6', fields: { amount: 'amount' } },
  'time-currency': { class: '0', subclass: '7', fields: { amount: 'amount' } },
  'test-display-1': {
    class: '1',
    subclass: '0',
    fields: { control: 'control', manufacturerCode: 'manufacturer_code' },
  },
  'test-display-2': {
    class: '1',
    subclass: '1',
    fields: { control: 'control', manufacturerCode: 'manufacturer_code' },
  },
  'max-power-limit': { class: '2', subclass: '0', fields: { maximumPowerLimit: 'maximum_power_limit' } },
  'clear-credit': { class: '2', subclass: '1', fields: { register: 'register' } },
  'tariff-rate': { class: '2', subclass: '2', fields: { tariffRate: 'tariff_rate' } },
  'key-change': { class: '2', subclass: '3', fields: { newConfigRef: 'new_config_ref', ro: 'ro' } },
  'clear-tamper': { class: '2', subclass: '5', fields: { pad: 'pad' } },
  'max-phase-power-unbalance-limit': { class: '2', subclass: '6', fields: { mppul: 'mppul' } },
  'water-meter-factor': { class: '2', subclass: '7', fields: { wmFactor: 'wm_factor' } },
} as const satisfies Record<
  TokenRequest['type'],
  { class: string; subclass: string; fields: Record<string, string> }
>;

/** A token the service issued (Nectar's token record, camel-cased, `createdAt` as a Date). */
export interface Token {
  ref: string;
  /** The 20 digits to enter on the meter. */
  tokenNo: string;
  userRef: string | undefined;
  /** Nectar's type name, e.g. `SetWaterMeterFactor_27`. */
  tokenType: string;
  meterNo: string;
  createdAt: Date;
  class: number | undefined;
  subclass: number | undefined;
  /** Token identifier (minutes since the base date), when the type carries one. */
  tid: number | undefined;
  /** The configuration it was made with (sts-service's `config_ref`; not in Nectar's record). */
  configRef: string | undefined;
  /** What the ledger keeps of its value, as text: the amount, or the type's value field (sts-service's `value`). */
  value: string | undefined;
}

const COMMON_FIELDS = new Set(['type', 'configRef', 'drn', 'tokenId', 'randomNo', 'isStid', 'debug']);

/** Nectar's POST /v1/tokens body for a request; checks the request's shape and names what is wrong. */
export function nectarTokenBody(request: TokenRequest): Record<string, unknown> {
  if (request === null || typeof request !== 'object') throw new TypeError('token request must be an object');
  const kind = TOKEN_REQUEST_TYPES[request.type];
  if (kind === undefined || !Object.hasOwn(TOKEN_REQUEST_TYPES, request.type)) {
    throw new TypeError(
      `type must be one of ${Object.keys(TOKEN_REQUEST_TYPES).join(', ')}, got ${String(request.type)}`,
    );
  }
  text(request.configRef, 'configRef');
  text(request.drn, 'drn');
  const body: Record<string, unknown> = {
    class: kind.class,
    subclass: kind.subclass,
    type: 'native',
    decoder_reference_number: request.drn,
    config_ref: request.configRef,
    is_stid: request.isStid ?? false,
    debug: request.debug ?? false,
  };
  if (request.tokenId !== undefined) body.token_id = tokenIdText(request.tokenId);
  if (request.randomNo !== undefined) body.random_no = request.randomNo;
  const fields: Record<string, string> = kind.fields;
  for (const [name, value] of Object.entries(request)) {
    if (COMMON_FIELDS.has(name)) continue;
    const wire = fields[name];
    if (wire === undefined) throw new TypeError(`${name} is not a field of a ${request.type} request`);
    body[wire] = wireValue(request.type, name, value);
  }
  for (const [name, wire] of Object.entries(fields)) {
    if (body[wire] === undefined && name !== 'ro')
      throw new TypeError(`${name} is required for a ${request.type} request`);
  }
  return body;
}

/**
 * Nectar's `token_id` text, `yyyy-MM-ddTHH:mm`, of a Date in UTC (the Java SDK writes its own zone's
 * wall time without saying which; the service takes a zoneless text as UTC). Seconds are dropped,
 * as Nectar's SDKs do: a TID counts minutes.
 */
export function tokenIdText(tokenId: Date | string): string {
  if (typeof tokenId === 'string') {
    if (tokenId.length === 0 || tokenId.length > 40) throw new RangeError('tokenId must be a date-time text');
    return tokenId;
  }
  if (!(tokenId instanceof Date) || Number.isNaN(tokenId.getTime())) {
    throw new TypeError('tokenId must be a valid Date or a date-time text');
  }
  return tokenId.toISOString().slice(0, 16);
}

/** A token record of the service's answer as a Token; StsApiError-free: a malformed record throws TypeError. */
export function tokenFromRecord(record: unknown): Token {
  if (typeof record !== 'object' || record === null) throw new TypeError('token record is not an object');
  const r = record as Record<string, unknown>;
  const createdAt = new Date(String(r.created_at));
  if (typeof r.ref !== 'string' || typeof r.token_no !== 'string' || Number.isNaN(createdAt.getTime())) {
    throw new TypeError('token record lacks ref, token_no or a valid created_at');
  }
  return {
    ref: r.ref,
    tokenNo: r.token_no,
    userRef: optionalText(r.user_ref),
    tokenType: String(r.token_type ?? ''),
    meterNo: String(r.meter_no ?? ''),
    createdAt,
    class: optionalNumber(r.class),
    subclass: optionalNumber(r.subclass),
    tid: optionalNumber(r.tid),
    configRef: optionalText(r.config_ref),
    value: optionalText(r.value),
  };
}

function amountNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}(\.\d{1,6})?$/.test(value)) return Number(value);
  throw new RangeError(
    `amount must be a non-negative decimal number, got ${JSON.stringify(value)?.slice(0, 40)}`,
  );
}

/** A request field's value as the service reads it. */
function wireValue(type: TokenRequest['type'], name: string, value: unknown): unknown {
  if (name === 'amount') return amountNumber(value);
  if (name === 'control') return controlNumber(value);
  if (name === 'ro') return value === true || value === 1;
  if (name === 'manufacturerCode') return manufacturerCodeText(value, type === 'test-display-1' ? 2 : 4);
  return value;
}

/**
 * The manufacturer code as its digits: 2 for test-display-1 (subclass 0), 4 for test-display-2
 * (subclass 1). The Java SDK's int (96) is written with its leading zeros ('96', '0096').
 */
function manufacturerCodeText(value: unknown, digits: number): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 10 ** digits) {
    return String(value).padStart(digits, '0');
  }
  if (typeof value === 'string' && value.length === digits && /^\d+$/.test(value)) return value;
  throw new RangeError(
    `manufacturerCode must be ${digits} digits here, got ${JSON.stringify(value)?.slice(0, 40)}`,
  );
}

/** A test/display control field: a number, or its decimal digits (the Java SDK's String). Sent as a JSON number (36 bits fit). */
function controlNumber(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,12}$/.test(value)) return Number(value);
  throw new RangeError(
    `control must be a whole number or its decimal digits, got ${JSON.stringify(value)?.slice(0, 40)}`,
  );
}

function text(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}
