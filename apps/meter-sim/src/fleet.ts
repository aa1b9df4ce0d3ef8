// Fleet simulation: N meters in memory, each fed generated tokens with replays, old, foreign, corrupted,
// expired, test/display and key-change tokens mixed in; every result is compared with what the vendor expects.

import type { StsConfig } from 'sts-config';
import { type DecoderKeyDeriver, luhnCheckDigit, wipe } from 'sts-crypto';
import {
  type DecoderKeyOptions,
  decodeInto,
  encodeBlockToken,
  encodeKeyChange,
  type PreparedDecoderKey,
  prepareConfigDerivation,
  prepareKey,
  testDisplayBlockInto,
  timedBlockHi,
  timedBlockLo,
} from 'sts-token';
import { Meter, type ResultCode } from './meter.ts';

/** The kinds of token the fleet sends, in table order. */
export const FLEET_KINDS = [
  'credit',
  'management',
  'replay',
  'old',
  'foreign',
  'corrupted',
  'expired',
  'test-display',
  'wrong-mfr',
  'key-change',
] as const;
export type FleetKind = (typeof FLEET_KINDS)[number];

export interface FleetOptions {
  config: StsConfig;
  meters: number;
  tokensPerMeter: number;
  seed: number;
  /** Called every `progressEvery` rounds (optional). */
  onRound?: (round: number) => void;
}

export interface FleetRow {
  kind: FleetKind;
  sent: number;
  /** The distinct expected results, e.g. ['accept'] or ['accept', 'ddtk-error']. */
  expected: ResultCode[];
  asExpected: number;
  mismatches: number;
}

export interface FleetReport {
  meters: number;
  tokensPerMeter: number;
  seed: number;
  tokens: number;
  rows: FleetRow[];
  /** Meters whose electricity register differs from the sum of credit they accepted. */
  registerMismatches: number;
  mismatches: number;
  /** Up to 10 examples of mismatches, for debugging. */
  examples: { meter: string; kind: FleetKind; token: string; expected: ResultCode; got: ResultCode }[];
}

/** splitmix32-style deterministic generator (the seed decides every token). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The i-th DRN of the fleet: manufacturer 47 (or 0047), serial i, Luhn check digit. */
export function fleetDrn(i: number, iin: string): string {
  const body = iin === '600727' ? `47${String(i).padStart(8, '0')}` : `0047${String(i).padStart(8, '0')}`;
  return body + luhnCheckDigit(body);
}

/** The generator of `rng` as a class, so the hot loop calls a method instead of nested closures. */
class SplitMix {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    const s = (this.#s + 0x9e3779b9) >>> 0;
    this.#s = s;
    let z = Math.imul(s ^ (s >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** A number in 0..k−1. */
  below(k: number): number {
    return this.next() % k;
  }
}

// Kinds by index (FLEET_KINDS order); the hot loop works on numbers, the report on names.
const CREDIT = 0;
const MANAGEMENT = 1;
const REPLAY = 2;
const OLD = 3;
const FOREIGN = 4;
const CORRUPTED = 5;
const EXPIRED = 6;
const TEST_DISPLAY = 7;
const WRONG_MFR = 8;
const KEY_CHANGE = 9;

/** Kind of each percentile of the draw below(100): 46 % credit, 8 management, 9 replay, 7 old, … */
const KIND_OF_PERCENT = new Uint8Array(100);
{
  const upTo = [46, 54, 63, 70, 78, 87, 90, 94, 97, 100];
  for (let r = 0, k = 0; r < 100; r++) {
    while (r >= upTo[k]!) k++;
    KIND_OF_PERCENT[r] = k;
  }
}

const KCT_ACCEPTED: readonly ResultCode[] = [
  'function-error', // unused: sections are 1..4
  'kct-1-accepted',
  'kct-2-accepted',
  'kct-3-accepted',
  'kct-4-accepted',
];

/** Pending key-change sections (tokens) still to send, and the key they install. */
interface PendingKeyChange {
  tokens: string[];
  sections: number[];
  key: Uint8Array;
  keyType: number;
  krn: number;
}

/** Vendor-side knowledge of one meter: its current key, next TID, and what it should have accepted. */
class Vendor {
  readonly meter: Meter;
  key: PreparedDecoderKey;
  keyType: number;
  keyRevisionNo: number;
  nextTid: number;
  lastAccepted: string | null = null;
  credited = 0;
  kct: PendingKeyChange | null = null;
  constructor(meter: Meter, key: PreparedDecoderKey, keyType: number, krn: number, nextTid: number) {
    this.meter = meter;
    this.key = key;
    this.keyType = keyType;
    this.keyRevisionNo = krn;
    this.nextTid = nextTid;
  }
}

const scratch = new Uint32Array(3);

/** Would `token` pass the CRC under `key`? (The vendor knows the key; used to make expectations exact.) */
function passesCrc(token: string, key: PreparedDecoderKey): boolean {
  return decodeInto(key, token, scratch) === 'ok';
}

/** The result a meter under `keyType` gives a fresh timed token of class `cls`. */
function timedExpect(keyType: number, cls: number): ResultCode {
  return keyType === 3 ? 'key-type-error' : cls === 0 && keyType === 1 ? 'ddtk-error' : 'accept';
}

/** The meter's key preparation hook: remembers the last prepared key so the vendor side can share it. */
class SharedPreparation {
  last: PreparedDecoderKey | null = null;
  readonly prepare = (options: DecoderKeyOptions): PreparedDecoderKey => {
    this.last = prepareKey(options);
    return this.last;
  };
}

/** Run the simulation. Memory: O(meters); tokens are generated, entered and forgotten. */
export function runFleet(o: FleetOptions): FleetReport {
  const { config, meters: n, tokensPerMeter: m } = o;
  const rand = new SplitMix(o.seed);
  const alg = config.encryptionAlgorithm;
  const keyLength = alg === 'misty1' ? 16 : 8;
  const ken = config.keyExpiryNo;
  // TIDs: the fleet is made at minute `startTid` of the base date, inside the key's expiry window.
  const startTid = Math.min(1 << 23, ken << 16) + 1000;
  const t0 = Date.UTC(config.baseDate, 0, 1) + startTid * 60_000;
  const made = new Date(t0);
  const deriver: DecoderKeyDeriver = prepareConfigDerivation(config);
  const key = new Uint8Array(keyLength);
  const vendors: Vendor[] = new Array(n);
  // The meter prepares its key (at creation and at each key change) through this hook, so the vending side
  // encrypts with the very key schedule the meter decrypts with: one preparation per key, not two.
  const shared = new SharedPreparation();
  const meterKey = {
    decoderKey: key,
    encryptionAlgorithm: alg,
    baseDate: config.baseDate,
    keyType: config.keyType,
    keyRevisionNo: config.keyRevisionNo,
    keyExpiryNo: ken,
    tariffIndex: config.tariffIndex,
    supplyGroupCode: config.supplyGroupCode,
  };
  for (let i = 0; i < n; i++) {
    const drn = fleetDrn(i, config.issuerIdentificationNo);
    deriver.derive(drn, key);
    // Meter.create copies the key bytes, so one options object serves every meter.
    const meter = Meter.create({
      key: meterKey,
      drn,
      now: made,
      eventLogSize: 0,
      prepareKey: shared.prepare,
    });
    vendors[i] = new Vendor(meter, shared.last!, config.keyType, config.keyRevisionNo, startTid + 1);
  }
  wipe(key);
  deriver.destroy();
  // With one meter, "foreign" tokens come from a key no meter has.
  const strangerKey = new Uint8Array(keyLength);
  for (let b = 0; b < keyLength; b++) strangerKey[b] = rand.below(256);
  const stranger = prepareKey({
    decoderKey: strangerKey,
    encryptionAlgorithm: alg,
    baseDate: config.baseDate,
  });
  wipe(strangerKey);

  const kinds = FLEET_KINDS.length;
  const sent = new Float64Array(kinds);
  const ok = new Float64Array(kinds);
  // Distinct expected results per kind, in the order first seen (the report lists them so).
  const expectedSets: Set<ResultCode>[] = [];
  const lastExpected: (ResultCode | null)[] = [];
  for (let k = 0; k < kinds; k++) {
    expectedSets.push(new Set());
    lastExpected.push(null);
  }
  const examples: FleetReport['examples'] = [];
  let mismatches = 0;
  const mfr = 47;

  for (let round = 0; round < m; round++) {
    const now = new Date(t0 + (round + 1) * 60_000);
    for (let i = 0; i < n; i++) {
      const v = vendors[i]!;
      let kind: number;
      let token: string;
      let expected: ResultCode;
      let credit = 0;
      if (v.kct !== null) {
        kind = KEY_CHANGE;
        const section = v.kct.sections.shift()!;
        token = v.kct.tokens[section - 1]!;
        expected = v.keyType === 3 ? 'key-type-error' : KCT_ACCEPTED[section]!;
      } else {
        kind = KIND_OF_PERCENT[rand.below(100)]!;
        if (kind === REPLAY && v.lastAccepted === null) kind = CREDIT;
        if (kind === EXPIRED && ken === 255) kind = CREDIT;
        if (kind === KEY_CHANGE && m - round < keyLength / 4) kind = CREDIT; // a whole set must fit
        const tid = v.nextTid;
        switch (kind) {
          case CREDIT: {
            credit = 1 + rand.below(16383);
            // e = 0: the field is the amount in tenths
            token = encodeBlockToken(v.key, 0, timedBlockHi(0, rand.below(16), tid), timedBlockLo(credit));
            expected = timedExpect(v.keyType, 0);
            v.nextTid += 1 + rand.below(3);
            break;
          }
          case MANAGEMENT: {
            const hi = timedBlockHi(0, rand.below(16), tid); // SetMaximumPowerLimit
            token = encodeBlockToken(v.key, 2, hi, timedBlockLo(rand.below(16384)));
            expected = timedExpect(v.keyType, 2);
            v.nextTid += 1 + rand.below(3);
            break;
          }
          case REPLAY:
            token = v.lastAccepted!;
            expected = 'used';
            break;
          case OLD: {
            const random = rand.below(16);
            const hi = timedBlockHi(0, random, startTid - 1 - rand.below(Math.min(startTid, 5000)));
            token = encodeBlockToken(v.key, 0, hi, timedBlockLo(10));
            expected = 'old';
            break;
          }
          case FOREIGN: {
            // Another meter's key; with one meter, or a common key (DCTK), a key no meter has.
            let other = n > 1 ? vendors[(i + 1 + rand.below(n - 1)) % n]!.key : stranger;
            for (let tries = 0; ; tries++) {
              const hi = timedBlockHi(0, rand.below(16), tid);
              token = encodeBlockToken(other, 0, hi, timedBlockLo(1 + rand.below(16383)));
              if (!passesCrc(token, v.key)) break;
              if (tries > 2) other = stranger;
            }
            expected = 'crc-error';
            break;
          }
          case CORRUPTED: {
            const hi = timedBlockHi(0, rand.below(16), tid);
            const good = encodeBlockToken(v.key, 0, hi, timedBlockLo(1 + rand.below(16383)));
            for (;;) {
              const pos = rand.below(20);
              const d = (good.charCodeAt(pos) - 48 + 1 + rand.below(9)) % 10;
              token = good.slice(0, pos) + d + good.slice(pos + 1);
              // keep it a class 0/2 token below 2^66 whose CRC fails under this key: a pure CRC error
              if (decodeInto(v.key, token, scratch) === 'crc-error' && scratch[0] !== 1) break;
            }
            expected = 'crc-error';
            break;
          }
          case EXPIRED: {
            const random = rand.below(16);
            const hi = timedBlockHi(0, random, ((ken + 1) << 16) + rand.below(1000));
            token = encodeBlockToken(v.key, 0, hi, timedBlockLo(10));
            expected = 'key-expired'; // the KEN check comes before every key-type rule
            break;
          }
          case TEST_DISPLAY:
          case WRONG_MFR: {
            const sub = rand.below(2) as 0 | 1;
            const code =
              kind === TEST_DISPLAY
                ? mfr
                : sub === 0
                  ? (mfr + 1 + rand.below(99)) % 100
                  : 100 + rand.below(9900);
            const control = 1 + rand.below(sub === 0 ? 0xffffffff : 0x0fffffff);
            testDisplayBlockInto(sub, control, code, scratch);
            token = encodeBlockToken(null, 1, scratch[0]!, scratch[1]!);
            expected = kind === TEST_DISPLAY ? 'accept' : 'mfr-code-error';
            break;
          }
          default: {
            // key-change: a fresh random key, KT 2, next KRN, same KEN/TI/SGC, RO 0; sections in random order.
            const kct = keyChangeSet(v, rand, keyLength, ken, config);
            v.kct = kct;
            const section = kct.sections.shift()!;
            token = kct.tokens[section - 1]!;
            expected = v.keyType === 3 ? 'key-type-error' : KCT_ACCEPTED[section]!;
          }
        }
      }
      const entered = v.meter.enter(token, now);
      const got = entered.result;
      sent[kind]!++;
      if (lastExpected[kind] !== expected) {
        lastExpected[kind] = expected;
        expectedSets[kind]!.add(expected);
      }
      if (got === expected) {
        ok[kind]!++;
        if (expected === 'accept' && kind !== TEST_DISPLAY) v.lastAccepted = token;
        if (expected === 'accept') v.credited += credit;
      } else {
        mismatches++;
        if (examples.length < 10) {
          examples.push({ meter: v.meter.drn, kind: FLEET_KINDS[kind]!, token, expected, got });
        }
      }
      const kct = v.kct;
      if (kct !== null && (kct.sections.length === 0 || v.keyType === 3)) {
        if (v.keyType !== 3) {
          // The set is complete: the meter now holds the new key, prepared through `shared` (or, if the
          // meter failed to install it, which the table reports, the vendor prepares it itself).
          v.key =
            entered.keyInstalled === true
              ? shared.last!
              : prepareKey({ decoderKey: kct.key, encryptionAlgorithm: alg, baseDate: config.baseDate });
          v.keyType = kct.keyType;
          v.keyRevisionNo = kct.krn;
          v.lastAccepted = null; // tokens under the old key are foreign to the meter now
        }
        wipe(kct.key);
        v.kct = null;
      }
    }
    o.onRound?.(round);
  }
  let registerMismatches = 0;
  for (const v of vendors) {
    if (v.meter.register(0) !== v.credited) registerMismatches++;
    v.meter.destroy(); // also wipes the key schedule the vendor side shared
    if (v.kct !== null) wipe(v.kct.key);
  }
  stranger.destroy();
  const rows: FleetRow[] = FLEET_KINDS.map((kind, k) => ({
    kind,
    sent: sent[k]!,
    expected: [...expectedSets[k]!],
    asExpected: ok[k]!,
    mismatches: sent[k]! - ok[k]!,
  }));
  return {
    meters: n,
    tokensPerMeter: m,
    seed: o.seed,
    tokens: n * m,
    rows,
    registerMismatches,
    mismatches: mismatches + registerMismatches,
    examples,
  };
}

/** A key-change set for one meter: a fresh random key, KT 2, next KRN, its section tokens and a random order. */
function keyChangeSet(
  v: Vendor,
  rand: SplitMix,
  keyLength: number,
  ken: number,
  config: StsConfig,
): PendingKeyChange {
  const newKey = new Uint8Array(keyLength);
  for (let b = 0; b < keyLength; b++) newKey[b] = rand.below(256);
  const krn = (v.keyRevisionNo % 9) + 1;
  const tokens = encodeKeyChange(v.key, {
    newDecoderKey: newKey,
    keyExpiryNo: ken,
    keyRevisionNo: krn,
    keyType: 2,
    tariffIndex: config.tariffIndex,
    supplyGroupCode: config.supplyGroupCode,
    rollover: false,
  });
  const sections: number[] = [];
  for (let s = 1; s <= tokens.length; s++) sections.push(s);
  for (let s = sections.length - 1; s > 0; s--) {
    const j = rand.below(s + 1);
    const t = sections[s]!;
    sections[s] = sections[j]!;
    sections[j] = t;
  }
  return { tokens, sections, key: newKey, keyType: 2, krn };
}
