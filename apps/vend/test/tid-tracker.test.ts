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
