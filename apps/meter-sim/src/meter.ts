// The STS decoder model: one prepayment meter's state and the token pipeline a meter applies.
// IEC 62055-41 §6 (token layouts), §5 TID rules, §11 key change, §12 decoder rules (sts-reference).

import { createHash } from 'node:crypto';
import {
  bytesToHex,
  hexToBytes,
  type KcvMethod,
  kcvMethodForDecoderKey,
  kcv as keyCheckValue,
  wipe,
} from 'sts-crypto';
import {
  type AssembledKeyChange,
  assembleKeyChangeBlocks,
  blockField,
  blockNibble,
  blockSubclass,
  blockTid,
  currencyUnits,
  type DecoderKeyOptions,
  decodeAmountField,
  decodeCurrencyAmount,
  decodeInto,
  formatTenths,
  isoFromTid,
  keyChangeSection,
  type PreparedDecoderKey,
  prepareKey,
  testDisplayControl,
  testDisplayManufacturerCode,
  tokenTypeByCode,
} from 'sts-token';
import { EventRing } from './event-log.ts';
import {
  checkCreateOptions,
  checkState,
  factoryTid,
  type MeterInit,
  systemClock,
  tidRangeProblem,
} from './meter-options.ts';
import { TidMemory } from './tid-memory.ts';
import {
  type BaseDate,
  type EncryptionAlgorithm,
  formatRegister,
  isAcceptedResult,
  type MeterCreateOptions,
  MeterError,
  type MeterEvent,
  type MeterKeyState,
  type MeterResult,
  type MeterState,
  type MeterView,
  REGISTER_CAPACITY,
  REGISTER_NAMES,
  RESULT_DISPLAY,
  type RegisterName,
  type ResultCode,
} from './types.ts';

export * from './types.ts';

interface PendingSection {
  section: 1 | 2 | 3 | 4;
  receivedAtMs: number;
  hi: number;
  lo: number;
}

const NOT_SET = -1;
// Shared scratch for the token pipeline (single-threaded, never re-entered): class, plaintext hi, lo.
const DECODED = new Uint32Array(3);

const NEXT_BASE_DATE: Record<BaseDate, BaseDate> = { 1993: 2014, 2014: 2035, 2035: 2035 };

/**
 * One simulated keypad meter. Pure logic: no I/O, time only from the injected clock or `now` arguments.
 *
 * @example
 * const m = Meter.create({ config, drn: '00000000000', now: new Date('2004-01-01T00:00:00Z') });
 * m.enter('23716100501183194197', new Date('2004-03-01T14:00:00Z')).result; // 'accept'
 */
export class Meter {
  readonly drn: string;
  readonly issuerIdentificationNo: string;
  readonly pan: string;
  readonly manufacturerCode: string;
  readonly createdAt: string;
  readonly keyChangeTimeoutMs: number;
  readonly eventLogSize: number;
  #key: Uint8Array;
  #decoder: PreparedDecoderKey;
  #alg: EncryptionAlgorithm;
  #keyType: number;
  #keyRevisionNo: number;
  #keyExpiryNo: number;
  #tariffIndex: string;
  #supplyGroupCode: string;
  #baseDate: BaseDate;
  readonly #mfrValue: number;
  readonly #tids: TidMemory;
  /** The TID a new meter's memory is filled with: the minute before it was made (−1 after a rollover). */
  #factoryTid: number;
  readonly #registers = new Float64Array(8);
  #maximumPowerLimit = NOT_SET;
  #maximumPhasePowerUnbalanceLimit = NOT_SET;
  #waterMeterFactor = NOT_SET;
  #tariffRate = NOT_SET;
  #tamper = false;
  #pending: PendingSection[] = [];
  readonly #log: EventRing | null;
  readonly #clock: () => Date;
  readonly #prepare: (options: DecoderKeyOptions) => PreparedDecoderKey;
  #destroyed = false;

  private constructor(init: MeterInit) {
    this.drn = init.drn;
    this.issuerIdentificationNo = init.issuerIdentificationNo;
    this.pan = init.pan;
    this.manufacturerCode = init.manufacturerCode;
    this.#mfrValue = Number.parseInt(init.manufacturerCode, 10);
    this.createdAt = init.createdAt;
    this.keyChangeTimeoutMs = init.keyChangeTimeoutMs;
    this.eventLogSize = init.eventLogSize;
    this.#key = init.key;
    this.#alg = init.encryptionAlgorithm;
    this.#prepare = init.prepareKey ?? prepareKey;
    this.#keyType = init.keyType;
    this.#keyRevisionNo = init.keyRevisionNo;
    this.#keyExpiryNo = init.keyExpiryNo;
    this.#tariffIndex = init.tariffIndex;
    this.#supplyGroupCode = init.supplyGroupCode;
    this.#baseDate = init.baseDate;
    this.#decoder = this.#prepareDecoder();
    this.#tids = new TidMemory(init.tidMemorySize);
    this.#factoryTid = factoryTid(init.createdAt, init.baseDate);
    this.#clock = init.clock;
    this.#log = init.eventLogSize > 0 ? new EventRing(init.eventLogSize) : null;
  }

  /** Build a new meter (key from config + DRN, or given directly). Throws MeterError naming the bad option. */
  static create(opts: MeterCreateOptions): Meter {
    const o = checkCreateOptions(opts);
    const m = new Meter(o.init);
    const problem = tidRangeProblem(o.now, o.init.baseDate);
    if (problem !== null) throw new MeterError(problem);
    // A new meter leaves the factory with its TID memory full (sts.org.za TID page), so that a token
    // issued before it was made is Old. It is filled with the TID of the minute BEFORE it was made: a
    // token vended in the very minute the meter was made (a vendor's default time is "now") is accepted;
    // a token from that earlier minute, found in the memory, is still Old, not Used (#process).
    m.#tids.fill(Math.max(0, m.#factoryTid));
    return m;
  }

  /** Rebuild a meter from a state-file object (validated; throws MeterError naming the bad field). */
  static fromState(state: unknown, opts: { clock?: () => Date } = {}): Meter {
    const s = checkState(state);
    const m = new Meter({
      drn: s.drn,
      issuerIdentificationNo: s.issuerIdentificationNo,
      pan: s.pan,
      manufacturerCode: s.manufacturerCode,
      key: hexToBytes(s.key.decoderKey, 'key.decoderKey'),
      encryptionAlgorithm: s.key.encryptionAlgorithm,
      keyType: s.key.keyType,
      keyRevisionNo: s.key.keyRevisionNo,
      keyExpiryNo: s.key.keyExpiryNo,
      tariffIndex: s.key.tariffIndex,
      supplyGroupCode: s.key.supplyGroupCode,
      baseDate: s.key.baseDate,
      tidMemorySize: s.tidMemory.size,
      keyChangeTimeoutMs: s.keyChange.timeoutMs,
      eventLogSize: s.eventLog.size,
      createdAt: s.createdAt,
      clock: opts.clock ?? systemClock,
    });
    for (const t of s.tidMemory.tids) m.#tids.insert(t);
    REGISTER_NAMES.forEach((name, i) => {
      m.#registers[i] = s.registers[name];
    });
    m.#maximumPowerLimit = s.maximumPowerLimit ?? NOT_SET;
    m.#maximumPhasePowerUnbalanceLimit = s.maximumPhasePowerUnbalanceLimit ?? NOT_SET;
    m.#waterMeterFactor = s.waterMeterFactor ?? NOT_SET;
    m.#tariffRate = s.tariffRate ?? NOT_SET;
    m.#tamper = s.tamper;
    m.#pending = s.keyChange.sections.map((p) => ({
      section: p.section,
      receivedAtMs: Date.parse(p.receivedAt),
      hi: Number.parseInt(p.block.slice(0, 8), 16),
      lo: Number.parseInt(p.block.slice(8), 16),
    }));
    if (m.#log !== null) for (const e of s.eventLog.entries.slice(-s.eventLog.size)) m.#log.pushLoaded(e);
    return m;
  }

  /** Process one token as a meter would; never throws for any string input. */
  enter(digits: string, now: Date = this.#clock()): MeterResult {
    if (this.#destroyed) throw new MeterError('meter has been destroyed');
    const r = this.#process(typeof digits === 'string' ? digits.trim() : '', now);
    // The log keeps a compact record (time, code, numbers, the token and message strings); MeterEvent
    // objects are built when read.
    if (this.#log !== null) this.#log.push(now.getTime(), r);
    return r;
  }

  #process(text: string, now: Date): MeterResult {
    const d = DECODED;
    const status = decodeInto(this.#decoder, text, d);
    if (status === 'not-digits' || status === 'too-large') {
      const message = status === 'too-large' ? 'token is 2^66 or more' : 'token is not 20 decimal digits';
      return reject(canonicalToken(text), 'format-error', message);
    }
    const token = text.length === 20 ? text : canonicalToken(text);
    if (status === 'reserved-class')
      return reject(token, 'format-error', 'class 3 is reserved: no meter can authenticate it', 3);
    const cls = d[0]!;
    const hi = d[1]!;
    const lo = d[2]!;
    const sub = blockSubclass(hi);
    if (cls === 1) return this.#testDisplay(token, status === 'ok', sub, hi, lo);
    if (status !== 'ok') {
      return reject(token, 'crc-error', 'CRC mismatch: not a token for this meter and key, or mistyped', cls);
    }
    if (cls === 2) {
      const section = keyChangeSection(sub);
      if (section !== 0) return this.#keyChange(token, section, sub, hi, lo, now);
    }
    const type = tokenTypeByCode(cls, sub);
    if (type === undefined) {
      return reject(token, 'function-error', `class ${cls} subclass ${sub} is not supported`, cls, sub);
    }
    const tid = blockTid(hi);
    const name = type.name;
    if (tid >>> 16 > this.#keyExpiryNo) {
      const message = `TID ${tid} is past the key's expiry number ${this.#keyExpiryNo}`;
      return tidResult(token, cls, sub, name, tid, 'key-expired', message);
    }
    const seen = this.#tids.check(tid);
    if (seen === 'old' || (seen === 'used' && tid === this.#factoryTid)) {
      const message = `TID ${tid} is older than every TID in the meter's memory`;
      return tidResult(token, cls, sub, name, tid, 'old', message);
    }
    if (seen === 'used') {
      return tidResult(token, cls, sub, name, tid, 'used', `TID ${tid} has been used already`);
    }
    if (this.#keyType === 3) {
      const message = 'the key is a DCTK (KT 3): a keypad meter refuses tokens under it';
      return tidResult(token, cls, sub, name, tid, 'key-type-error', message);
    }
    const field = blockField(lo);
    if (cls === 0) {
      if (this.#keyType === 1) {
        const message = 'credit is refused under a DDTK (KT 1)';
        return tidResult(token, cls, sub, name, tid, 'ddtk-error', message);
      }
      return this.#credit(token, sub, name, tid, blockNibble(hi), field);
    }
    return this.#management(token, sub, name, tid, field);
  }

  /** Store the TID of an accepted token and add its issue time, the result's last field (the one place a TID is stored). */
  #issued(r: MeterResult, tid: number): MeterResult {
    this.#tids.insert(tid);
    r.issuedAt = isoFromTid(tid, this.#baseDate);
    return r;
  }

  // The results below start from tidResult / keyChangeResult (keys in the documented order: the JSON the
  // CLI and the HTTP API print) and add their own fields after it in that order; no spread, no Object.assign.

  #credit(token: string, sub: number, type: string, tid: number, nibble: number, field: number): MeterResult {
    const register = REGISTER_NAMES[sub]!;
    const regs = this.#registers;
    let amount: string;
    let next: number;
    if (sub < 4) {
      const tenths = decodeAmountField(field);
      next = regs[sub]! + tenths;
      amount = formatTenths(tenths);
    } else {
      const negative = (nibble & 8) !== 0; // the S&E nibble's sign bit
      const value = currencyUnits(nibble, field);
      amount = decodeCurrencyAmount(nibble, field);
      const big = negative ? BigInt(regs[sub]!) - value : BigInt(regs[sub]!) + value;
      if (big < 0n) {
        const message = `${amount} would take the ${register} register below zero`;
        const r = tidResult(token, 0, sub, type, tid, 'range-error', message);
        r.amount = amount;
        return r;
      }
      next = big > BigInt(REGISTER_CAPACITY) ? REGISTER_CAPACITY + 1 : Number(big);
    }
    if (next > REGISTER_CAPACITY) {
      const message = `${amount} would overflow the ${register} register`;
      const r = tidResult(token, 0, sub, type, tid, 'overflow', message);
      r.amount = amount;
      return r;
    }
    regs[sub] = next;
    const r = tidResult(token, 0, sub, type, tid, 'accept', `credit ${amount} to ${register}`);
    r.amount = amount;
    r.register = register;
    r.balance = formatRegister(sub, next);
    return this.#issued(r, tid);
  }

  #management(token: string, sub: number, type: string, tid: number, field: number): MeterResult {
    switch (sub) {
      case 0: {
        const watts = decodeAmountField(field);
        this.#maximumPowerLimit = watts;
        const r = tidResult(token, 2, sub, type, tid, 'accept', `maximum power limit ${watts} W`);
        r.watts = watts;
        return this.#issued(r, tid);
      }
      case 6: {
        const watts = decodeAmountField(field);
        this.#maximumPhasePowerUnbalanceLimit = watts;
        const message = `maximum phase power unbalance limit ${watts} W`;
        const r = tidResult(token, 2, sub, type, tid, 'accept', message);
        r.watts = watts;
        return this.#issued(r, tid);
      }
      case 1: {
        const all = field === 0xffff;
        const name = all ? 'all' : REGISTER_NAMES[field];
        if (name === undefined) {
          const message = `register ${field} does not exist (0..7 or 65535 for all)`;
          return tidResult(token, 2, sub, type, tid, 'range-error', message);
        }
        if (all) this.#registers.fill(0);
        else this.#registers[field] = 0;
        const message = all ? 'all credit registers cleared' : `${name} register cleared`;
        const r = tidResult(token, 2, sub, type, tid, 'accept', message);
        r.register = name;
        return this.#issued(r, tid);
      }
      case 2: {
        this.#tariffRate = field;
        const r = tidResult(token, 2, sub, type, tid, 'accept', `tariff rate ${field}`);
        r.rate = field;
        return this.#issued(r, tid);
      }
      case 5: {
        if (field !== 0) {
          const message = `ClearTamperCondition pad must be 0, got ${field}`;
          return tidResult(token, 2, sub, type, tid, 'range-error', message);
        }
        this.#tamper = false;
        return this.#issued(tidResult(token, 2, sub, type, tid, 'accept', 'tamper condition cleared'), tid);
      }
      default: {
        // sub 7 (the only one left: 3, 4, 8, 9 are key change, 10..15 have no type row)
        this.#waterMeterFactor = field;
        const r = tidResult(token, 2, sub, type, tid, 'accept', `water meter factor ${field}`);
        r.factor = field;
        return this.#issued(r, tid);
      }
    }
  }

  #testDisplay(token: string, crcOk: boolean, sub: number, hi: number, lo: number): MeterResult {
    if (!crcOk) return reject(token, 'crc-error', 'CRC mismatch on a class 1 token: mistyped', 1, sub);
    if (sub > 1) return reject(token, 'function-error', `class 1 subclass ${sub} is not supported`, 1, sub);
    const control = testDisplayControl(sub, hi, lo);
    const mfr = testDisplayManufacturerCode(sub, lo);
    const manufacturerCode = String(mfr).padStart(sub === 0 ? 2 : 4, '0');
    const base = {
      token,
      class: 1,
      subclass: sub,
      type: sub === 0 ? 'test-display-1' : 'test-display-2',
      control,
      manufacturerCode,
    };
    if (mfr !== this.#mfrValue) {
      return result(
        base,
        'mfr-code-error',
        `manufacturer code ${manufacturerCode} is not this meter's (${this.manufacturerCode})`,
      );
    }
    // The meter performs the lowest requested function (Table 27 bit meanings are not public); no state changes.
    const fn = control === 0 ? 'none' : String(Math.log2(control & -control));
    return result(base, 'accept', `test/display control ${control} (lowest function bit ${fn})`);
  }

  #keyChange(
    token: string,
    section: 1 | 2 | 3 | 4,
    sub: number,
    hi: number,
    lo: number,
    now: Date,
  ): MeterResult {
    const wide = this.#alg === 'misty1';
    if (section > 2 && !wide) {
      const message = `key-change section ${section} is for 128-bit keys; this meter's key is 64-bit`;
      return keyChangeResult(token, sub, section, 'function-error', message, false);
    }
    if (this.#keyType === 3) {
      const message = 'the key is a DCTK (KT 3): a keypad meter refuses tokens under it';
      return keyChangeResult(token, sub, section, 'key-type-error', message, false);
    }
    const nowMs = now.getTime();
    // Sections older than the timeout no longer count (an incomplete set is dropped).
    // (Loops, not filter/sort callbacks: under tsx every arrow made per call costs a __name wrapper.)
    const live: PendingSection[] = [];
    for (const p of this.#pending) {
      if (nowMs - p.receivedAtMs <= this.keyChangeTimeoutMs && p.section !== section) live.push(p);
    }
    const blocks: ([number, number] | undefined)[] = [];
    for (const p of live) blocks[p.section] = [p.hi, p.lo];
    blocks[section] = [hi, lo];
    const needed = wide ? 4 : 2;
    let have = 0;
    for (let s = 1; s <= needed; s++) if (blocks[s] !== undefined) have++;
    const code = KCT_ACCEPTED[section]!;
    if (have < needed) {
      // Insert in section order (stable: after any equal section, as a sort would leave it).
      let at = live.length;
      while (at > 0 && live[at - 1]!.section > section) at--;
      live.splice(at, 0, { section, receivedAtMs: nowMs, hi, lo });
      this.#pending = live;
      const message = `key-change section ${section} of ${needed} stored`;
      return keyChangeResult(token, sub, section, code, message, true);
    }
    const k = assembleKeyChangeBlocks(blocks)!; // complete: every needed section is there
    const problem = this.#checkNewKey(k);
    if (problem !== null) {
      wipe(k.newDecoderKey);
      return keyChangeResult(token, sub, section, problem[0], problem[1], false);
    }
    const old = this.#decoder;
    const oldKey = this.#key;
    this.#key = k.newDecoderKey;
    this.#keyType = k.keyType;
    this.#keyRevisionNo = k.keyRevisionNo;
    this.#keyExpiryNo = k.keyExpiryNo;
    this.#tariffIndex = k.tariffIndex;
    if (k.supplyGroupCode !== undefined) this.#supplyGroupCode = k.supplyGroupCode;
    if (k.rollover) {
      // RO = 1: TID rollover / base-date migration. The memory is cleared; the new key counts from the
      // next base date (the set carries no base date, so this is our reading of §11.2).
      this.#tids.clear();
      this.#factoryTid = -1;
      this.#baseDate = NEXT_BASE_DATE[this.#baseDate];
    }
    this.#decoder = this.#prepareDecoder();
    old.destroy();
    wipe(oldKey);
    this.#pending = [];
    const ro = k.rollover ? ', TID memory cleared' : '';
    const message = `new key installed (KT ${k.keyType}, KRN ${k.keyRevisionNo}, KEN ${k.keyExpiryNo}${ro})`;
    const r = keyChangeResult(token, sub, section, code, message, true);
    r.keyInstalled = true;
    return r;
  }

  /** The prepared form of the current key and its attributes (at creation and after each key change). */
  #prepareDecoder(): PreparedDecoderKey {
    return this.#prepare({
      decoderKey: this.#key,
      encryptionAlgorithm: this.#alg,
      baseDate: this.#baseDate,
      keyExpiryNo: this.#keyExpiryNo,
      keyType: this.#keyType,
    });
  }

  /** The key-type and range rules a complete set must pass, or null. */
  #checkNewKey(k: AssembledKeyChange): [ResultCode, string] | null {
    if (k.keyType === 0 && this.#keyType !== 0) {
      return ['key-type-error', 'a DITK (KT 0) may only replace a DITK'];
    }
    if (k.keyType === 3) return ['key-type-error', 'a keypad meter cannot take a DCTK (KT 3)'];
    if (k.keyRevisionNo < 1 || k.keyRevisionNo > 9) {
      return ['range-error', `key revision number ${k.keyRevisionNo} is outside 1..9`];
    }
    // The TI and SGC come as sent: a TI byte above 99 reads as 3 digits, an SGC above 999999 as 7 or 8.
    if (k.tariffIndex.length > 2) return ['range-error', `tariff index ${k.tariffIndex} is outside 0..99`];
    if (k.supplyGroupCode !== undefined && k.supplyGroupCode.length > 6) {
      return ['range-error', `supply group code ${k.supplyGroupCode} is more than 6 digits`];
    }
    return null;
  }

  /** The full state including the decoder key: for the state file only. */
  toState(): MeterState {
    const registers = {} as Record<RegisterName, number>;
    REGISTER_NAMES.forEach((name, i) => {
      registers[name] = this.#registers[i]!;
    });
    return {
      format: 'sts-meter-state',
      version: 1,
      drn: this.drn,
      issuerIdentificationNo: this.issuerIdentificationNo,
      pan: this.pan,
      manufacturerCode: this.manufacturerCode,
      key: { decoderKey: bytesToHex(this.#key), ...this.#keyAttributes() },
      tidMemory: { size: this.#tids.size, tids: this.#tids.toArray() },
      registers,
      maximumPowerLimit: orNull(this.#maximumPowerLimit),
      maximumPhasePowerUnbalanceLimit: orNull(this.#maximumPhasePowerUnbalanceLimit),
      waterMeterFactor: orNull(this.#waterMeterFactor),
      tariffRate: orNull(this.#tariffRate),
      tamper: this.#tamper,
      keyChange: {
        timeoutMs: this.keyChangeTimeoutMs,
        sections: this.#pending.map((p) => ({
          section: p.section,
          receivedAt: new Date(p.receivedAtMs).toISOString(),
          block: hex8(p.hi) + hex8(p.lo),
        })),
      },
      eventLog: { size: this.eventLogSize, entries: [...this.eventLog] },
      createdAt: this.createdAt,
    };
  }

  #keyAttributes(): Omit<MeterKeyState, 'decoderKey'> {
    return {
      encryptionAlgorithm: this.#alg,
      keyType: this.#keyType,
      keyRevisionNo: this.#keyRevisionNo,
      keyExpiryNo: this.#keyExpiryNo,
      tariffIndex: this.#tariffIndex,
      supplyGroupCode: this.#supplyGroupCode,
      baseDate: this.#baseDate,
    };
  }

  /**
   * How the decoder key's KCV is computed: sts-crypto's kcvMethodForDecoderKey, the method every app
   * shows for a decoder key ('des' for the 64-bit STA and DEA keys, 'aes-cmac' for 128-bit MISTY1 keys).
   */
  get kcvMethod(): KcvMethod {
    return kcvMethodForDecoderKey(this.#key);
  }

  /** KCV of the decoder key by {@link kcvMethod}: 6 upper-case hex digits. Print the method beside it. */
  get kcv(): string {
    return keyCheckValue(this.#key, this.kcvMethod);
  }

  /** The public view (KCV, no key): what `show`, logs and the HTTP API may print. */
  toJSON(): MeterView {
    const { key, keyChange, ...rest } = this.toState();
    return {
      ...rest,
      key: { ...this.#keyAttributes(), kcv: this.kcv, kcvMethod: this.kcvMethod },
      keyChange: {
        timeoutMs: keyChange.timeoutMs,
        sections: keyChange.sections.map((s) => ({ section: s.section, receivedAt: s.receivedAt })),
      },
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Meter { drn: '${this.drn}', kcv: '${this.kcv} (${this.kcvMethod})' }`;
  }

  toString(): string {
    return `Meter ${this.drn}`;
  }

  /** SHA-256 hex of the state without the event log: equal hashes ⇔ same meter behaviour. */
  stateHash(): string {
    const { eventLog, ...rest } = this.toState();
    void eventLog;
    return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
  }

  /** Register values in base units (tenths for 0–3, 10⁻⁵ currency units for 4–7). */
  get registers(): Readonly<Record<RegisterName, number>> {
    return this.toState().registers;
  }

  /** Register value by class-0 subclass, base units (no allocation). */
  register(subclass: number): number {
    return this.#registers[subclass] ?? 0;
  }

  /** The event log, oldest first (bounded). */
  get eventLog(): readonly MeterEvent[] {
    return this.#log === null ? [] : this.#log.toArray();
  }

  /** Stored TIDs, ascending. */
  get tidMemory(): readonly number[] {
    return this.#tids.toArray();
  }

  /** Wipe the key material; the meter is unusable afterwards. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#decoder.destroy();
    wipe(this.#key);
  }
}

const KCT_ACCEPTED: readonly ResultCode[] = [
  'function-error', // unused: sections are 1..4
  'kct-1-accepted',
  'kct-2-accepted',
  'kct-3-accepted',
  'kct-4-accepted',
];

/** A key-change section's result (stored, refused, or a complete set refused). */
function keyChangeResult(
  token: string,
  sub: number,
  section: number,
  code: ResultCode,
  message: string,
  changed: boolean,
): MeterResult {
  return {
    token,
    class: 2,
    subclass: sub,
    type: 'key-change',
    section,
    result: code,
    accepted: isAcceptedResult(code),
    display: RESULT_DISPLAY[code],
    message,
    changed,
  };
}

/**
 * A class 0 / 2 result whose TID was read (accepted, or refused: key-expired, old, used, key-type, DDTK,
 * range, overflow): the fields all of them open with, in the documented key order. The caller adds what
 * its kind carries after them (amount, register, balance, watts, rate, factor), then issuedAt via
 * Meter#issued; adding in that order keeps the JSON's key order.
 */
function tidResult(
  token: string,
  cls: number,
  sub: number,
  type: string,
  tid: number,
  code: ResultCode,
  message: string,
): MeterResult {
  const accepted = code === 'accept';
  return {
    token,
    class: cls,
    subclass: sub,
    type,
    tid,
    result: code,
    accepted,
    display: RESULT_DISPLAY[code],
    message,
    changed: accepted,
  };
}

function result<B extends { token: string }>(base: B, code: ResultCode, message: string): B & MeterResult {
  // Mutates and returns `base` (each base object belongs to one result): no spread on the hot path.
  const r = base as B & MeterResult;
  r.result = code;
  r.accepted = isAcceptedResult(code);
  r.display = RESULT_DISPLAY[code];
  r.message = message;
  if (r.changed === undefined) r.changed = false;
  return r;
}

function reject(token: string, code: ResultCode, message: string, cls?: number, sub?: number): MeterResult {
  const r: MeterResult = {
    token,
    result: code,
    accepted: false,
    display: RESULT_DISPLAY[code],
    message,
    changed: false,
  };
  if (cls !== undefined) r.class = cls;
  if (sub !== undefined) r.subclass = sub;
  return r;
}

function orNull(v: number): number | null {
  return v === NOT_SET ? null : v;
}

/** Canonical text of a token for results and logs: the 20 digits without separators (the input if not digits). */
function canonicalToken(digits: string): string {
  const t = digits.trim();
  const d = t.replace(/[ -]/g, '');
  return /^\d{20}$/.test(d) ? d : t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
