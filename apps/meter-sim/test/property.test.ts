// 1,000,000 random 20-digit strings: no exception, no state change on any rejection, and an acceptance
// rate consistent with a 16-bit CRC (about 1 in 65 536 of the class 0/2 strings pass it).

import { hexToBytes } from 'sts-crypto';
import { expect, test } from 'vitest';
import { Meter } from '../src/meter.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('1,000,000 random strings: no exception, rejections change nothing, CRC pass rate ≈ 2^-16', () => {
  const N = 1_000_000;
  const meter = Meter.create({
    key: { decoderKey: hexToBytes('0ABC12DEF3456789'), encryptionAlgorithm: 'sta', baseDate: 1993 },
    drn: '00000000000',
    // made at TID 0: almost every random TID is newer, so CRC passes mostly show up as accepts
    now: new Date('1993-01-01T00:00:00Z'),
    tidMemorySize: 5,
    eventLogSize: 10,
  });
  const now = new Date('2000-01-01T00:00:00Z');
  const r = rng(20261128);
  let hash = meter.stateHash();
  let class02 = 0; // strings that parse (< 2^66) to class 0 or 2
  let passedCrc = 0; // results after the CRC check: anything but format/crc errors
  const counts = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    let s = '';
    for (let k = 0; k < 4; k++) s += String(Math.floor(r() * 100000)).padStart(5, '0');
    const res = meter.enter(s, now);
    counts.set(res.result, (counts.get(res.result) ?? 0) + 1);
    if (res.class === 0 || res.class === 2) class02++;
    if (res.result !== 'format-error' && res.result !== 'crc-error' && res.class !== 1) passedCrc++;
    if (res.changed) {
      expect(res.accepted).toBe(true);
      hash = meter.stateHash();
    } else if (res.accepted || i % 4096 === 0) {
      // no state change since the last change: checked after every unchanged accept and every 4096 tokens
      expect(meter.stateHash()).toBe(hash);
    }
  }
  expect(meter.stateHash()).toBe(hash);
  // about half of the values below 2^66 have class 0 or 2; 10^20 / 2^66 ≈ 1.355
  expect(class02).toBeGreaterThan(0.3 * N);
  const expected = class02 / 65536;
  // generous binomial bound: mean ± 6σ + 3 (σ ≈ √mean)
  const slack = 6 * Math.sqrt(expected) + 3;
  expect(passedCrc).toBeGreaterThanOrEqual(Math.max(0, expected - slack));
  expect(passedCrc).toBeLessThanOrEqual(expected + slack);
  expect(counts.get('format-error')).toBeGreaterThan(0.2 * N); // ≥ 2^66 and class 3
}, 120_000);
