// TokenFactory: the Nectar SDK's method names and Java parameter order over sts-token (nectar-compat §3).
// Methods return Nectar-style records (token_no, token_type, meter_no, created_at); key change returns the set.
import type { StsConfigLike } from './key.ts';
import type { NectarTokenType } from './token-types.ts';
import type { Instant } from './types.ts';

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

type T = Instant;
const NOT_YET = (): never => {
  throw new Error('in progress');
};

/**
 * Nectar SDK-style generator. Credit and management methods keep the Java order
 * (time, value, randomNo, isStid, drn, config); `time` is a Date or an ISO string with a zone.
 * Every method throws TokenError on bad input. Amounts are decimal strings (numbers accepted, converted exactly).
 * @example
 * new TokenFactory().generateElectricityToken('2024-05-01T10:00:00Z', '25.6', 5, false, '47500150231', config)
 */
export class TokenFactory {
  constructor(_options: TokenFactoryOptions = {}) {}
  generateElectricityToken(
    _time: T,
    _amount: string | number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateWaterToken(
    _time: T,
    _amount: string | number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateGasToken(
    _time: T,
    _amount: string | number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateTimeToken(
    _time: T,
    _amount: string | number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateElectricityCurrencyToken(
    _time: T,
    _amount: string,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateWaterCurrencyToken(
    _time: T,
    _amount: string,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateGasCurrencyToken(
    _time: T,
    _amount: string,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateTimeCurrencyToken(
    _time: T,
    _amount: string,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateInitiateMeterTestDisplay10Token(_control: number, _manufacturerCode: string): NectarTokenRecord {
    return NOT_YET();
  }
  generateInitiateMeterTestDisplay11Token(_control: number, _manufacturerCode: string): NectarTokenRecord {
    return NOT_YET();
  }
  generateSetMaximumPowerLimitToken(
    _time: T,
    _watts: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateClearCreditToken(
    _time: T,
    _register: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateSetTariffRateToken(
    _time: T,
    _rate: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateClearTamperConditionToken(
    _time: T,
    _pad: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateSetMaximumPhasePowerUnbalanceLimitToken(
    _time: T,
    _watts: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  generateSetWaterMeterFactorToken(
    _time: T,
    _factor: number,
    _randomNo: number | null,
    _isStid: boolean,
    _drn: string,
    _config: FactoryConfig,
    _debug?: boolean,
  ): NectarTokenRecord {
    return NOT_YET();
  }
  /** The whole key-change set (2 or 4 records), encrypted under `config`'s key for `drn`. */
  generateSet1stSectionDecoderKeyToken(
    _drn: string,
    _config: FactoryConfig,
    _newConfig: FactoryConfig,
    _rollover?: boolean,
  ): NectarTokenRecord[] {
    return NOT_YET();
  }
}
