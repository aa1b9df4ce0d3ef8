// sts-token: encode and decode every STS token type (IEC 62055-41 §6), one at a time or millions.
// This file is the contract apps/vend and apps/meter-sim code against; see README.md for examples.
// Everything else in src/ is internal (the package's own tests and bench import it by path).

// Field encodings (§4, §5)
export {
  decodeAmountField,
  encodeAmountField,
  formatTenths,
  MAX_AMOUNT_TENTHS,
  parseAmountTenths,
} from './amount.ts';
export {
  type CurrencyField,
  currencyUnits,
  decodeCurrencyAmount,
  encodeCurrencyAmount,
} from './currency.ts';
export { type DecodeStatus, decodeInto, decodeToken } from './decode.ts';
// 20-digit form (§7)
export { formatToken, parseTokenString } from './digits.ts';
// Encoding, key change, decoding
export { encodeBlockToken, encodeToken, encodeTokenDetailed } from './encode.ts';
export { isTokenError, TokenError, type TokenErrorCode } from './errors.ts';
export {
  type FactoryConfig,
  type NectarTokenRecord,
  TokenFactory,
  type TokenFactoryOptions,
} from './factory.ts';
export {
  blockField,
  blockNibble,
  blockSubclass,
  blockTid,
  keyChangeSection,
  testDisplayBlockInto,
  testDisplayControl,
  testDisplayManufacturerCode,
  timedBlockHi,
  timedBlockLo,
} from './fields.ts';

// Keys
export {
  type DecoderKeyOptions,
  deriveKeyFromConfig,
  keyFromConfig,
  type PreparedDecoderKey,
  prepareConfigDerivation,
  prepareKey,
  type StsConfigLike,
} from './key.ts';
export {
  assembleKeyChange,
  assembleKeyChangeBlocks,
  encodeKeyChange,
  encodeKeyChangeDetailed,
  keyChangeFromConfigs,
} from './key-change.ts';
// The batch request layer and the Nectar-style factory
export {
  type DecodeRequestResult,
  processDecodeRequest,
  processTokenRequest,
  RequestCache,
  type RequestCacheOptions,
  type RequestError,
  type TokenRequestResult,
} from './request.ts';
export { baseDateMs, instantFromTid, isoFromTid, MAX_TID, tidFromInstant } from './tid.ts';
export {
  type NectarTokenType,
  TOKEN_TYPES,
  type TokenLayout,
  type TokenTypeInfo,
  type TokenTypeName,
  tokenTypeByCode,
  tokenTypeByName,
} from './token-types.ts';
// Types and the type table
export type {
  AssembledKeyChange,
  BaseDate,
  ClearCreditInput,
  ClearTamperInput,
  CreditInput,
  CurrencyInput,
  DecodedCredit,
  DecodedCurrency,
  DecodedKeyChange,
  DecodedRaw16,
  DecodedReserved,
  DecodedTestDisplay,
  DecodedTokenOk,
  DecodedWatts,
  DecodeFailure,
  DecodeResult,
  EncodedToken,
  EncryptionAlgorithm,
  Instant,
  KeyChangeParams,
  TariffRateInput,
  TestDisplayInput,
  TokenInput,
  TokenTiming,
  WaterMeterFactorInput,
  WattsInput,
} from './types.ts';
