// TokenFactory: the Nectar SDK's method names and Java parameter order over sts-token (nectar-compat §3).
// Methods return Nectar-style records (token_no, token_type, meter_no, created_at); key change returns the set.
import { configFromJson, parseStsConfig } from 'sts-config';
import { wipe } from 'sts-crypto';
import { encodeTokenDetailed } from './encode.ts';
import { TokenError } from './errors.ts';
import { keyFromConfig, type StsConfigLike } from './key.ts';
import { keyChangeFromConfigs } from './key-change.ts';
import { parseInstant } from './tid.ts';
import type { NectarTokenType, TokenTypeName } from './token-types.ts';
import type { EncodedToken, Instant, TokenInput } from './types.ts';

/** A Nectar-style token record. `meter_no` is null for class 1; `created_at` is the issue time (ISO, UTC). */
export interface NectarTokenRecord {
  token_no: string;
  token_type: NectarTokenType;
  meter_no: string | null;
  created_at: string;
  tid: number | null;
}

export interface TokenFactoryOptions {
  /** Clock for created_at of class 1 and key-change records; default () => new Date(). */
  now?: () => Date;
}

/** Config argument: a parsed StsConfig, the config file's text, or its fields as a JSON object. */
export type FactoryConfig = StsConfigLike | string | Record<string, unknown>;

function resolveConfig(config: FactoryConfig, name: string): StsConfigLike {
  if (typeof config === 'string') {
    const r = parseStsConfig(config);
    if (!r.ok) throw new TokenError('invalid-config', `${name}: ${r.errors[0]?.message ?? 'invalid'}`);
    return r.config;
  }
  if (
    config !== null &&
    typeof config === 'object' &&
    (config as { vendingKey?: unknown }).vendingKey instanceof Uint8Array
  )
    return config as StsConfigLike;
  const r = configFromJson(config);
  if (!r.ok) throw new TokenError('invalid-config', `${name}: ${r.errors[0]?.message ?? 'invalid'}`);
  return r.config;
}

function amountText(amount: string | number): string {
  if (typeof amount === 'string') return amount;
  if (typeof amount === 'number' && Number.isFinite(amount)) return String(amount); // shortest exact repr of the double
  throw new TokenError(
    'invalid-amount',
    `amount must be a decimal string or a finite number, got ${String(amount)}`,
  );
}

type T = Instant;
type Rnd = number | null | undefined;
/** A timed credit method's arguments, in the Java order. */
type AmountArgs<A> = [time: T, amount: A, randomNo: Rnd, isStid: boolean, drn: string, config: FactoryConfig];
/** A timed management method's arguments, in the Java order: its one number stands where credit has the amount. */
type ValueArgs = [time: T, value: number, randomNo: Rnd, isStid: boolean, drn: string, config: FactoryConfig];

/**
 * Nectar SDK-style generator. Timed methods keep the Java order (time, value, randomNo, isStid, drn, config);
 * `time` is a Date, epoch ms or an ISO string with a zone; `randomNo` null/undefined draws a random RND.
 * Every method returns a NectarTokenRecord (the key change: the whole set) and throws TokenError on bad input.
 * @example
 * new TokenFactory().generateElectricityToken('2024-05-01T10:00:00Z', '25.6', 5, false, '47500150231', config).token_no
 */
export class TokenFactory {
  readonly #now: () => Date;

  constructor(options: TokenFactoryOptions = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  #timed(
    type: TokenTypeName,
    time: T,
    value: Record<string, unknown>,
    randomNo: Rnd,
    isStid: boolean,
    drn: string,
    config: FactoryConfig,
  ): NectarTokenRecord {
    const ms = parseInstant(time);
    const resolved = resolveConfig(config, 'config');
    let key: ReturnType<typeof keyFromConfig>;
    try {
      key = keyFromConfig(resolved, drn);
    } finally {
      if (resolved !== config) wipe(resolved.vendingKey); // parsed here: ours to wipe
    }
    try {
      const input = { type, time: ms, isStid: isStid === true, ...value } as Record<string, unknown>;
      if (randomNo !== null && randomNo !== undefined) input.random = randomNo;
      const t = encodeTokenDetailed(key, input as unknown as TokenInput);
      return record(t, drn, new Date(ms).toISOString());
    } finally {
      key.destroy();
    }
  }

  /** An amount token (credit, 8 types): the amount as a decimal string or a finite number. */
  #amountToken(
    type: TokenTypeName,
    [time, amount, randomNo, isStid, drn, config]: AmountArgs<string | number>,
  ): NectarTokenRecord {
    return this.#timed(type, time, { amount: amountText(amount) }, randomNo, isStid, drn, config);
  }

  /** A management token whose one number is `field` (watts, register, rate, pad, factor). */
  #valueToken(
    type: TokenTypeName,
    field: 'watts' | 'register' | 'rate' | 'pad' | 'factor',
    [time, value, randomNo, isStid, drn, config]: readonly [...ValueArgs, ...unknown[]],
  ): NectarTokenRecord {
    return this.#timed(type, time, { [field]: value }, randomNo, isStid, drn, config);
  }

  #testDisplay(
    type: TokenTypeName,
    control: number,
    manufacturerCode: string | number,
    digits: number,
  ): NectarTokenRecord {
    const code =
      typeof manufacturerCode === 'number'
        ? String(manufacturerCode).padStart(digits, '0')
        : manufacturerCode;
    const t = encodeTokenDetailed(null, { type, control, manufacturerCode: code } as TokenInput);
    return record(t, null, this.#now().toISOString());
  }

  generateElectricityToken(...args: AmountArgs<string | number>): NectarTokenRecord {
    return this.#amountToken('electricity', args);
  }
  generateWaterToken(...args: AmountArgs<string | number>): NectarTokenRecord {
    return this.#amountToken('water', args);
  }
  generateGasToken(...args: AmountArgs<string | number>): NectarTokenRecord {
    return this.#amountToken('gas', args);
  }
  generateTimeToken(...args: AmountArgs<string | number>): NectarTokenRecord {
    return this.#amountToken('time', args);
  }
  generateElectricityCurrencyToken(...args: AmountArgs<string>): NectarTokenRecord {
    return this.#amountToken('electricity-currency', args);
  }
  generateWaterCurrencyToken(...args: AmountArgs<string>): NectarTokenRecord {
    return this.#amountToken('water-currency', args);
  }
  generateGasCurrencyToken(...args: AmountArgs<string>): NectarTokenRecord {
    return this.#amountToken('gas-currency', args);
  }
  generateTimeCurrencyToken(...args: AmountArgs<string>): NectarTokenRecord {
    return this.#amountToken('time-currency', args);
  }
  /** Class 1 sub 0: 36-bit control, 2-digit manufacturer code (a number is zero-padded). */
  generateInitiateMeterTestDisplay10Token(
    control: number,
    manufacturerCode: string | number,
  ): NectarTokenRecord {
    return this.#testDisplay('test-display-1', control, manufacturerCode, 2);
  }
  /** Class 1 sub 1: 28-bit control, 4-digit manufacturer code (a number is zero-padded). */
  generateInitiateMeterTestDisplay11Token(
    control: number,
    manufacturerCode: string | number,
  ): NectarTokenRecord {
    return this.#testDisplay('test-display-2', control, manufacturerCode, 4);
  }
  /** The value (2nd argument) is `watts`. */
  generateSetMaximumPowerLimitToken(...args: ValueArgs): NectarTokenRecord {
    return this.#valueToken('max-power-limit', 'watts', args);
  }
  /** The value (2nd argument) is `register`. */
  generateClearCreditToken(...args: ValueArgs): NectarTokenRecord {
    return this.#valueToken('clear-credit', 'register', args);
  }
  /** The value (2nd argument) is `rate`. */
  generateSetTariffRateToken(...args: ValueArgs): NectarTokenRecord {
    return this.#valueToken('tariff-rate', 'rate', args);
  }
  /** The value (2nd argument) is `pad`. */
  generateClearTamperConditionToken(...args: ValueArgs): NectarTokenRecord {
    return this.#valueToken('clear-tamper', 'pad', args);
  }
  /** The value (2nd argument) is `watts`. */
  generateSetMaximumPhasePowerUnbalanceLimitToken(...args: ValueArgs): NectarTokenRecord {
    return this.#valueToken('max-phase-power-unbalance-limit', 'watts', args);
  }
  /** Nectar's example has a trailing boolean after the config reference; it is accepted and ignored. The value (2nd argument) is `factor`. */
  generateSetWaterMeterFactorToken(...args: [...ValueArgs, debug?: boolean]): NectarTokenRecord {
    return this.#valueToken('water-meter-factor', 'factor', args);
  }
  /** The whole key-change set (2 or 4 records), encrypted under `config`'s key for `drn`. */
  generateSet1stSectionDecoderKeyToken(
    drn: string,
    config: FactoryConfig,
    newConfig: FactoryConfig,
    rollover = false,
  ): NectarTokenRecord[] {
    const current = resolveConfig(config, 'config');
    const next = resolveConfig(newConfig, 'newConfig');
    let set: ReturnType<typeof keyChangeFromConfigs>;
    try {
      set = keyChangeFromConfigs(current, drn, next, rollover === true);
    } finally {
      if (current !== config) wipe(current.vendingKey);
      if (next !== newConfig) wipe(next.vendingKey);
    }
    const at = this.#now().toISOString();
    const records: NectarTokenRecord[] = [];
    for (const t of set) records.push(record(t, drn, at));
    return records;
  }
}

function record(t: EncodedToken, drn: string | null, createdAt: string): NectarTokenRecord {
  return { token_no: t.token, token_type: t.nectarType, meter_no: drn, created_at: createdAt, tid: t.tid };
}
