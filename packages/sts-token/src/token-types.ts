// The STS token types: batch names, Nectar names and class/subclass (IEC 62055-41 §6.1, sts-reference §2).
// One table drives encoding, decoding and the request layer.

/** Batch (request) names of the token types that can be asked for one at a time. */
export type TokenTypeName =
  | 'electricity'
  | 'water'
  | 'gas'
  | 'time'
  | 'electricity-currency'
  | 'water-currency'
  | 'gas-currency'
  | 'time-currency'
  | 'test-display-1'
  | 'test-display-2'
  | 'max-power-limit'
  | 'clear-credit'
  | 'tariff-rate'
  | 'clear-tamper'
  | 'max-phase-power-unbalance-limit'
  | 'water-meter-factor'
  | 'key-change';

/** Nectar's `<Name>_<class><subclass>` strings (nectar-compat §3). */
export type NectarTokenType =
  | 'Electricity_00'
  | 'Water_01'
  | 'Gas_02'
  | 'Time_03'
  | 'ElectricityCurrency_04'
  | 'WaterCurrency_05'
  | 'GasCurrency_06'
  | 'TimeCurrency_07'
  | 'InitiateMeterTestOrDisplay1_10'
  | 'InitiateMeterTestOrDisplay2_11'
  | 'SetMaximumPowerLimit_20'
  | 'ClearCredit_21'
  | 'SetTariffRate_22'
  | 'Set1stSectionDecoderKey_23'
  | 'Set2ndSectionDecoderKey_24'
  | 'ClearTamperCondition_25'
  | 'SetMaximumPhasePowerUnbalanceLimit_26'
  | 'SetWaterMeterFactor_27'
  | 'Set3rdSectionDecoderKey_28'
  | 'Set4thSectionDecoderKey_29';

/** The shape of a type's 48 data bits, which decides how it is encoded and decoded. */
export type TokenLayout =
  | 'credit' // RND, TID, 16-bit amount (tenths)
  | 'currency' // S&E, TID, 16-bit currency amount, CRC_C
  | 'watts' // RND, TID, 16-bit amount-encoded watts
  | 'raw16' // RND, TID, raw 16-bit field (register, rate, pad, factor)
  | 'test-display' // class 1: control + MfrCode, not encrypted
  | 'key-change'; // class 2 sub 3/4/8/9

/** One row of the type table. */
export interface TokenTypeInfo {
  readonly name: TokenTypeName;
  readonly nectarType: NectarTokenType;
  readonly class: 0 | 1 | 2;
  readonly subclass: number;
  readonly layout: TokenLayout;
  /** The name of the value field in requests and decode results ('amount', 'watts', 'register', …), or null. */
  readonly field: 'amount' | 'watts' | 'register' | 'rate' | 'pad' | 'factor' | 'control' | null;
  /** Key-change section 1..4 for sub 3/4/8/9, otherwise 0. */
  readonly section: 0 | 1 | 2 | 3 | 4;
}

function row(
  name: TokenTypeName,
  nectarType: NectarTokenType,
  cls: 0 | 1 | 2,
  subclass: number,
  layout: TokenLayout,
  field: TokenTypeInfo['field'],
  section: TokenTypeInfo['section'] = 0,
): TokenTypeInfo {
  return Object.freeze({ name, nectarType, class: cls, subclass, layout, field, section });
}

/** Every known (class, subclass), in class/subclass order. Key change appears once per section. */
export const TOKEN_TYPES: readonly TokenTypeInfo[] = Object.freeze([
  row('electricity', 'Electricity_00', 0, 0, 'credit', 'amount'),
  row('water', 'Water_01', 0, 1, 'credit', 'amount'),
  row('gas', 'Gas_02', 0, 2, 'credit', 'amount'),
  row('time', 'Time_03', 0, 3, 'credit', 'amount'),
  row('electricity-currency', 'ElectricityCurrency_04', 0, 4, 'currency', 'amount'),
  row('water-currency', 'WaterCurrency_05', 0, 5, 'currency', 'amount'),
  row('gas-currency', 'GasCurrency_06', 0, 6, 'currency', 'amount'),
  row('time-currency', 'TimeCurrency_07', 0, 7, 'currency', 'amount'),
  row('test-display-1', 'InitiateMeterTestOrDisplay1_10', 1, 0, 'test-display', 'control'),
  row('test-display-2', 'InitiateMeterTestOrDisplay2_11', 1, 1, 'test-display', 'control'),
  row('max-power-limit', 'SetMaximumPowerLimit_20', 2, 0, 'watts', 'watts'),
  row('clear-credit', 'ClearCredit_21', 2, 1, 'raw16', 'register'),
  row('tariff-rate', 'SetTariffRate_22', 2, 2, 'raw16', 'rate'),
  row('key-change', 'Set1stSectionDecoderKey_23', 2, 3, 'key-change', null, 1),
  row('key-change', 'Set2ndSectionDecoderKey_24', 2, 4, 'key-change', null, 2),
  row('clear-tamper', 'ClearTamperCondition_25', 2, 5, 'raw16', 'pad'),
  row('max-phase-power-unbalance-limit', 'SetMaximumPhasePowerUnbalanceLimit_26', 2, 6, 'watts', 'watts'),
  row('water-meter-factor', 'SetWaterMeterFactor_27', 2, 7, 'raw16', 'factor'),
  row('key-change', 'Set3rdSectionDecoderKey_28', 2, 8, 'key-change', null, 3),
  row('key-change', 'Set4thSectionDecoderKey_29', 2, 9, 'key-change', null, 4),
]);

/** All batch names, in table order, once each. */
export const TOKEN_TYPE_NAMES: readonly TokenTypeName[] = Object.freeze([
  ...new Set(TOKEN_TYPES.map((t) => t.name)),
]);

// (class << 4 | subclass) → row, for the decoder's constant-time lookup.
const BY_CODE: (TokenTypeInfo | undefined)[] = new Array(64).fill(undefined);
for (const t of TOKEN_TYPES) BY_CODE[(t.class << 4) | t.subclass] = t;
const BY_NAME = new Map<string, TokenTypeInfo>();
for (const t of TOKEN_TYPES) if (!BY_NAME.has(t.name)) BY_NAME.set(t.name, t);
const BY_NECTAR = new Map<string, TokenTypeInfo>(TOKEN_TYPES.map((t) => [t.nectarType, t]));

/** The row of (class, subclass), or undefined for a reserved/proprietary subclass. */
export function tokenTypeByCode(tokenClass: number, subclass: number): TokenTypeInfo | undefined {
  return BY_CODE[((tokenClass & 3) << 4) | (subclass & 15)];
}

/** The row of a batch name ('key-change' gives its 1st section) or a Nectar name; undefined if unknown. */
export function tokenTypeByName(name: string): TokenTypeInfo | undefined {
  return BY_NAME.get(name) ?? BY_NECTAR.get(name);
}

/** True when `name` is one of the batch names. */
export function isTokenTypeName(name: unknown): name is TokenTypeName {
  return typeof name === 'string' && BY_NAME.has(name);
}
