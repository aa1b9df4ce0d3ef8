// Nectar's SDK surface: the Java SDK's class, method names and argument order, so its code ports line by line.
// Names and orders read from NectarAPI/nectar-java-sdk (Nectar.java, factory/*Factory.java); nectar-compat.md §3–§4.
import { type CallOptions, StsClient } from './client.ts';
import type { BundleFiles, Configuration } from './configuration.ts';
import type { PublicKey } from './public-key.ts';
import type { Token, TokenRequest } from './token-request.ts';
import type { ClientOptions } from './transport.ts';

/**
 * Entry point, as `software.nectar.java.Nectar`. Unlike Java's, its methods return Promises, and it
 * has no getSecret(): the secret is only ever the HMAC key.
 * @example
 * const nectar = new Nectar(KEY, SECRET, 'http://127.0.0.1:8080');
 * const token = await nectar.getTokenFactory().generateNativeSetWaterMeterFactorToken(
 *   new Date('2018-05-16T07:29:00Z'), 10, 5, false, '47500150231', configRef, false);
 */
export class Nectar {
  readonly #client: StsClient;
  readonly #key: string;
  readonly #host: string;

  /** `options` adds what Java lacks: an injected fetch, retries, time limits (see ClientOptions). */
  constructor(
    key: string,
    secret: string,
    host: string,
    options: Omit<ClientOptions, 'key' | 'secret' | 'host'> = {},
  ) {
    this.#client = new StsClient({ ...options, key, secret, host });
    this.#key = key;
    this.#host = host;
  }

  getKey(): string {
    return this.#key;
  }

  getHost(): string {
    return this.#host;
  }

  getTokenFactory(): TokensFactory {
    return new TokensFactory(this.#client);
  }

  getConfigurationsFactory(): ConfigurationsFactory {
    return new ConfigurationsFactory(this.#client);
  }

  getPublicKeysFactory(): PublicKeysFactory {
    return new PublicKeysFactory(this.#client);
  }
}

/** As Java's TokensFactory: the `generateNative…` methods, getToken and decodeToken. */
export class TokensFactory {
  readonly #client: StsClient;
  constructor(client: StsClient) {
    this.#client = client;
  }

  getToken(ref: string): Promise<Token> {
    return this.#client.tokens.get(ref);
  }

  generateNativeElectricityToken(
    tokenId: Date,
    amount: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'electricity',
      amount,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  generateNativeWaterToken(
    tokenId: Date,
    amount: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({ type: 'water', amount, ...base(tokenId, randomNo, isStid, drn, configRef, debug) });
  }

  generateNativeGasToken(
    tokenId: Date,
    amount: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({ type: 'gas', amount, ...base(tokenId, randomNo, isStid, drn, configRef, debug) });
  }

  /** Java has no random number here (class 1 tokens carry none). */
  generateNativeInitiateMeterTestDisplay10Token(
    tokenId: Date,
    control: string,
    manufacturerCode: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'test-display-1',
      control,
      manufacturerCode,
      ...base(tokenId, undefined, isStid, drn, configRef, debug),
    });
  }

  generateNativeInitiateMeterTestDisplay11Token(
    tokenId: Date,
    control: string,
    manufacturerCode: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'test-display-2',
      control,
      manufacturerCode,
      ...base(tokenId, undefined, isStid, drn, configRef, debug),
    });
  }

  generateNativeSetMaximumPowerLimitToken(
    tokenId: Date,
    maximumPowerLimit: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'max-power-limit',
      maximumPowerLimit,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  generateNativeClearCreditToken(
    tokenId: Date,
    register: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'clear-credit',
      register,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  generateNativeSetTariffRateToken(
    tokenId: Date,
    tariffRate: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'tariff-rate',
      tariffRate,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  /**
   * The key-change set (2 or 4 tokens). Java's takes the new key's fields and the raw new vending
   * key (newVendingKey … newIssuerIdentificationNo); here the new configuration is uploaded as its
   * own bundle and named by `newConfigRef`, so no key travels in a request. `ro` stays in place.
   */
  generateNativeDecoderKeyTokens(
    tokenId: Date,
    newConfigRef: string,
    ro: number | boolean,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ): Promise<Token[]> {
    return this.#client.tokens.create({
      type: 'key-change',
      newConfigRef,
      ro,
      ...base(tokenId, undefined, isStid, drn, configRef, debug),
    });
  }

  generateNativeClearTamperConditionToken(
    tokenId: Date,
    pad: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'clear-tamper',
      pad,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  generateNativeSetMaximumPhasePowerUnbalanceLimitToken(
    tokenId: Date,
    mppul: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'max-phase-power-unbalance-limit',
      mppul,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  generateNativeSetWaterMeterFactorToken(
    tokenId: Date,
    wmFactor: number,
    randomNo: number,
    isStid: boolean,
    drn: string,
    configRef: string,
    debug: boolean,
  ) {
    return this.#one({
      type: 'water-meter-factor',
      wmFactor,
      ...base(tokenId, randomNo, isStid, drn, configRef, debug),
    });
  }

  /** As Java's: the decoded fields as a plain object (Java: a HashMap). Argument order is Java's (token third). */
  decodeToken(
    decoderReferenceNumber: string,
    configRef: string,
    token: string,
    debug: boolean,
  ): Promise<Record<string, unknown>> {
    return this.#client.tokens.decode(token, { drn: decoderReferenceNumber, configRef, debug });
  }

  async #one(request: TokenRequest): Promise<Token> {
    const [token] = await this.#client.tokens.create(request);
    return token!;
  }
}

/** As Java's ConfigurationsFactory. */
export class ConfigurationsFactory {
  readonly #client: StsClient;
  constructor(client: StsClient) {
    this.#client = client;
  }

  /**
   * Java's createConfiguration(yamlConfig, symmetricKey, privateKey) encrypts the configuration
   * itself, with Nectar's built-in service key. Here the bundle is made beforehand (`sts-keygen
   * bundle`, for this service's key) and its three files' texts are passed in Java's order of
   * the parts: data (the encrypted configuration), digest, key (the wrapped symmetric key).
   */
  createConfiguration(
    data: string,
    digest: string,
    key: string,
    options: CallOptions = {},
  ): Promise<Configuration> {
    const bundle: BundleFiles = {
      'encrypted_sts_config_with_iv_base64.txt': data,
      'encrypted_digest.txt': digest,
      'encrypted_symmetric.txt': key,
    };
    return this.#client.configurations.upload(bundle, options);
  }

  getConfiguration(ref: string, detailed: boolean): Promise<Configuration> {
    return this.#client.configurations.get(ref, { detailed });
  }

  activateConfiguration(ref: string): Promise<void> {
    return this.#client.configurations.activate(ref);
  }

  deactivateConfiguration(ref: string): Promise<void> {
    return this.#client.configurations.deactivate(ref);
  }
}

/** As Java's PublicKeysFactory. */
export class PublicKeysFactory {
  readonly #client: StsClient;
  constructor(client: StsClient) {
    this.#client = client;
  }

  getPublicKeys(activated: boolean): Promise<PublicKey[]> {
    return this.#client.publicKeys.list({ activated });
  }

  createPublicKey(name: string, key: string, activated: boolean): Promise<PublicKey> {
    return this.#client.publicKeys.create({ name, key, activated });
  }

  activatePublicKey(ref: string): Promise<void> {
    return this.#client.publicKeys.activate(ref);
  }

  deactivatePublicKey(ref: string): Promise<void> {
    return this.#client.publicKeys.deactivate(ref);
  }
}

/** The fields every native request shares, in Java's parameter names. */
function base(
  tokenId: Date,
  randomNo: number | undefined,
  isStid: boolean,
  drn: string,
  configRef: string,
  debug: boolean,
) {
  return {
    tokenId,
    isStid,
    drn,
    configRef,
    debug,
    ...(randomNo !== undefined ? { randomNo } : {}),
  };
}
