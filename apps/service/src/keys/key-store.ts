// The key boundary's one module: the only code that opens bundles and unseals vending keys.
// It holds prepared key derivations (sts-token's RequestCache) and hands out tokens, decodes and KCVs, never key bytes.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { formatDiagnostic, parseStsConfig, type StsConfig } from 'sts-config';
import {
  type BundleProfile,
  BundleVerificationError,
  bytesToHex,
  decodeBase64Text,
  kcv,
  kcvMethodForVendingKey,
  openBundle,
  STRONG_PROFILE_LINE,
  wipe,
} from 'sts-crypto';
import {
  type BaseDate,
  type DecodeRequestResult,
  processDecodeRequest,
  processTokenRequest,
  RequestCache,
  type TokenRequestResult,
} from 'sts-token';
import type { ConfigSummary } from '../store/store.ts';
import { configAad, seal, secretAad, unseal } from './seal.ts';

/** The three (or, strong profile, five) bundle files as uploaded: base64 text. */
export interface BundleTexts {
  data: string;
  digest: string;
  key: string;
  mac?: string;
  profile?: string;
}

/** One token request for the boundary: sts-token's request without key fields, and the configuration(s) by ref. */
export interface VendItem {
  ref: string;
  newRef?: string;
  request: Record<string, unknown>;
}

export type OpenBundleResult =
  | { ok: true; sealed: Uint8Array; summary: ConfigSummary; signerRef: string; profile: BundleProfile }
  | { ok: false; code: 'bundle-does-not-verify' | 'invalid-config'; errors: string[] };

/** A configuration held open: its request-layer form and the prepared keys of its meters. */
interface OpenConfig {
  json: Record<string, unknown>;
  cache: RequestCache;
}

const id = (tenant: string, ref: string): string => `${tenant}\0${ref}`;

export class KeyStore {
  readonly #master: Uint8Array;
  readonly #serviceKey: KeyObject;
  readonly #open = new Map<string, OpenConfig>();

  /** Takes a copy of the master key (the caller wipes its own) and the service's PEM private key. */
  constructor(masterKey: Uint8Array, servicePrivatePem: Uint8Array | string) {
    if (masterKey.length !== 32) throw new RangeError(`master key must be 32 bytes, got ${masterKey.length}`);
    this.#master = Uint8Array.from(masterKey);
    this.#serviceKey = createPrivateKey({ key: Buffer.from(servicePrivatePem), format: 'pem' });
  }

  /**
   * Open an uploaded bundle with the service key, check its digest against each signer in turn, read the
   * config with sts-config's rules and seal it for (tenant, ref). Every bundle failure is one error.
   */
  openBundle(p: {
    tenant: string;
    ref: string;
    texts: BundleTexts;
    signers: readonly { ref: string; pem: string }[];
  }): OpenBundleResult {
    const fail: OpenBundleResult = { ok: false, code: 'bundle-does-not-verify', errors: [] };
    const profile: BundleProfile | undefined =
      p.texts.profile === undefined
        ? 'nectar'
        : p.texts.profile.trim() === STRONG_PROFILE_LINE
          ? 'strong'
          : undefined;
    if (profile === undefined) return fail;
    const data = decodeBase64Text(p.texts.data);
    const digest = decodeBase64Text(p.texts.digest);
    const symmetric = decodeBase64Text(p.texts.key);
    const mac = p.texts.mac === undefined ? undefined : decodeBase64Text(p.texts.mac);
    if (data === undefined || digest === undefined || symmetric === undefined) return fail;
    if (profile === 'strong' && mac === undefined) return fail;
    const parts = { data, digest, symmetric, ...(mac === undefined ? {} : { mac }) };
    let bytes: Uint8Array | undefined;
    let signerRef = '';
    for (const s of p.signers) {
      try {
        bytes = openBundle({
          profile,
          parts,
          recipientKey: this.#serviceKey,
          signerKey: signerKey(s.pem),
        });
        signerRef = s.ref;
        break;
      } catch (e) {
        if (!(e instanceof BundleVerificationError)) throw e;
      }
    }
    if (bytes === undefined) return fail;
    let config: StsConfig | undefined;
    try {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return { ok: false, code: 'invalid-config', errors: ['the configuration is not UTF-8 text'] };
      }
      const r = parseStsConfig(text, { source: 'configuration' });
      if (!r.ok) return { ok: false, code: 'invalid-config', errors: r.errors.map(formatDiagnostic) };
      config = r.config;
      return {
        ok: true,
        sealed: seal(this.#master, bytes, configAad(p.tenant, p.ref)),
        summary: summarise(config),
        signerRef,
        profile,
      };
    } finally {
      wipe(bytes);
      config?.vendingKey.wipe();
    }
  }

  /** Unseal a stored configuration and keep it open for tokens. False when the blob does not open. */
  load(tenant: string, ref: string, sealed: Uint8Array): boolean {
    if (this.#open.has(id(tenant, ref))) return true;
    const bytes = unseal(this.#master, sealed, configAad(tenant, ref));
    if (bytes === undefined) return false;
    let config: StsConfig | undefined;
    try {
      const r = parseStsConfig(new TextDecoder().decode(bytes), { source: 'configuration' });
      if (!r.ok) return false;
      config = r.config;
      // Frozen: the request layer then knows it by identity, without comparing its fields each token.
      this.#open.set(id(tenant, ref), {
        json: Object.freeze(requestConfig(config)),
        cache: new RequestCache(),
      });
      return true;
    } finally {
      wipe(bytes);
      config?.vendingKey.wipe();
    }
  }

  isLoaded(tenant: string, ref: string): boolean {
    return this.#open.has(id(tenant, ref));
  }

  /** The base date of a loaded configuration (TIDs count minutes from it), undefined when not loaded. */
  baseDate(tenant: string, ref: string): BaseDate | undefined {
    return this.#open.get(id(tenant, ref))?.json.base_date as BaseDate | undefined;
  }

  /** Forget a configuration: its prepared keys are wiped (deactivation). */
  unload(tenant: string, ref: string): void {
    const c = this.#open.get(id(tenant, ref));
    if (c === undefined) return;
    c.cache.destroy();
    this.#open.delete(id(tenant, ref));
  }

  /**
   * Token requests of sts-token's request layer, each without a key: the key comes from the loaded
   * configuration `ref` (and `newRef` for a key change). Results in order; an unloaded ref is an error.
   */
  vend(tenant: string, items: readonly VendItem[]): TokenRequestResult[] {
    const out: TokenRequestResult[] = [];
    for (const { ref, newRef, request: r } of items) {
      const c = this.#open.get(id(tenant, ref));
      const n = newRef === undefined ? undefined : this.#open.get(id(tenant, newRef));
      if (c === undefined || (newRef !== undefined && n === undefined)) {
        out.push({ id: null, error: { code: 'invalid-config', message: 'configuration not loaded' } });
        continue;
      }
      // Class 1 tokens are not encrypted: the request layer takes no key for them (and no drn).
      if (r.drn === undefined) {
        out.push(processTokenRequest(r));
        continue;
      }
      r.config = c.json;
      if (n !== undefined) {
        r.newConfig = n.json;
        // A key change involves two configurations: a throwaway cache, wiped before returning.
        out.push(processTokenRequest(r));
      } else out.push(processTokenRequest(r, c.cache));
    }
    return out;
  }

  decode(tenant: string, ref: string, token: string, drn: string): DecodeRequestResult {
    const c = this.#open.get(id(tenant, ref));
    if (c === undefined)
      return { id: null, error: { code: 'invalid-config', message: 'configuration not loaded' } };
    return processDecodeRequest({ token, config: c.json, drn }, c.cache);
  }

  /** Seal an API secret for the credential `key`. */
  sealSecret(key: string, secret: Uint8Array): Uint8Array {
    return seal(this.#master, secret, secretAad(key));
  }

  /** The API secret of credential `key` (to check request signatures), or undefined when it does not open. */
  unsealSecret(key: string, sealed: Uint8Array): string | undefined {
    const bytes = unseal(this.#master, sealed, secretAad(key));
    if (bytes === undefined) return undefined;
    const s = new TextDecoder().decode(bytes);
    wipe(bytes);
    return s;
  }

  /** Wipe every key held (shutdown). */
  destroy(): void {
    for (const c of this.#open.values()) c.cache.destroy();
    this.#open.clear();
    wipe(this.#master);
  }
}

/** Signer keys parsed once (a tenant has a handful). */
const signerKeys = new Map<string, KeyObject>();
function signerKey(pem: string): KeyObject {
  let k = signerKeys.get(pem);
  if (k === undefined) {
    k = createPublicKey({ key: pem, format: 'pem' });
    if (signerKeys.size >= 1000) signerKeys.clear();
    signerKeys.set(pem, k);
  }
  return k;
}

/** A configuration's fields under the file's names, without the vending key. */
function fields(c: StsConfig) {
  return {
    name: c.name,
    key_expiry_no: c.keyExpiryNo,
    encryption_algorithm: c.encryptionAlgorithm,
    token_carrier_type: c.tokenCarrierType,
    decoder_key_generation_algorithm: c.decoderKeyGenerationAlgorithm,
    tariff_index: c.tariffIndex,
    key_revision_no: c.keyRevisionNo,
    supply_group_code: c.supplyGroupCode,
    key_type: c.keyType,
    base_date: c.baseDate,
    issuer_identification_no: c.issuerIdentificationNo,
  };
}

/** The fields a response may show: everything but the vending key, which is shown by its KCV. */
export function summarise(c: StsConfig): ConfigSummary {
  const method = kcvMethodForVendingKey(c.vendingKey);
  return {
    ...fields(c),
    vending_key_kcv: kcv(c.vendingKey, method),
    vending_key_kcv_method: method,
    vending_key_bits: c.vendingKey.length * 8,
  };
}

/** The request layer's `config` object (the file's field names). It lives only inside the key boundary. */
function requestConfig(c: StsConfig): Record<string, unknown> {
  return { ...fields(c), vending_key: bytesToHex(c.vendingKey) };
}
