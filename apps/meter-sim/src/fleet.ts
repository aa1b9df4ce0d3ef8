// Fleet simulation: N meters in memory, each fed generated tokens with replays, old, foreign, corrupted,
// expired, test/display and key-change tokens mixed in; every result is compared with what the vendor expects.

import type { StsConfig } from 'sts-config';
import {
  type DecoderKeyDeriver,
  type Dkga,
  luhnCheckDigit,
  type PreparedBlockCipher,
  prepareDecoderKeyDerivation,
  prepareDesKey,
  prepareMisty1Key,
  prepareStaKey,
  tokenCrcField,
  wipe,
} from 'sts-crypto';
import { Meter, type ResultCode } from './meter.ts';
import { PARSE_OK, parseTokenInto } from './token-digits.ts';
import { buildToken, keyChangeBlocks, testDisplayBlock, timedBlock } from './token-encoder.ts';

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

function prepare(alg: string, key: Uint8Array): PreparedBlockCipher {
  return alg === 'sta' ? prepareStaKey(key) : alg === 'misty1' ? prepareMisty1Key(key) : prepareDesKey(key);
}

/** Vendor-side knowledge of one meter: its current key, next TID, and what it should have accepted. */
interface Vendor {
  meter: Meter;
  cipher: PreparedBlockCipher;
  keyType: number;
  keyRevisionNo: number;
  nextTid: number;
  lastAccepted: string | null;
  credited: number;
  /** Pending key-change sections (tokens) still to send, and the key they install. */
  kct: {
    tokens: string[];
    sections: number[];
    key: Uint8Array;
    keyType: number;
    krn: number;
  } | null;
}

const scratch = new Uint32Array(3);
const block = new Uint32Array(2);

/** Would `token` pass the CRC under `cipher`? (The vendor knows the key; used to make expectations exact.) */
function passesCrc(token: string, cipher: PreparedBlockCipher): boolean {
  if (parseTokenInto(token, scratch) !== PARSE_OK) return false;
  const cls = scratch[0]!;
  if (cls === 3) return false;
  let hi = scratch[1]!;
  let lo = scratch[2]!;
  if (cls !== 1) {
    cipher.decrypt64(hi, lo, block);
    hi = block[0]!;
    lo = block[1]!;
  }
  const sub = hi >>> 28;
  const crcC = cls === 0 && sub >= 4 && sub <= 7;
  return tokenCrcField(cls, hi, lo, crcC ? 'crc-c' : 'crc') === (lo & 0xffff);
}

/** Run the simulation. Memory: O(meters); tokens are generated, entered and forgotten. */
export function runFleet(o: FleetOptions): FleetReport {
  const { config, meters: n, tokensPerMeter: m } = o;
  const rand = rng(o.seed);
  const below = (k: number) => rand() % k;
  const alg = config.encryptionAlgorithm;
  const keyLength = alg === 'misty1' ? 16 : 8;
  const ken = config.keyExpiryNo;
  // TIDs: the fleet is made at minute `startTid` of the base date, inside the key's expiry window.
  const startTid = Math.min(1 << 23, ken << 16) + 1000;
  const t0 = Date.UTC(config.baseDate, 0, 1) + startTid * 60_000;
  const deriver: DecoderKeyDeriver = prepareDecoderKeyDerivation({
    dkga: config.decoderKeyGenerationAlgorithm as Dkga,
    vendingKey: config.vendingKey,
    issuerIdentificationNo: config.issuerIdentificationNo,
    keyType: config.keyType,
    supplyGroupCode: config.supplyGroupCode,
    tariffIndex: config.tariffIndex,
    keyRevisionNo: config.keyRevisionNo,
    baseDate: config.baseDate,
    encryptionAlgorithm: alg,
  });
  const key = new Uint8Array(keyLength);
  const vendors: Vendor[] = new Array(n);
  // The meter prepares its key (at creation and at each key change) through this hook, so the vending side
  // encrypts with the very key schedule the meter decrypts with: one preparation per key, not two.
  let lastPrepared: PreparedBlockCipher | null = null;
  const shared = (a: string, k: Uint8Array): PreparedBlockCipher => {
    lastPrepared = prepare(a, k);
    return lastPrepared;
  };
  for (let i = 0; i < n; i++) {
    const drn = fleetDrn(i, config.issuerIdentificationNo);
    deriver.derive(drn, key);
    const meter = Meter.create({
      key: {
        decoderKey: key,
        encryptionAlgorithm: alg,
        baseDate: config.baseDate,
        keyType: config.keyType,
        keyRevisionNo: config.keyRevisionNo,
        keyExpiryNo: ken,
        tariffIndex: config.tariffIndex,
        supplyGroupCode: config.supplyGroupCode,
      },
      drn,
      now: new Date(t0),
      eventLogSize: 0,
      prepareCipher: shared,
    });
    vendors[i] = {
      meter,
      cipher: lastPrepared!,
      keyType: config.keyType,
      keyRevisionNo: config.keyRevisionNo,
      nextTid: startTid + 1,
      lastAccepted: null,
      credited: 0,
      kct: null,
    };
  }
  wipe(key);
  deriver.destroy();
  // With one meter, "foreign" tokens come from a key no meter has.
  const strangerKey = new Uint8Array(keyLength).map(() => below(256));
  const stranger = prepare(alg, strangerKey);
  wipe(strangerKey);

  const sent = new Map<FleetKind, number>();
  const ok = new Map<FleetKind, number>();
  const expectedSets = new Map<FleetKind, Set<ResultCode>>();
  for (const k of FLEET_KINDS) {
    sent.set(k, 0);
    ok.set(k, 0);
    expectedSets.set(k, new Set());
  }
  const examples: FleetReport['examples'] = [];
  let mismatches = 0;
  const mfr = 47;

  const timedExpect = (v: Vendor, cls: number): ResultCode =>
    v.keyType === 3 ? 'key-type-error' : cls === 0 && v.keyType === 1 ? 'ddtk-error' : 'accept';

  for (let round = 0; round < m; round++) {
    const now = new Date(t0 + (round + 1) * 60_000);
    for (let i = 0; i < n; i++) {
      const v = vendors[i]!;
      let kind: FleetKind;
      let token: string;
      let expected: ResultCode;
      let credit = 0;
      if (v.kct !== null) {
        kind = 'key-change';
        const section = v.kct.sections.shift()!;
        token = v.kct.tokens[section - 1]!;
        expected = v.keyType === 3 ? 'key-type-error' : (`kct-${section}-accepted` as ResultCode);
      } else {
        const r = below(100);
        kind =
          r < 46
            ? 'credit'
            : r < 54
              ? 'management'
              : r < 63
                ? 'replay'
                : r < 70
                  ? 'old'
                  : r < 78
                    ? 'foreign'
                    : r < 87
                      ? 'corrupted'
                      : r < 90
                        ? 'expired'
                        : r < 94
                          ? 'test-display'
                          : r < 97
                            ? 'wrong-mfr'
                            : 'key-change';
        if (kind === 'replay' && v.lastAccepted === null) kind = 'credit';
        if (kind === 'expired' && ken === 255) kind = 'credit';
        if (kind === 'key-change' && m - round < keyLength / 4) kind = 'credit'; // a whole set must fit
        const tid = v.nextTid;
        switch (kind) {
          case 'credit': {
            credit = 1 + below(16383);
            const [h, l] = timedBlock(0, below(16), tid, credit); // e = 0: the field is the amount in tenths
            token = buildToken(0, h, l, v.cipher);
            expected = timedExpect(v, 0);
            v.nextTid += 1 + below(3);
            break;
          }
          case 'management': {
            const [h, l] = timedBlock(0, below(16), tid, below(16384)); // SetMaximumPowerLimit
            token = buildToken(2, h, l, v.cipher);
            expected = timedExpect(v, 2);
            v.nextTid += 1 + below(3);
            break;
          }
          case 'replay':
            token = v.lastAccepted!;
            expected = 'used';
            break;
          case 'old': {
            const [h, l] = timedBlock(0, below(16), startTid - 1 - below(Math.min(startTid, 5000)), 10);
            token = buildToken(0, h, l, v.cipher);
            expected = 'old';
            break;
          }
          case 'foreign': {
            // Another meter's key; with one meter, or a common key (DCTK), a key no meter has.
            let other = n > 1 ? vendors[(i + 1 + below(n - 1)) % n]!.cipher : stranger;
            for (let tries = 0; ; tries++) {
              const [h, l] = timedBlock(0, below(16), tid, 1 + below(16383));
              token = buildToken(0, h, l, other);
              if (!passesCrc(token, v.cipher)) break;
              if (tries > 2) other = stranger;
            }
            expected = 'crc-error';
            break;
          }
          case 'corrupted': {
            const [h, l] = timedBlock(0, below(16), tid, 1 + below(16383));
            const good = buildToken(0, h, l, v.cipher);
            for (;;) {
              const pos = below(20);
              const d = (good.charCodeAt(pos) - 48 + 1 + below(9)) % 10;
              token = good.slice(0, pos) + d + good.slice(pos + 1);
              const status = parseTokenInto(token, scratch);
              // keep it a class 0/2 token below 2^66 whose CRC fails under this key: a pure CRC error
              if (status === PARSE_OK && scratch[0] !== 1 && scratch[0] !== 3 && !passesCrc(token, v.cipher))
                break;
            }
            expected = 'crc-error';
            break;
          }
          case 'expired': {
            const [h, l] = timedBlock(0, below(16), ((ken + 1) << 16) + below(1000), 10);
            token = buildToken(0, h, l, v.cipher);
            expected = 'key-expired'; // the KEN check comes before every key-type rule
            break;
          }
          case 'test-display':
          case 'wrong-mfr': {
            const sub = below(2) as 0 | 1;
            const code =
              kind === 'test-display' ? mfr : sub === 0 ? (mfr + 1 + below(99)) % 100 : 100 + below(9900);
            const control = 1 + below(sub === 0 ? 0xffffffff : 0x0fffffff);
            const [h, l] = testDisplayBlock(sub, control, code);
            token = buildToken(1, h, l, null);
            expected = kind === 'test-display' ? 'accept' : 'mfr-code-error';
            break;
          }
          default: {
            // key-change: a fresh random key, KT 2, next KRN, same KEN/TI/SGC, RO 0; sections in random order.
            const newKey = new Uint8Array(keyLength).map(() => below(256));
            const krn = (v.keyRevisionNo % 9) + 1;
            const tokens = keyChangeBlocks({
              key: newKey,
              keyExpiryNo: ken,
              keyRevisionNo: krn,
              keyType: 2,
              tariffIndex: Number(config.tariffIndex),
              supplyGroupCode: Number(config.supplyGroupCode),
              rollover: false,
            }).map(([h, l]) => buildToken(2, h, l, v.cipher));
            const sections = tokens.map((_, s) => s + 1);
            for (let s = sections.length - 1; s > 0; s--) {
              const j = below(s + 1);
              [sections[s], sections[j]] = [sections[j]!, sections[s]!];
            }
            v.kct = { tokens, sections, key: newKey, keyType: 2, krn };
            const section = v.kct.sections.shift()!;
            token = tokens[section - 1]!;
            expected = v.keyType === 3 ? 'key-type-error' : (`kct-${section}-accepted` as ResultCode);
          }
        }
      }
      const entered = v.meter.enter(token, now);
      const got = entered.result;
      sent.set(kind, sent.get(kind)! + 1);
      expectedSets.get(kind)!.add(expected);
      if (got === expected) {
        ok.set(kind, ok.get(kind)! + 1);
        if (expected === 'accept' && kind !== 'test-display') v.lastAccepted = token;
        if (expected === 'accept') v.credited += credit;
      } else {
        mismatches++;
        if (examples.length < 10) examples.push({ meter: v.meter.drn, kind, token, expected, got });
      }
      const kct = v.kct;
      if (kct !== null && (kct.sections.length === 0 || v.keyType === 3)) {
        if (v.keyType !== 3) {
          // The set is complete: the meter now holds the new key, prepared through `shared` (or, if the
          // meter failed to install it, which the table reports, the vendor prepares it itself).
          v.cipher = entered.keyInstalled === true ? lastPrepared! : prepare(alg, kct.key);
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
  const rows: FleetRow[] = FLEET_KINDS.map((kind) => ({
    kind,
    sent: sent.get(kind)!,
    expected: [...expectedSets.get(kind)!],
    asExpected: ok.get(kind)!,
    mismatches: sent.get(kind)! - ok.get(kind)!,
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
