// The batch request layer (pure, no I/O): one JSON request object in, one JSON result object out.
// The request format is that of vectors/sts-public.json; RequestCache makes a million lines cheap.
import { configFromJson, type StsConfig } from 'sts-config';
import { type BaseDate, type DecoderKeyDeriver, type EncryptionAlgorithm, wipe } from 'sts-crypto';
import { decodeToken } from './decode.ts';
import { encodeTokenDetailed } from './encode.ts';
import { internalError, TokenError, type TokenErrorCode } from './errors.ts';
import {
  asConfigError,
  checkConfigDrn,
  type PreparedDecoderKey,
  prepareConfigDerivation,
  prepareConfigKey,
  prepareKey,
  type StsConfigLike,
} from './key.ts';
import { encodeKeyChangeDetailed, keyChangeParams } from './key-change.ts';
import {
  isTokenTypeName,
  type NectarTokenType,
  TOKEN_TYPE_NAMES,
  type TokenTypeName,
  tokenTypeByName,
} from './token-types.ts';
import type { EncodedToken, TokenInput } from './types.ts';

type Id = string | number | null;

/** The error answer of a request. `message` names the field. */
export interface RequestError {
  id: Id;
  error: { code: TokenErrorCode; message: string };
}

/** The answer to a token request. `tid` is null for class 1 and key-change tokens. */
export type TokenRequestResult =
  | {
      id: Id;
      tokens: {
        token: string;
        type: TokenTypeName;
        nectarType: NectarTokenType;
        class: number;
        subclass: number;
        tid: number | null;
      }[];
    }
  | RequestError;

/** The answer to a decode request: the fields of decodeToken (without `ok`) under the request's id. */
export type DecodeRequestResult =
  | ({ id: Id; class: number; subclass: number; type: string; crcOk: boolean } & Record<string, unknown>)
  | RequestError;

export interface RequestCacheOptions {
  /** Most prepared decoder keys kept (LRU); default 10 000. */
  maxKeys?: number;
  /** Most parsed configurations kept; default 100. */
  maxConfigs?: number;
}

interface ConfigEntry {
  serial: number;
  config: StsConfig | null;
  error: TokenError | null;
  deriver: DecoderKeyDeriver | null;
  /** The prepared keys of this config's meters, by DRN. */
  keys: Map<string, KeyNode>;
}

/** A prepared key in the LRU list (newest first) and in the map that finds it. */
interface KeyNode {
  map: Map<string, KeyNode>;
  id: string;
  key: PreparedDecoderKey;
  newer: KeyNode | null;
  older: KeyNode | null;
}

/**
 * Memoises parsed configs (by their JSON text) and derived decoder keys (by config + DRN, from a
 * meter's second request on). Call destroy() at the end.
 */
export class RequestCache {
  readonly #maxKeys: number;
  readonly #maxConfigs: number;
  readonly #configs = new Map<string, ConfigEntry>();
  /** Keys given raw (decoderKey + attributes), by a text of all of them; config keys live in their entry. */
  readonly #raw = new Map<string, KeyNode>();
  // The LRU order of every key as a linked list: a hit moves one node, with no hashing.
  #newest: KeyNode | null = null;
  #oldest: KeyNode | null = null;
  #count = 0;
  #serial = 0;
  readonly #scratch = new Uint8Array(16);
  /**
   * The doorkeeper: a tag (a hash of configuration and DRN) per slot for meters seen once. A key is
   * kept from a meter's second request on: a monthly batch names each meter once, and keeping those
   * keys (to be evicted unused) cost the garbage collector more than deriving them again (sts-service
   * batch: about 3 µs a token). Numbers in a typed array: nothing for the collector to trace. Made
   * at the first key derived (256 KiB at the default maxKeys), not for a cache that derives none.
   */
  #seen: Int32Array | null = null;
  /**
   * The field names and primitive values of the config object last seen, and its entry: a batch repeats
   * one config on every line, each line a new object, and comparing a dozen fields costs far less than
   * writing the JSON text. Equal names and values in the same order mean equal JSON text, so a match
   * is always right; anything else (nested values, another config) goes by the JSON text.
   */
  #lastNames: string[] = [];
  readonly #lastValues: unknown[] = [];
  #lastEntry: ConfigEntry | null = null;
  /** The config object last seen when it was frozen (it cannot have changed since): found by identity. */
  #lastFrozen: object | null = null;

  constructor(options: RequestCacheOptions = {}) {
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.#maxConfigs = Math.max(1, options.maxConfigs ?? 100);
  }

  /** Number of prepared keys held. */
  get size(): number {
    return this.#count;
  }

  /** @internal the parsed configuration of a request's config object (throws invalid-config). */
  configEntry(raw: unknown, field: string): ConfigEntry {
    let entry = this.#sameAsLast(raw);
    if (entry === null) {
      const text = JSON.stringify(raw);
      entry = this.#configs.get(text) ?? null;
      if (entry === null) {
        entry = parseConfigEntry(raw, field, ++this.#serial);
        if (this.#configs.size >= this.#maxConfigs) {
          const [oldest, old] = this.#configs.entries().next().value as [string, ConfigEntry];
          this.#configs.delete(oldest);
          if (old === this.#lastEntry) this.#lastEntry = null;
          dropConfig(old);
        }
        this.#configs.set(text, entry);
      }
      this.#rememberLast(raw, entry);
    }
    if (entry.error !== null) throw entry.error;
    return entry;
  }

  /** The entry of the last config when raw is a plain object with the same fields and values, else null. */
  #sameAsLast(raw: unknown): ConfigEntry | null {
    if (this.#lastEntry === null) return null;
    if (raw === this.#lastFrozen) return this.#lastEntry;
    if (!isPlainObject(raw)) return null;
    const names = this.#lastNames;
    const values = this.#lastValues;
    const r = raw as Record<string, unknown>;
    let n = 0;
    for (const name in r) {
      if (n >= names.length || name !== names[n] || r[name] !== values[n]) return null;
      n++;
    }
    return n === names.length ? this.#lastEntry : null;
  }

  #rememberLast(raw: unknown, entry: ConfigEntry): void {
    this.#lastEntry = null;
    if (!isPlainObject(raw)) return;
    const r = raw as Record<string, unknown>;
    const names = Object.keys(r);
    const values = this.#lastValues;
    values.length = 0;
    for (const name of names) {
      const v = r[name];
      if (v !== null && typeof v === 'object') return; // nested: compare by JSON text only
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'undefined') return;
      values.push(v);
    }
    this.#lastNames = names;
    this.#lastEntry = entry;
    this.#lastFrozen = Object.isFrozen(r) ? r : null;
  }

  /**
   * @internal a prepared key for (config, drn), and whether the caller owns it: a meter's first key is
   * not kept (see #seen), and the caller destroys it after use.
   */
  keyFor(entry: ConfigEntry, drn: string): [PreparedDecoderKey, boolean] {
    const hit = entry.keys.get(drn);
    if (hit !== undefined) {
      if (hit !== this.#newest) {
        this.#unlink(hit);
        this.#link(hit);
      }
      return [hit.key, false];
    }
    const config = entry.config!;
    checkConfigDrn(config, drn);
    let key: PreparedDecoderKey;
    try {
      entry.deriver ??= prepareConfigDerivation(config);
      const n = config.encryptionAlgorithm === 'misty1' ? 16 : 8;
      const out = this.#scratch.subarray(0, n);
      const raw = entry.deriver.derive(drn, out);
      key = prepareConfigKey(config, raw === out ? out : raw);
    } catch (e) {
      throw asConfigError(e);
    } finally {
      wipe(this.#scratch);
    }
    // FNV-1a over the configuration's serial and the DRN's digits; 0 marks an empty slot.
    let h = (0x811c9dc5 ^ entry.serial) | 0;
    for (let i = 0; i < drn.length; i++) h = Math.imul(h ^ drn.charCodeAt(i), 0x01000193);
    h |= 1;
    // Four slots a key, a power of two: a meter asked for again within about maxKeys others is let in.
    this.#seen ??= new Int32Array(2 ** Math.ceil(Math.log2(Math.min(4 * this.#maxKeys, 1 << 20))));
    const seen = this.#seen;
    const slot = h & (seen.length - 1);
    if (seen[slot] !== h) {
      seen[slot] = h;
      return [key, true];
    }
    this.#insert(entry.keys, drn, key);
    return [key, false];
  }

  /** @internal keep a prepared key under `id`, evicting (and wiping) the least recently used. */
  remember(id: string, key: PreparedDecoderKey): void {
    this.#insert(this.#raw, id, key);
  }

  /** @internal */
  lookup(id: string): PreparedDecoderKey | undefined {
    return this.#raw.get(id)?.key;
  }

  #insert(map: Map<string, KeyNode>, id: string, key: PreparedDecoderKey): void {
    const old = map.get(id);
    if (old !== undefined) this.#unlink(old);
    else if (this.#count >= this.#maxKeys && this.#oldest !== null) {
      const lru = this.#oldest;
      this.#unlink(lru);
      lru.map.delete(lru.id);
      lru.key.destroy();
    }
    const node: KeyNode = { map, id, key, newer: null, older: null };
    map.set(id, node);
    this.#link(node);
  }

  /** Put node first (newest) in the LRU list. */
  #link(node: KeyNode): void {
    node.newer = null;
    node.older = this.#newest;
    if (this.#newest !== null) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
    this.#count++;
  }

  #unlink(node: KeyNode): void {
    if (node.newer !== null) node.newer.older = node.older;
    else this.#newest = node.older;
    if (node.older !== null) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    node.newer = null;
    node.older = null;
    this.#count--;
  }

  /** Wipe and forget every key and configuration. */
  destroy(): void {
    this.#lastEntry = null;
    this.#lastFrozen = null;
    this.#lastValues.length = 0;
    for (let n = this.#newest; n !== null; n = n.older) {
      n.key.destroy();
      n.map.delete(n.id);
    }
    this.#newest = null;
    this.#oldest = null;
    this.#count = 0;
    for (const c of this.#configs.values()) dropConfig(c);
    this.#configs.clear();
  }
}

/** An object whose JSON text is its own enumerable fields: no prototype but Object's (or none). */
function isPlainObject(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dropConfig(c: ConfigEntry): void {
  c.deriver?.destroy();
  if (c.config !== null) wipe(c.config.vendingKey);
}

function parseConfigEntry(raw: unknown, field: string, serial: number): ConfigEntry {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return {
      serial,
      config: null,
      error: new TokenError('invalid-config', `${field} must be an object of the config file's fields`),
      deriver: null,
      keys: new Map(),
    };
  const r = configFromJson(raw);
  if (!r.ok) {
    const first = r.errors[0];
    return {
      serial,
      config: null,
      error: new TokenError('invalid-config', `${field}: ${first?.message ?? 'invalid'}`),
      deriver: null,
      keys: new Map(),
    };
  }
  return { serial, config: r.config, error: null, deriver: null, keys: new Map() };
}

// ---------------------------------------------------------------------------------------------
// Field checks

const KEY_FIELDS = ['config', 'drn', 'decoderKey', 'encryptionAlgorithm', 'baseDate', 'keyExpiryNo'];
const TIMING_FIELDS = ['time', 'tid', 'isStid', 'random'];
const VALUE_FIELDS: Record<TokenTypeName, string[]> = {
  electricity: ['amount'],
  water: ['amount'],
  gas: ['amount'],
  time: ['amount'],
  'electricity-currency': ['amount'],
  'water-currency': ['amount'],
  'gas-currency': ['amount'],
  'time-currency': ['amount'],
  'test-display-1': ['control', 'manufacturerCode'],
  'test-display-2': ['control', 'manufacturerCode'],
  'max-power-limit': ['watts'],
  'clear-credit': ['register'],
  'tariff-rate': ['rate'],
  'clear-tamper': ['pad'],
  'max-phase-power-unbalance-limit': ['watts'],
  'water-meter-factor': ['factor'],
  'key-change': ['newConfig', 'rollover'],
};
const ALLOWED = new Map<string, Set<string>>(
  TOKEN_TYPE_NAMES.map((name) => {
    const info = tokenTypeByName(name)!;
    const extra =
      info.layout === 'key-change'
        ? ['config', 'drn']
        : info.class === 1
          ? []
          : [...KEY_FIELDS, ...TIMING_FIELDS];
    return [name, new Set(['id', 'type', ...extra, ...VALUE_FIELDS[name]])];
  }),
);
const DECODE_ALLOWED = new Set(['id', 'token', ...KEY_FIELDS]);
/** Fields that go with decoderKey only (a config brings its own). */
const RAW_KEY_ATTRIBUTES = ['encryptionAlgorithm', 'baseDate', 'keyExpiryNo'] as const;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function requireString(r: Record<string, unknown>, name: string): string {
  const v = r[name];
  if (v === undefined) throw new TokenError('missing-field', `${name} is required`);
  if (typeof v !== 'string')
    throw new TokenError('invalid-field', `${name} must be a string, got ${kind(v)}`);
  return v;
}

function requireNumber(r: Record<string, unknown>, name: string): number {
  const v = r[name];
  if (v === undefined) throw new TokenError('missing-field', `${name} is required`);
  if (typeof v !== 'number')
    throw new TokenError('invalid-field', `${name} must be a number, got ${kind(v)}`);
  return v;
}

function optional<T>(
  r: Record<string, unknown>,
  name: string,
  type: 'number' | 'boolean' | 'string',
): T | undefined {
  const v = r[name];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new TokenError('invalid-field', `${name} must be a ${type}, got ${kind(v)}`);
  return v as T;
}

function readId(r: Record<string, unknown>): Id {
  const id = r.id;
  if (id === undefined || id === null) return null;
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new TokenError('invalid-field', `id must be a string or a number, got ${kind(id)}`);
  return id;
}

function checkUnknown(r: Record<string, unknown>, allowed: Set<string>, what: string): void {
  for (const k of Object.keys(r)) {
    if (!allowed.has(k))
      throw new TokenError('unknown-field', `unknown field ${JSON.stringify(k)} for ${what}`);
  }
}

/** The prepared key of a request and whether the caller must destroy it (no cache). */
function requestKey(
  r: Record<string, unknown>,
  cache: RequestCache | undefined,
): [PreparedDecoderKey, boolean] | null {
  const hasConfig = r.config !== undefined;
  const hasRaw = r.decoderKey !== undefined;
  if (hasConfig && hasRaw)
    throw new TokenError('conflicting-fields', 'give config (with drn) or decoderKey, not both');
  if (hasConfig) {
    for (const f of RAW_KEY_ATTRIBUTES)
      if (r[f] !== undefined)
        throw new TokenError('conflicting-fields', `${f} comes from config; give it only with decoderKey`);
    if (r.drn === undefined) throw new TokenError('missing-field', 'drn is required with config');
    if (typeof r.drn !== 'string')
      throw new TokenError('invalid-drn', `drn must be a string of digits, got ${kind(r.drn)}`);
    const c = cache ?? new RequestCache({ maxKeys: 1, maxConfigs: 1 });
    const entry = c.configEntry(r.config, 'config');
    if (cache !== undefined) return c.keyFor(entry, r.drn);
    try {
      // No cache: derive, then hand the key over (the throwaway cache forgets it without wiping).
      return [c.keyFor(entry, r.drn)[0], true];
    } finally {
      dropConfig(entry);
    }
  }
  if (hasRaw) {
    if (r.drn !== undefined)
      throw new TokenError('conflicting-fields', 'drn goes with config, not with decoderKey');
    const hex = requireString(r, 'decoderKey');
    const ea = requireString(r, 'encryptionAlgorithm') as EncryptionAlgorithm;
    const bd = requireNumber(r, 'baseDate') as BaseDate;
    const ken = optional<number>(r, 'keyExpiryNo', 'number');
    const id = `raw:${ea}:${bd}:${ken ?? 255}:${hex}`;
    const hit = cache?.lookup(id);
    if (hit !== undefined) return [hit, false];
    const key = prepareKey({
      decoderKey: hex,
      encryptionAlgorithm: ea,
      baseDate: bd,
      ...(ken === undefined ? {} : { keyExpiryNo: ken }),
    });
    if (cache === undefined) return [key, true];
    cache.remember(id, key);
    return [key, false];
  }
  return null;
}

function asRequestError(id: Id, e: unknown): RequestError {
  if (e instanceof TokenError) return { id, error: { code: e.code, message: e.message } };
  // A bug or an unexpected library error: report it without a stack, under its own code.
  const { code, message } = internalError(e);
  return { id, error: { code, message } };
}

function tokenRows(list: EncodedToken[]): TokenRequestResult {
  return { id: null, tokens: list };
}

/**
 * Process one token request (an entry's `request` in vectors/sts-public.json). Never throws.
 * @example
 * processTokenRequest({ id: 'a', type: 'electricity', config, drn: '47500150231', time: '2024-05-01T10:00:00Z', amount: '10' }, cache)
 */
export function processTokenRequest(request: unknown, cache?: RequestCache): TokenRequestResult {
  if (request === null || typeof request !== 'object' || Array.isArray(request))
    return {
      id: null,
      error: { code: 'invalid-request', message: `request must be a JSON object, got ${kind(request)}` },
    };
  const r = request as Record<string, unknown>;
  let id: Id = null;
  let owned: PreparedDecoderKey | null = null;
  try {
    id = readId(r);
    const type = r.type;
    if (type === undefined) throw new TokenError('missing-field', 'type is required');
    if (!isTokenTypeName(type))
      throw new TokenError(
        'unknown-type',
        `type ${JSON.stringify(type)} is not a token type (electricity, water, gas, …, key-change)`,
      );
    checkUnknown(r, ALLOWED.get(type)!, `type ${type}`);
    const info = tokenTypeByName(type)!;
    let out: TokenRequestResult;
    if (info.layout === 'key-change') {
      out = tokenRows(keyChange(r, cache));
    } else if (info.class === 1) {
      out = tokenRows([
        encodeTokenDetailed(null, {
          type,
          control: requireNumber(r, 'control'),
          manufacturerCode: requireString(r, 'manufacturerCode'),
        } as TokenInput),
      ]);
    } else {
      const input: Record<string, unknown> = { type };
      for (const f of VALUE_FIELDS[type]) {
        const v = r[f];
        if (v === undefined) {
          if (f === 'pad') continue;
          throw new TokenError('missing-field', `${f} is required for type ${type}`);
        }
        if (f === 'amount' ? typeof v !== 'string' : typeof v !== 'number')
          throw new TokenError(
            'invalid-field',
            f === 'amount'
              ? `amount must be a decimal string like "25.6", got ${kind(v)}`
              : `${f} must be a number, got ${kind(v)}`,
          );
        input[f] = v;
      }
      if (r.time !== undefined && typeof r.time !== 'string')
        throw new TokenError(
          'invalid-time',
          `time must be an ISO 8601 string with a zone, got ${kind(r.time)}`,
        );
      if (r.time !== undefined) input.time = r.time;
      if (r.tid !== undefined) input.tid = r.tid;
      const isStid = optional<boolean>(r, 'isStid', 'boolean');
      if (isStid !== undefined) input.isStid = isStid;
      if (r.random !== undefined) input.random = r.random;
      if (r.time === undefined && r.tid === undefined)
        throw new TokenError('missing-field', 'time is required (or tid)');
      const k = requestKey(r, cache);
      if (k === null) throw new TokenError('missing-field', 'config (with drn) or decoderKey is required');
      if (k[1]) owned = k[0];
      out = tokenRows([encodeTokenDetailed(k[0], input as unknown as TokenInput)]);
    }
    out.id = id;
    return out;
  } catch (e) {
    return asRequestError(id, e);
  } finally {
    owned?.destroy();
  }
}

function keyChange(r: Record<string, unknown>, cache: RequestCache | undefined): EncodedToken[] {
  if (r.config === undefined) throw new TokenError('missing-field', 'config is required for type key-change');
  if (r.newConfig === undefined)
    throw new TokenError('missing-field', 'newConfig is required for type key-change');
  const rollover = optional<boolean>(r, 'rollover', 'boolean') ?? false;
  const c = cache ?? new RequestCache({ maxKeys: 2, maxConfigs: 2 });
  const newEntry = c.configEntry(r.newConfig, 'newConfig');
  const k = requestKey(r, c)!;
  const drn = r.drn as string;
  const newConfig = newEntry.config as StsConfigLike;
  checkConfigDrn(newConfig, drn);
  const bytes = new Uint8Array(newConfig.encryptionAlgorithm === 'misty1' ? 16 : 8);
  try {
    newEntry.deriver ??= prepareConfigDerivation(newConfig);
    const raw = newEntry.deriver.derive(drn, bytes);
    if (raw !== bytes) bytes.set(raw);
    return encodeKeyChangeDetailed(k[0], keyChangeParams(newConfig, bytes, rollover));
  } catch (e) {
    throw asConfigError(e);
  } finally {
    wipe(bytes);
    if (k[1]) k[0].destroy();
    if (cache === undefined) c.destroy();
  }
}

/**
 * Process one decode request: `{ id?, token, config + drn | decoderKey + encryptionAlgorithm + baseDate [+ keyExpiryNo] }`
 * (no key needed for class 1). Never throws.
 */
export function processDecodeRequest(request: unknown, cache?: RequestCache): DecodeRequestResult {
  if (request === null || typeof request !== 'object' || Array.isArray(request))
    return {
      id: null,
      error: { code: 'invalid-request', message: `request must be a JSON object, got ${kind(request)}` },
    };
  const r = request as Record<string, unknown>;
  let id: Id = null;
  let owned: PreparedDecoderKey | null = null;
  try {
    id = readId(r);
    checkUnknown(r, DECODE_ALLOWED, 'a decode request');
    const token = r.token;
    if (token === undefined) throw new TokenError('missing-field', 'token is required');
    if (typeof token !== 'string')
      throw new TokenError('invalid-token', `token must be a string of 20 digits, got ${kind(token)}`);
    const k = requestKey(r, cache);
    if (k?.[1] === true) owned = k[0];
    const d = decodeToken(token, k?.[0] ?? null);
    if (!d.ok) return { id, error: { code: d.code, message: d.message } };
    const { ok: _ok, ...fields } = d;
    return { id, ...fields };
  } catch (e) {
    return asRequestError(id, e);
  } finally {
    owned?.destroy();
  }
}
