// The meter model's public types, constants and result table (what the CLI, fleet and serve code against).
// Result codes and display texts: IEC 62055-41 token results as meters show them (sts-reference §12).

import type { StsConfig } from 'sts-config';
import type { BaseDate, EncryptionAlgorithm, KcvMethod } from 'sts-crypto';
import { type DecoderKeyOptions, formatTenths, type PreparedDecoderKey } from 'sts-token';

export type { BaseDate, EncryptionAlgorithm };

/** Every result a meter can show for an entered token. */
export type ResultCode =
  | 'accept'
  | 'kct-1-accepted'
  | 'kct-2-accepted'
  | 'kct-3-accepted'
  | 'kct-4-accepted'
  | 'crc-error'
  | 'used'
  | 'old'
  | 'key-expired'
  | 'ddtk-error'
  | 'key-type-error'
  | 'mfr-code-error'
  | 'format-error'
  | 'range-error'
  | 'overflow'
  | 'function-error';

/** The short text the meter's display shows for each result (README "Results"). */
export const RESULT_DISPLAY: Readonly<Record<ResultCode, string>> = Object.freeze({
  accept: 'Accept',
  'kct-1-accepted': '1stKCT',
  'kct-2-accepted': '2ndKCT',
  'kct-3-accepted': '3rdKCT',
  'kct-4-accepted': '4thKCT',
  'crc-error': 'CRC Err',
  used: 'Used',
  old: 'Old',
  'key-expired': 'Key Exp',
  'ddtk-error': 'DDTK Err',
  'key-type-error': 'KeyT Err',
  'mfr-code-error': 'Mfr Err',
  'format-error': 'Format Err',
  'range-error': 'Range Err',
  overflow: 'Overflow',
  'function-error': 'Func Err',
});

/** All result codes, in the table order above. */
export const RESULT_CODES: readonly ResultCode[] = Object.freeze(Object.keys(RESULT_DISPLAY) as ResultCode[]);

/** True for the results that mean "the token was taken" (accept and the four KCT section results). */
export function isAcceptedResult(result: ResultCode): boolean {
  return result === 'accept' || result.startsWith('kct-');
}

/** One register per class-0 subclass, in subclass order (index = subclass). */
export const REGISTER_NAMES = [
  'electricity',
  'water',
  'gas',
  'time',
  'electricity-currency',
  'water-currency',
  'gas-currency',
  'time-currency',
] as const;
export type RegisterName = (typeof REGISTER_NAMES)[number];

/**
 * Register capacity in base units (tenths for 0–3, 10⁻⁵ currency units for 4–7): 2^53 − 1, the largest
 * integer a JSON number (and a JS number) holds exactly. A credit that would pass it is `overflow`.
 */
export const REGISTER_CAPACITY = Number.MAX_SAFE_INTEGER;

/** Default number of TIDs the meter remembers. */
export const DEFAULT_TID_MEMORY_SIZE = 50;
/** Default time an incomplete key-change set waits for its other sections (injected clock). */
export const DEFAULT_KEY_CHANGE_TIMEOUT_MS = 10 * 60_000;
/** Default number of event-log entries kept (oldest dropped first). */
export const DEFAULT_EVENT_LOG_SIZE = 1000;

/** A register value (base units) as a decimal in units: tenths for registers 0–3, 10⁻⁵ for 4–7. */
export function formatRegister(index: number, value: number): string {
  if (index < 4) return formatTenths(value);
  const rest = value % 100_000; // exact for every integer up to 2^53, unlike Math.floor(value / 100000)
  return `${(value - rest) / 100_000}.${String(rest).padStart(5, '0')}`;
}

/** The decoder key and its attributes, as persisted in the state file (the key is secret: mode 0600). */
export interface MeterKeyState {
  /** Natural big-endian hex, 16 (STA, DEA) or 32 (MISTY1) digits. SECRET. */
  decoderKey: string;
  encryptionAlgorithm: EncryptionAlgorithm;
  /** KT: 0 DITK, 1 DDTK, 2 DUTK, 3 DCTK. */
  keyType: number;
  keyRevisionNo: number;
  /** KEN 0..255 (255 never expires). */
  keyExpiryNo: number;
  /** Two digits. */
  tariffIndex: string;
  /** Six digits. */
  supplyGroupCode: string;
  baseDate: BaseDate;
}

/** The public view of the key: attributes and a key check value, never the key. */
export interface MeterKeyView extends Omit<MeterKeyState, 'decoderKey'> {
  /** KCV of the decoder key, 6 upper-case hex digits, computed by `kcvMethod`. */
  kcv: string;
  /** sts-crypto's kcvMethodForDecoderKey: 'des' (64-bit STA/DEA keys) or 'aes-cmac' (128-bit MISTY1). */
  kcvMethod: KcvMethod;
}

/** A key-change section waiting for the rest of its set. `keyPart` is secret (state file only). */
export interface KeyChangeSectionState {
  section: 1 | 2 | 3 | 4;
  /** ISO 8601 UTC arrival time (injected clock). */
  receivedAt: string;
  /** The decrypted 64-bit data block, 16 upper-case hex digits. SECRET (holds new key bits). */
  block: string;
}

/** One event-log entry (every entered token, accepted or not). */
export interface MeterEvent {
  at: string;
  token: string;
  result: ResultCode;
  display: string;
  class?: number;
  subclass?: number;
  tid?: number;
  /** One-line human explanation, same as MeterResult.message. */
  message: string;
}

/** Everything the meter remembers: what the state file holds. Contains the decoder key. */
export interface MeterState {
  format: 'sts-meter-state';
  version: 1;
  drn: string;
  issuerIdentificationNo: string;
  /** IIN ‖ DRN ‖ Luhn, 18 digits. */
  pan: string;
  /** 2 digits (11-digit DRN) or 4 digits (13-digit DRN); class-1 tokens must carry it. */
  manufacturerCode: string;
  key: MeterKeyState;
  /** Stored TIDs in ascending order (duplicates allowed: a new meter holds `size` copies of its manufacture TID). */
  tidMemory: { size: number; tids: number[] };
  /** Integer base units per register. */
  registers: Record<RegisterName, number>;
  /** Watts, or null when never set. */
  maximumPowerLimit: number | null;
  maximumPhasePowerUnbalanceLimit: number | null;
  waterMeterFactor: number | null;
  tariffRate: number | null;
  tamper: boolean;
  keyChange: { timeoutMs: number; sections: KeyChangeSectionState[] };
  eventLog: { size: number; entries: MeterEvent[] };
  createdAt: string;
}

/** What `show`, `toJSON()` and the HTTP API expose: the state without any secret. */
export interface MeterView extends Omit<MeterState, 'key' | 'keyChange'> {
  key: MeterKeyView;
  keyChange: { timeoutMs: number; sections: { section: number; receivedAt: string }[] };
}

/** The result of entering one token. A rejected token changes nothing but the event log. */
export interface MeterResult {
  /** The token as entered (trimmed; spaces and dashes between digit groups removed). */
  token: string;
  result: ResultCode;
  accepted: boolean;
  /** RESULT_DISPLAY[result]. */
  display: string;
  /** One line explaining the result ("credit 25.6 electricity (tenths 256)", "TID 5871715 already used"). */
  message: string;
  class?: number;
  subclass?: number;
  /** sts-token type name ('electricity', 'key-change', …) or 'reserved'. */
  type?: string;
  tid?: number;
  /** The TID as an ISO UTC instant against the key's base date. */
  issuedAt?: string;
  /** Credit amount as a decimal ("25.6", "100.00000", "-1.50000"). */
  amount?: string;
  /** Register credited or cleared ('all' for ClearCredit 0xFFFF). */
  register?: RegisterName | 'all';
  /** The credited register's new value as a decimal in units. */
  balance?: string;
  watts?: number;
  rate?: number;
  factor?: number;
  control?: number;
  manufacturerCode?: string;
  /** Key-change section 1..4. */
  section?: number;
  /** True when this section completed the set and the new key was installed. */
  keyInstalled?: boolean;
  /** True when the meter's state (besides the event log) changed. */
  changed: boolean;
}

/** A decoder key given directly (the `decoderKey` vector form) instead of a configuration file. */
export interface MeterKeyInput {
  decoderKey: Uint8Array;
  encryptionAlgorithm: EncryptionAlgorithm;
  baseDate: BaseDate;
  /** Default 2 (DUTK). */
  keyType?: number;
  /** Default 1. */
  keyRevisionNo?: number;
  /** Default 255. */
  keyExpiryNo?: number;
  /** Default '01'. */
  tariffIndex?: string;
  /** Default '000000'. */
  supplyGroupCode?: string;
}

/** Options of Meter.create: exactly one of `config` (key derived from it and the DRN) or `key`. */
export interface MeterCreateOptions {
  config?: StsConfig;
  key?: MeterKeyInput;
  /** 11 digits (IIN 600727) or 13 digits (IIN 0000), check digit included. */
  drn: string;
  /** IIN when `key` is given (with `config` it comes from the config). Default from the DRN length. */
  issuerIdentificationNo?: string;
  /** Default DEFAULT_TID_MEMORY_SIZE. */
  tidMemorySize?: number;
  /** Default: the DRN's first 2 (11-digit) or 4 (13-digit) digits. */
  manufacturerCode?: string;
  /** Manufacture time: its TID pre-fills the TID memory. Default: the clock. */
  now?: Date;
  keyChangeTimeoutMs?: number;
  /** 0 turns the log off (fleet). Default DEFAULT_EVENT_LOG_SIZE. */
  eventLogSize?: number;
  /** Injected clock for `enter` without an explicit time. Default () => new Date(). */
  clock?: () => Date;
  /**
   * Prepares the decoder key (at creation and at each key change). Default: sts-token's prepareKey. The
   * fleet passes one that also hands the prepared key to its vending side, so a simulated meter and its
   * vendor share one key schedule instead of preparing it twice.
   */
  prepareKey?: (options: DecoderKeyOptions) => PreparedDecoderKey;
}

/** Thrown by Meter.create / Meter.fromState for bad options or a corrupt state; one-line message. */
export class MeterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeterError';
  }
}
