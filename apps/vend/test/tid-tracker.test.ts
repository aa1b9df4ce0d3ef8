// TidTracker: repeats inside the remembered window are found; memory stays within the documented bounds.
import { expect, test } from 'vitest';
import { MAX_METERS, RECENT_TIDS_PER_METER, TidTracker } from '../src/tid-tracker.ts';

test('a repeated (meter, TID) gives the first line; other meters and TIDs do not clash', () => {
  const t = new TidTracker();
  expect(t.record('drn:1', 100, 1)).toBeUndefined();
  expect(t.record('drn:2', 100, 2)).toBeUndefined();
  expect(t.record('drn:1', 101, 3)).toBeUndefined();
  expect(t.record('drn:1', 100, 4)).toEqual({ tid: 100, firstLine: 1 });
});

test(`only the last ${RECENT_TIDS_PER_METER} TIDs of a meter are remembered`, () => {
  const t = new TidTracker();
  for (let i = 0; i <= RECENT_TIDS_PER_METER; i++) t.record('m', i, i + 1);
  // TID 0 has been pushed out; TID 1 is still there.
  expect(t.record('m', 0, 100)).toBeUndefined();
  expect(t.record('m', 2, 101)).toEqual({ tid: 2, firstLine: 3 });
});

test('the number of meters is capped: the meter seen first is forgotten', () => {
  const t = new TidTracker(3);
  for (const m of ['a', 'b', 'c', 'd']) t.record(m, 7, 1);
  expect(t.size).toBe(3);
  expect(t.record('a', 7, 2)).toBeUndefined();
  expect(t.record('d', 7, 3)).toEqual({ tid: 7, firstLine: 1 });
  expect(MAX_METERS).toBe(50_000);
});

test('meters are forgotten first in, first out however often the window turns over', () => {
  const t = new TidTracker(4);
  // 40 meters, each twice (the second TID of a meter turns its packed pair into a list).
  for (let m = 0; m < 40; m++) {
    t.record(`m${m}`, 1, 2 * m);
    t.record(`m${m}`, 2, 2 * m + 1);
  }
  expect(t.size).toBe(4);
  // m36..m39 are remembered, with both TIDs; m35 was forgotten.
  expect(t.record('m36', 1, 100)).toEqual({ tid: 1, firstLine: 72 });
  expect(t.record('m39', 2, 101)).toEqual({ tid: 2, firstLine: 79 });
  expect(t.record('m35', 1, 102)).toBeUndefined();
  // Recording m35 again forgot the oldest of the window, m36.
  expect(t.record('m36', 1, 103)).toBeUndefined();
  // Numbers are meters too, never equal to a string.
  expect(t.record(160, 1, 104)).toBeUndefined();
  expect(t.record('160', 1, 105)).toBeUndefined();
  expect(t.record(160, 1, 106)).toEqual({ tid: 1, firstLine: 104 });
});
