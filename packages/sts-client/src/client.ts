// The idiomatic SDK: client.tokens, client.configurations, client.publicKeys over one signed transport.
// The REST API of sts-service (issue 10; Nectar's paths and envelope, nectar-compat.md §4).
import { type BatchItem, type BatchOptions, type BatchResult, tokenBatch } from './batch.ts';
import {
  type BundleFiles,
  type Configuration,
  configurationFromRecord,
  uploadBody,
} from './configuration.ts';
import { StsApiError } from './errors.ts';
import { type PublicKey, publicKeyFromRecord } from './public-key.ts';
import { nectarTokenBody, type Token, type TokenRequest, tokenFromRecord } from './token-request.ts';
import { type ClientOptions, Transport } from './transport.ts';

/** Per-call options: a caller's abort signal; for POSTs, the Idempotency-Key to use (default: a fresh one). */
export interface CallOptions {
  signal?: AbortSignal;
  idempotencyKey?: string;
}

/**
 * The token service's SDK.
 * @example
 * const client = new StsClient({ host: 'http://127.0.0.1:8080', key, secret });
 * const [token] = await client.tokens.create({ type: 'electricity', configRef, drn: '47500150231', amount: 25.5 });
 * console.log(token.tokenNo);
 */
export class StsClient {
  readonly tokens: Tokens;
  readonly configurations: Configurations;
  readonly publicKeys: PublicKeys;
  readonly #transport: Transport;

  constructor(options: ClientOptions) {
    this.#transport = new Transport(options);
    this.tokens = new Tokens(this.#transport);
    this.configurations = new Configurations(this.#transport);
    this.publicKeys = new PublicKeys(this.#transport);
  }

  /** The service's bundle-receiving public key (PEM) and its SHA-256 fingerprint: check it before you build a bundle. */
  async serviceKey(options: CallOptions = {}): Promise<{ key: string; fingerprint: string }> {
    const data = await this.#transport.call({ method: 'GET', path: '/v1/service_key', ...signalOf(options) });
    return parsed(data, (r) => {
      const record = r as { key?: unknown; fingerprint?: unknown } | null;
      if (typeof record?.key !== 'string' || typeof record.fingerprint !== 'string') {
        throw new TypeError('service key answer lacks key or fingerprint');
      }
      return { key: record.key, fingerprint: record.fingerprint };
    });
  }

  toJSON(): Record<string, string> {
    return this.#transport.toJSON();
  }
}

/** Tokens: issue (one request or a stream of them), look up, decode. */
export class Tokens {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Issues the token(s) of one request: one token, or the 2 or 4 of a key change. Safe to retry:
   * the SDK sends an Idempotency-Key (yours, or a fresh one kept across its own retries).
   */
  async create(request: TokenRequest, options: CallOptions = {}): Promise<Token[]> {
    const body = nectarTokenBody(request);
    const data = await this.#transport.call({
      method: 'POST',
      path: '/v1/tokens',
      json: body,
      ...callOf(options),
    });
    return parsed(data, (list) => {
      if (!Array.isArray(list) || list.length === 0)
        throw new TypeError('token answer is not a list of tokens');
      return list.map(tokenFromRecord);
    });
  }

  /** The token of a ref, as issued. */
  async get(ref: string, options: CallOptions = {}): Promise<Token> {
    checkRef(ref, 'ref');
    const data = await this.#transport.call({
      method: 'GET',
      path: '/v1/tokens',
      query: { ref },
      ...signalOf(options),
    });
    return parsed(data, tokenFromRecord);
  }

  /**
   * The meter's last tokens in the service's ledger, newest first: at most `limit` (the service's
   * default is 20, its largest 200; another limit is its 400 `invalid-field`). A meter without
   * tokens, or another tenant's meter, gives an empty list.
   * @example
   * for (const t of await client.tokens.forMeter('47500150231', { limit: 5 })) console.log(t.createdAt, t.tokenNo, t.value);
   */
  async forMeter(drn: string, options: CallOptions & { limit?: number } = {}): Promise<Token[]> {
    checkRef(drn, 'drn');
    const { limit } = options;
    // The range is the service's to say (and to change): only the type is checked here.
    if (limit !== undefined && !Number.isSafeInteger(limit))
      throw new TypeError('limit must be a whole number');
    const data = await this.#transport.call({
      method: 'GET',
      path: '/v1/tokens',
      query: { meter: drn, limit: limit === undefined ? undefined : String(limit) },
      ...signalOf(options),
    });
    return parsed(data, (list) => {
      if (!Array.isArray(list)) throw new TypeError('meter tokens answer is not a list');
      return list.map(tokenFromRecord);
    });
  }

  /** The fields of a token decoded with the meter's key (the service holds the key): class, subclass, tid, amount, … */
  async decode(
    tokenNo: string,
    meter: { drn: string; configRef: string; debug?: boolean },
    options: CallOptions = {},
  ): Promise<Record<string, unknown>> {
    const digits = typeof tokenNo === 'string' ? tokenNo.replace(/[\s-]/g, '') : '';
    if (!/^\d{20}$/.test(digits))
      throw new TypeError('tokenNo must be 20 digits (spaces and dashes allowed)');
    checkRef(meter?.drn, 'drn');
    checkRef(meter.configRef, 'configRef');
    const json = {
      decoder_reference_number: meter.drn,
      config_ref: meter.configRef,
      debug: meter.debug ?? false,
    };
    const data = await this.#transport.call({
      method: 'POST',
      path: `/v1/tokens/${digits}`,
      json,
      ...callOf(options),
    });
    return parsed(data, (r) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r))
        throw new TypeError('decode answer is not an object');
      return r as Record<string, unknown>;
    });
  }

  /**
   * Issues a stream of requests through POST /v1/tokens/batch: JSON Lines out and in, answers in
   * input order as they arrive, memory flat (see {@link tokenBatch}).
   * @example
   * for await (const answer of client.tokens.batch(readRequests())) console.log(answer);
   */
  batch(
    items: AsyncIterable<BatchItem> | Iterable<BatchItem>,
    options: BatchOptions = {},
  ): AsyncGenerator<BatchResult> {
    return tokenBatch(this.#transport, items, options);
  }
}

/** Configurations: upload a bundle (the vending key stays sealed until the service opens it), read, (de)activate. */
export class Configurations {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Uploads the files of a bundle made by `sts-keygen bundle` for the service's key.
   * @example
   * const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
   * const configuration = await client.configurations.upload(files);
   */
  async upload(bundle: BundleFiles, options: CallOptions = {}): Promise<Configuration> {
    const json = uploadBody(bundle);
    const data = await this.#transport.call({
      method: 'POST',
      path: '/v1/configurations',
      json,
      ...callOf(options),
    });
    return parsed(data, configurationFromRecord);
  }

  async get(ref: string, options: CallOptions & { detailed?: boolean } = {}): Promise<Configuration> {
    checkRef(ref, 'ref');
    const query = { ref, detailed: options.detailed ?? false };
    const data = await this.#transport.call({
      method: 'GET',
      path: '/v1/configurations',
      query,
      ...signalOf(options),
    });
    return parsed(data, configurationFromRecord);
  }

  /**
   * The tenant's configurations, oldest first (the service's first 1000), not detailed: what a
   * `configRef` is picked from. Deactivated ones are listed too (`activated: false`).
   * @example
   * const usable = (await client.configurations.list()).filter((c) => c.activated);
   */
  async list(options: CallOptions = {}): Promise<Configuration[]> {
    const data = await this.#transport.call({
      method: 'GET',
      path: '/v1/configurations',
      ...signalOf(options),
    });
    return parsed(data, (list) => {
      if (!Array.isArray(list)) throw new TypeError('configurations answer is not a list');
      return list.map(configurationFromRecord);
    });
  }

  async activate(ref: string, options: CallOptions = {}): Promise<void> {
    checkRef(ref, 'ref');
    await this.#transport.call({
      method: 'PUT',
      path: '/v1/configurations',
      query: { ref },
      ...signalOf(options),
    });
  }

  async deactivate(ref: string, options: CallOptions = {}): Promise<void> {
    checkRef(ref, 'ref');
    await this.#transport.call({
      method: 'DELETE',
      path: '/v1/configurations',
      query: { ref },
      ...signalOf(options),
    });
  }
}

/** The tenant's signer public keys, against which each bundle's digest is checked. */
export class PublicKeys {
  readonly #transport: Transport;
  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async create(
    key: { name: string; key: string; activated: boolean },
    options: CallOptions = {},
  ): Promise<PublicKey> {
    checkRef(key?.name, 'name');
    if (typeof key.key !== 'string' || !key.key.includes('-----BEGIN'))
      throw new TypeError('key must be a PEM text');
    const json = { name: key.name, key: key.key, activated: key.activated === true };
    const data = await this.#transport.call({
      method: 'POST',
      path: '/v1/public_keys',
      json,
      ...callOf(options),
    });
    return parsed(data, publicKeyFromRecord);
  }

  /** The keys; only the activated (or deactivated) ones when `activated` is given. */
  async list(options: CallOptions & { activated?: boolean } = {}): Promise<PublicKey[]> {
    const query = { activated: options.activated };
    const data = await this.#transport.call({
      method: 'GET',
      path: '/v1/public_keys',
      query,
      ...signalOf(options),
    });
    return parsed(data, (list) => {
      if (!Array.isArray(list)) throw new TypeError('public keys answer is not a list');
      return list.map(publicKeyFromRecord);
    });
  }

  async activate(ref: string, options: CallOptions = {}): Promise<void> {
    checkRef(ref, 'ref');
    await this.#transport.call({
      method: 'PUT',
      path: '/v1/public_keys',
      query: { ref },
      ...signalOf(options),
    });
  }

  async deactivate(ref: string, options: CallOptions = {}): Promise<void> {
    checkRef(ref, 'ref');
    await this.#transport.call({
      method: 'DELETE',
      path: '/v1/public_keys',
      query: { ref },
      ...signalOf(options),
    });
  }
}

/** An answer's data through a reader; a shape the reader refuses is the service's fault: bad-response. */
function parsed<T>(data: unknown, read: (data: unknown) => T): T {
  try {
    return read(data);
  } catch (error) {
    throw new StsApiError(200, 'bad-response', error instanceof Error ? error.message : 'malformed answer');
  }
}

function checkRef(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
}

function signalOf(options: CallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function callOf(options: CallOptions): { signal?: AbortSignal; idempotencyKey?: string } {
  return {
    ...signalOf(options),
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  };
}
