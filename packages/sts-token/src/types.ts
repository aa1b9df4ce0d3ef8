// The data types of sts-token's public API: token inputs, encoded tokens, decode results.
// Shared by the encoders (encode.ts), the decoder (decode.ts) and the batch layer (request.ts).

import type { TokenErrorCode } from './errors.ts';
import type { NectarTokenType, TokenTypeName } from './token-types.ts';

// The key attributes are sts-crypto's (defined once, in the lowest layer that names them).
export type { BaseDate, EncryptionAlgorithm } from 'sts-crypto';
/** An issue time: a Date, epoch milliseconds, or an ISO 8601 instant WITH a zone (`Z` or `±hh:mm`). */
export type Instant = Date | string | number;

/** When and how a class 0 / class 2 (non key-change) token is issued. Give `time` or `tid`, not both. */
export interface TokenTiming {
  /** Issue time; seconds are truncated, and minute-of-day 1 (00:01) becomes 00:02 unless `isStid`. */
  time?: Instant;
  /** The TID directly (0..2^24−1), bypassing the 00:01 rule. */
  tid?: number;
  /** Special reserved TID: allow minute-of-day 1 (Nectar's `is_stid`). Default false. */
  isStid?: boolean;
  /** The RND nibble 0..15; random (crypto.getRandomValues) when absent. Ignored by currency types. */
  random?: number;
}

/** Credit in 0.1 units: either `amount` (decimal string of units, e.g. "25.6") or `tenths` (integer). */
export interface CreditInput extends TokenTiming {
  type: 'electricity' | 'water' | 'gas' | 'time';
  /** Units (kWh, m³, …) as an exact decimal string; rounded UP to the next representable value. */
  amount?: string;
  /** Alternatively the value in tenths of a unit, an integer 0..18 201 624. */
  tenths?: number;
}

/** Currency credit (class 0 sub 4–7): amount as a decimal string, resolution 0.00001, may start with '-'. */
export interface CurrencyInput extends TokenTiming {
  type: 'electricity-currency' | 'water-currency' | 'gas-currency' | 'time-currency';
  amount: string;
}

/** Maximum power limit / maximum phase power unbalance limit, integer watts 0..18 201 624. */
export interface WattsInput extends TokenTiming {
  type: 'max-power-limit' | 'max-phase-power-unbalance-limit';
  watts: number;
}

/** ClearCredit: register 0..65535 (0 electricity … 0xFFFF all). */
export interface ClearCreditInput extends TokenTiming {
  type: 'clear-credit';
  register: number;
}

/** SetTariffRate: raw 16-bit rate. */
export interface TariffRateInput extends TokenTiming {
  type: 'tariff-rate';
  rate: number;
}

/** ClearTamperCondition: 16-bit pad, normally 0 (the default). */
export interface ClearTamperInput extends TokenTiming {
  type: 'clear-tamper';
  pad?: number;
}

/** SetWaterMeterFactor: raw 16-bit factor. */
export interface WaterMeterFactorInput extends TokenTiming {
  type: 'water-meter-factor';
  factor: number;
}

/** Class 1 InitiateMeterTest/Display (not encrypted, needs no key). */
export interface TestDisplayInput {
  /** test-display-1: 36-bit control, 2-digit MfrCode; test-display-2: 28-bit control, 4-digit MfrCode. */
  type: 'test-display-1' | 'test-display-2';
  control: number;
  /** Decimal digits: exactly 2 for test-display-1, exactly 4 for test-display-2. */
  manufacturerCode: string;
}

/** Input of every single-token type (everything but key change). */
export type TokenInput =
  | CreditInput
  | CurrencyInput
  | WattsInput
  | ClearCreditInput
  | TariffRateInput
  | ClearTamperInput
  | WaterMeterFactorInput
  | TestDisplayInput;

/** An encoded token with what it is. `tid` is null for class 1 and key-change tokens. */
export interface EncodedToken {
  token: string;
  type: TokenTypeName;
  nectarType: NectarTokenType;
  class: number;
  subclass: number;
  tid: number | null;
}

/** The new-key parameters of a key change (sts-reference §3, §11). KRN, KT, TI, KEN, SGC are the NEW key's. */
export interface KeyChangeParams {
  /** 8 bytes (STA/DEA: 2 tokens) or 16 bytes (MISTY1: 4 tokens), big-endian natural order. */
  newDecoderKey: Uint8Array;
  keyExpiryNo: number;
  keyRevisionNo: number;
  keyType: number;
  /** Two decimal digits, sent binary (TI "99" → 0x63). */
  tariffIndex: string;
  /** Six decimal digits; used (24-bit binary) only by the 3rd/4th sections of a 128-bit change. */
  supplyGroupCode: string;
  /** RO: the meter clears its TID memory after the change (base-date migration). Default false. */
  rollover?: boolean;
}

interface DecodedCommon {
  ok: true;
  class: number;
  subclass: number;
  /** The CRC (CRC_C for currency) matches; false also means "wrong key". Fields are still decoded. */
  crcOk: boolean;
}

interface DecodedTimed extends DecodedCommon {
  tid: number;
  /** The TID as an ISO 8601 UTC instant (`2004-03-01T13:55:00.000Z`) against the key's base date. */
  issuedAt: string;
}

/** Decoded credit token (class 0 sub 0–3). */
export interface DecodedCredit extends DecodedTimed {
  type: 'electricity' | 'water' | 'gas' | 'time';
  nectarType: NectarTokenType;
  random: number;
  /** Units as a decimal string with one decimal ("25.6"). */
  amount: string;
  /** The amount in tenths of a unit. */
  tenths: number;
  /** The raw 16-bit amount field. */
  field: number;
}

/** Decoded currency token (class 0 sub 4–7). */
export interface DecodedCurrency extends DecodedTimed {
  type: 'electricity-currency' | 'water-currency' | 'gas-currency' | 'time-currency';
  nectarType: NectarTokenType;
  /** Currency units as a decimal string with five decimals, '-' when the sign bit is set ("100.00000"). */
  amount: string;
  negative: boolean;
  /** The 5-bit exponent and 14-bit mantissa. */
  exponent: number;
  mantissa: number;
}

/** Decoded MPL / MPPUL (class 2 sub 0 / 6). */
export interface DecodedWatts extends DecodedTimed {
  type: 'max-power-limit' | 'max-phase-power-unbalance-limit';
  nectarType: NectarTokenType;
  random: number;
  watts: number;
  field: number;
}

/** Decoded ClearCredit / SetTariffRate / ClearTamper / SetWaterMeterFactor (class 2 sub 1, 2, 5, 7). */
export interface DecodedRaw16 extends DecodedTimed {
  type: 'clear-credit' | 'tariff-rate' | 'clear-tamper' | 'water-meter-factor';
  nectarType: NectarTokenType;
  random: number;
  register?: number;
  rate?: number;
  pad?: number;
  factor?: number;
}

/** Decoded class 1 token. */
export interface DecodedTestDisplay extends DecodedCommon {
  type: 'test-display-1' | 'test-display-2';
  nectarType: NectarTokenType;
  control: number;
  /** 2 digits (sub 0) or 4 digits (sub 1), zero-padded. */
  manufacturerCode: string;
}

/** Decoded key-change section (class 2 sub 3, 4, 8, 9). Only the fields of that section are present. */
export interface DecodedKeyChange extends DecodedCommon {
  type: 'key-change';
  nectarType: NectarTokenType;
  section: 1 | 2 | 3 | 4;
  /** 1st: KENHO; 2nd: KENLO (nibbles of the new KEN). */
  keyExpiryNoHighNibble?: number;
  keyExpiryNoLowNibble?: number;
  /** 1st section. */
  keyRevisionNo?: number;
  rollover?: boolean;
  /** 1st section: the Res/3KCT bit 50 (0 in every known vector). */
  reserved?: number;
  keyType?: number;
  /** 2nd section: TI as two digits ("02"). */
  tariffIndex?: string;
  /** 3rd section: SGCLO (12 bits); 4th: SGCHO. */
  supplyGroupCodeLow?: number;
  supplyGroupCodeHigh?: number;
  /** The 32 key bits of this section as 8 upper-case hex digits (NKHO, NKLO, NKMO2, NKMO1). */
  keyPart: string;
}

/** A token whose class is 0 or 2 but whose subclass is reserved (or decrypts to one under a wrong key). */
export interface DecodedReserved extends DecodedCommon {
  type: 'reserved';
  nectarType: null;
  /** The decrypted data block (class 0/2) or plain block (class 1) as 16 upper-case hex digits. */
  block: string;
}

export type DecodedTokenOk =
  | DecodedCredit
  | DecodedCurrency
  | DecodedWatts
  | DecodedRaw16
  | DecodedTestDisplay
  | DecodedKeyChange
  | DecodedReserved;

/** Failure of decodeToken: bad digits, class 3, no key for an encrypted class. Never thrown. */
export interface DecodeFailure {
  ok: false;
  code: TokenErrorCode;
  message: string;
}

export type DecodeResult = DecodedTokenOk | DecodeFailure;

/** A recovered key from a complete key-change set (assembleKeyChange). */
export interface AssembledKeyChange {
  newDecoderKey: Uint8Array;
  keyExpiryNo: number;
  keyRevisionNo: number;
  keyType: number;
  tariffIndex: string;
  rollover: boolean;
  /** Only for 128-bit (4-section) changes: the 6-digit SGC from SGCHO ‖ SGCLO. */
  supplyGroupCode?: string;
}
