// Checks for Meter.create options and for state-file objects: every field named, one line per problem.
// Key derivation for a new meter from an STS configuration and its DRN (IEC 62055-41 §6.5.2, DKGA02/04).

import { checkDrn as checkConfigDrn, type IssuerIdentificationNo } from 'sts-config';
import type { BaseDate, EncryptionAlgorithm } from 'sts-crypto';
import {
  baseDateMs,
  type DecoderKeyOptions,
  deriveKeyFromConfig,
  isoFromTid,
  MAX_TID,
  type PreparedDecoderKey,
} from 'sts-token';
import {
  DEFAULT_EVENT_LOG_SIZE,
  DEFAULT_KEY_CHANGE_TIMEOUT_MS,
  DEFAULT_TID_MEMORY_SIZE,
  type MeterCreateOptions,
  MeterError,
  type MeterState,
  REGISTER_CAPACITY,
  REGISTER_NAMES,
  RESULT_DISPLAY,
} from './types.ts';

/** Largest TID memory accepted (the standard leaves N to the implementation; firmware keeps ~20–50). */
export const MAX_TID_MEMORY_SIZE = 100_000;

/** Everything the Meter constructor needs, already checked. `key` is a fresh copy the meter owns. */
export interface MeterInit {
  drn: string;
  issuerIdentificationNo: string;
  pan: string;
  manufacturerCode: string;
  key: Uint8Array;
  encryptionAlgorithm: EncryptionAlgorithm;
  keyType: number;
  keyRevisionNo: number;
  keyExpiryNo: number;
  tariffIndex: string;
  supplyGroupCode: string;
  baseDate: BaseDate;
  tidMemorySize: number;
  keyChangeTimeoutMs: number;
  eventLogSize: number;
  createdAt: string;
  clock: () => Date;
  prepareKey?: (options: DecoderKeyOptions) => PreparedDecoderKey;
}

/** The default clock: one module-level function, not a closure per meter. */
export function systemClock(): Date {
  return new Date();
}

const ALGORITHMS: readonly string[] = ['sta', 'misty1', 'dea'];
const BASE_DATES: readonly number[] = [1993, 2014, 2035];

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isDigits(v: unknown, length: number): v is string {
  return typeof v === 'string' && v.length === length && /^\d+$/.test(v);
}

/** IIN implied by a DRN's length (a state file without an IIN): 11 digits → 600727, 13 → 0000. */
function iinForDrn(drn: string): string | undefined {
  return drn.length === 11 ? '600727' : drn.length === 13 ? '0000' : undefined;
}

/** Check a DRN against its IIN with sts-config's one DRN checker; returns the PAN. */
export function checkDrn(drn: unknown, iin: string | undefined): { drn: string; iin: string; pan: string } {
  if (typeof drn !== 'string') throw new MeterError('drn must be 11 or 13 decimal digits');
  const issuer = iin ?? iinForDrn(drn);
  if (issuer === undefined) throw new MeterError(`drn must be 11 or 13 digits, got ${drn.length}`);
  const result = checkConfigDrn(drn, { issuerIdentificationNo: issuer as IssuerIdentificationNo });
  if (!result.ok) throw new MeterError(result.message);
  return { drn, iin: issuer, pan: result.pan };
}

function checkManufacturerCode(code: unknown, drn: string): string {
  if (code === undefined) return drn.slice(0, drn.length === 11 ? 2 : 4);
  if (typeof code !== 'string' || !/^(\d{2}|\d{4})$/.test(code)) {
    throw new MeterError('manufacturer code must be 2 or 4 decimal digits');
  }
  return code;
}

let lastIsoMs = Number.NaN;
let lastIso = '';

/** `time.toISOString()`, remembered for the last instant: a fleet makes every meter at the same minute. */
function isoTime(time: Date): string {
  const ms = time.getTime();
  if (ms !== lastIsoMs) {
    lastIso = time.toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** Validate Meter.create options and derive the key. */
export function checkCreateOptions(opts: MeterCreateOptions): { init: MeterInit; now: Date } {
  if (typeof opts !== 'object' || opts === null) throw new MeterError('options must be an object');
  if ((opts.config === undefined) === (opts.key === undefined)) {
    throw new MeterError('give exactly one of config and key');
  }
  const clock = opts.clock ?? systemClock;
  const now = opts.now ?? clock();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new MeterError('now must be a valid Date');
  const tidMemorySize = opts.tidMemorySize ?? DEFAULT_TID_MEMORY_SIZE;
  if (!isInt(tidMemorySize, 1, MAX_TID_MEMORY_SIZE)) {
    throw new MeterError(`TID memory size must be an integer 1..${MAX_TID_MEMORY_SIZE}`);
  }
  const keyChangeTimeoutMs = opts.keyChangeTimeoutMs ?? DEFAULT_KEY_CHANGE_TIMEOUT_MS;
  if (!isInt(keyChangeTimeoutMs, 0, 2 ** 31)) throw new MeterError('key-change timeout must be 0..2^31 ms');
  const eventLogSize = opts.eventLogSize ?? DEFAULT_EVENT_LOG_SIZE;
  if (!isInt(eventLogSize, 0, 1_000_000))
    throw new MeterError('event log size must be an integer 0..1000000');

  let id: { drn: string; iin: string; pan: string };
  let key: Uint8Array;
  let attrs: Omit<
    MeterInit,
    | 'drn'
    | 'issuerIdentificationNo'
    | 'pan'
    | 'manufacturerCode'
    | 'key'
    | 'tidMemorySize'
    | 'keyChangeTimeoutMs'
    | 'eventLogSize'
    | 'createdAt'
    | 'clock'
  >;
  if (opts.config !== undefined) {
    const c = opts.config;
    id = checkDrn(opts.drn, c.issuerIdentificationNo);
    if (opts.issuerIdentificationNo !== undefined && opts.issuerIdentificationNo !== id.iin) {
      throw new MeterError('issuerIdentificationNo conflicts with the configuration');
    }
    try {
      key = deriveKeyFromConfig(c, id.drn);
    } catch (e) {
      // sts-token's messages name the field and never echo key material.
      throw new MeterError(`cannot derive the decoder key: ${e instanceof Error ? e.message : String(e)}`);
    }
    attrs = {
      encryptionAlgorithm: c.encryptionAlgorithm,
      keyType: c.keyType,
      keyRevisionNo: c.keyRevisionNo,
      keyExpiryNo: c.keyExpiryNo,
      tariffIndex: c.tariffIndex,
      supplyGroupCode: c.supplyGroupCode,
      baseDate: c.baseDate,
    };
  } else {
    const k = opts.key!;
    id = checkDrn(opts.drn, opts.issuerIdentificationNo);
    if (!ALGORITHMS.includes(k.encryptionAlgorithm))
      throw new MeterError('key.encryptionAlgorithm must be sta, misty1 or dea');
    const len = k.encryptionAlgorithm === 'misty1' ? 16 : 8;
    if (!(k.decoderKey instanceof Uint8Array) || k.decoderKey.length !== len) {
      throw new MeterError(`key.decoderKey must be ${len} bytes for ${k.encryptionAlgorithm}`);
    }
    key = Uint8Array.from(k.decoderKey);
    attrs = {
      encryptionAlgorithm: k.encryptionAlgorithm,
      keyType: k.keyType ?? 2,
      keyRevisionNo: k.keyRevisionNo ?? 1,
      keyExpiryNo: k.keyExpiryNo ?? 255,
      tariffIndex: k.tariffIndex ?? '01',
      supplyGroupCode: k.supplyGroupCode ?? '000000',
      baseDate: k.baseDate,
    };
    checkKeyAttributes(attrs, 'key.');
  }
  const manufacturerCode = checkManufacturerCode(opts.manufacturerCode, id.drn);
  const init: MeterInit = {
    drn: id.drn,
    issuerIdentificationNo: id.iin,
    pan: id.pan,
    manufacturerCode,
    key,
    encryptionAlgorithm: attrs.encryptionAlgorithm,
    keyType: attrs.keyType,
    keyRevisionNo: attrs.keyRevisionNo,
    keyExpiryNo: attrs.keyExpiryNo,
    tariffIndex: attrs.tariffIndex,
    supplyGroupCode: attrs.supplyGroupCode,
    baseDate: attrs.baseDate,
    tidMemorySize,
    keyChangeTimeoutMs,
    eventLogSize,
    createdAt: isoTime(now),
    clock,
  };
  if (opts.prepareKey !== undefined) init.prepareKey = opts.prepareKey;
  return { init, now };
}

function checkKeyAttributes(
  a: {
    encryptionAlgorithm: unknown;
    keyType: unknown;
    keyRevisionNo: unknown;
    keyExpiryNo: unknown;
    tariffIndex: unknown;
    supplyGroupCode: unknown;
    baseDate: unknown;
  },
  path: string,
): void {
  if (typeof a.encryptionAlgorithm !== 'string' || !ALGORITHMS.includes(a.encryptionAlgorithm)) {
    throw new MeterError(`${path}encryptionAlgorithm must be sta, misty1 or dea`);
  }
  if (!isInt(a.keyType, 0, 3)) throw new MeterError(`${path}keyType must be an integer 0..3`);
  if (!isInt(a.keyRevisionNo, 1, 9)) throw new MeterError(`${path}keyRevisionNo must be an integer 1..9`);
  if (!isInt(a.keyExpiryNo, 0, 255)) throw new MeterError(`${path}keyExpiryNo must be an integer 0..255`);
  if (!isDigits(a.tariffIndex, 2)) throw new MeterError(`${path}tariffIndex must be 2 digits`);
  if (!isDigits(a.supplyGroupCode, 6)) throw new MeterError(`${path}supplyGroupCode must be 6 digits`);
  if (typeof a.baseDate !== 'number' || !BASE_DATES.includes(a.baseDate)) {
    throw new MeterError(`${path}baseDate must be 1993, 2014 or 2035`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIsoTime(v: unknown): v is string {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}

function nullableInt(v: unknown, max: number): boolean {
  return v === null || isInt(v, 0, max);
}

/** Validate a state-file object; throws MeterError naming the first bad field (`tidMemory.tids[3]: …`). */
export function checkState(v: unknown): MeterState {
  if (!isObject(v)) throw new MeterError('not a meter state object');
  if (v.format !== 'sts-meter-state') throw new MeterError('format must be "sts-meter-state"');
  if (v.version !== 1) throw new MeterError(`version ${String(v.version)} is not supported (expected 1)`);
  const id = checkDrn(
    v.drn,
    typeof v.issuerIdentificationNo === 'string' ? v.issuerIdentificationNo : undefined,
  );
  if (v.pan !== id.pan) throw new MeterError('pan does not match IIN and DRN');
  checkManufacturerCode(v.manufacturerCode ?? null, id.drn);
  if (!isObject(v.key)) throw new MeterError('key must be an object');
  checkKeyAttributes(v.key as never, 'key.');
  const alg = v.key.encryptionAlgorithm as string;
  const hexLen = alg === 'misty1' ? 32 : 16;
  if (
    typeof v.key.decoderKey !== 'string' ||
    !new RegExp(`^[0-9A-Fa-f]{${hexLen}}$`).test(v.key.decoderKey)
  ) {
    throw new MeterError(`key.decoderKey must be ${hexLen} hex digits`);
  }
  if (!isObject(v.tidMemory) || !isInt(v.tidMemory.size, 1, MAX_TID_MEMORY_SIZE)) {
    throw new MeterError(`tidMemory.size must be an integer 1..${MAX_TID_MEMORY_SIZE}`);
  }
  const tids = v.tidMemory.tids;
  if (!Array.isArray(tids) || tids.length > v.tidMemory.size) {
    throw new MeterError('tidMemory.tids must be an array no longer than tidMemory.size');
  }
  tids.forEach((t, i) => {
    if (!isInt(t, 0, MAX_TID)) throw new MeterError(`tidMemory.tids[${i}] must be an integer 0..${MAX_TID}`);
  });
  if (!isObject(v.registers)) throw new MeterError('registers must be an object');
  for (const name of REGISTER_NAMES) {
    if (!isInt(v.registers[name], 0, REGISTER_CAPACITY)) {
      throw new MeterError(`registers.${name} must be an integer 0..${REGISTER_CAPACITY}`);
    }
  }
  for (const f of ['maximumPowerLimit', 'maximumPhasePowerUnbalanceLimit'] as const) {
    if (!nullableInt(v[f], 18_201_624)) throw new MeterError(`${f} must be null or an integer 0..18201624`);
  }
  for (const f of ['waterMeterFactor', 'tariffRate'] as const) {
    if (!nullableInt(v[f], 0xffff)) throw new MeterError(`${f} must be null or an integer 0..65535`);
  }
  if (typeof v.tamper !== 'boolean') throw new MeterError('tamper must be true or false');
  if (
    !isObject(v.keyChange) ||
    !isInt(v.keyChange.timeoutMs, 0, 2 ** 31) ||
    !Array.isArray(v.keyChange.sections)
  ) {
    throw new MeterError('keyChange must be { timeoutMs, sections: [] }');
  }
  v.keyChange.sections.forEach((s: unknown, i: number) => {
    if (
      !isObject(s) ||
      !isInt(s.section, 1, 4) ||
      !isIsoTime(s.receivedAt) ||
      typeof s.block !== 'string' ||
      !/^[0-9A-F]{16}$/i.test(s.block)
    ) {
      throw new MeterError(`keyChange.sections[${i}] must be { section 1..4, receivedAt, block (16 hex) }`);
    }
  });
  if (!isObject(v.eventLog) || !isInt(v.eventLog.size, 0, 1_000_000) || !Array.isArray(v.eventLog.entries)) {
    throw new MeterError('eventLog must be { size, entries: [] }');
  }
  v.eventLog.entries.forEach((e: unknown, i: number) => {
    if (
      !isObject(e) ||
      !isIsoTime(e.at) ||
      typeof e.token !== 'string' ||
      typeof e.result !== 'string' ||
      !(e.result in RESULT_DISPLAY) ||
      typeof e.message !== 'string'
    ) {
      throw new MeterError(`eventLog.entries[${i}] is not a valid event`);
    }
  });
  if (!isIsoTime(v.createdAt)) throw new MeterError('createdAt must be an ISO 8601 time');
  return v as unknown as MeterState;
}

/** TID (minutes since the base date, seconds truncated) of an instant; may be negative or ≥ 2^24. */
export function tidOf(time: Date, baseDate: BaseDate): number {
  return Math.floor((time.getTime() - baseDateMs(baseDate)) / 60_000);
}

/**
 * Why an instant has no TID under a base date (before it, or past its last TID, 2^24 − 1 minutes on:
 * 2024-11-24T20:15Z for base date 1993), as one line; null when it has one.
 */
export function tidRangeProblem(time: Date, baseDate: BaseDate): string | null {
  const tid = tidOf(time, baseDate);
  if (tid < 0) return `now ${time.toISOString()} is before the key's base date ${baseDate}`;
  if (tid > MAX_TID) {
    const last = isoFromTid(MAX_TID, baseDate).slice(0, 16);
    return `now ${time.toISOString()} is past the last TID of base date ${baseDate} (${last}Z)`;
  }
  return null;
}

/** The base dates under which an instant has a TID (none before 1993 or after 2066-11-24T20:15Z). */
export function baseDatesCovering(time: Date): BaseDate[] {
  return (BASE_DATES as BaseDate[]).filter((b) => tidRangeProblem(time, b) === null);
}

let lastCreatedAt = '';
let lastBaseDate = 0;
let lastFactoryTid = 0;

/**
 * The TID a new meter's memory is filled with: the minute before `createdAt` (so that a token of the
 * very minute it was made is accepted). Remembered for the last one: a fleet makes every meter at once.
 */
export function factoryTid(createdAt: string, baseDate: BaseDate): number {
  if (createdAt !== lastCreatedAt || baseDate !== lastBaseDate) {
    lastFactoryTid = tidOf(new Date(createdAt), baseDate) - 1;
    lastCreatedAt = createdAt;
    lastBaseDate = baseDate;
  }
  return lastFactoryTid;
}
