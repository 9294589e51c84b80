import fc from 'fast-check';
import { isoTime } from './iso-time';

// Date's range: ±8.64e15 ms around the epoch.
const LIMIT = 8.64e15;

describe('isoTime', () => {
  it('gives what Date#toISOString gives, for any time Date can hold, called in any order', () => {
    fc.assert(fc.property(fc.array(fc.oneof(
      fc.integer({ min: -LIMIT, max: LIMIT }),
      fc.integer({ min: 1_700_000_000_000, max: 1_700_000_010_000 }), // many calls within one second, and across seconds
      fc.integer({ min: -2_000, max: 2_000 }), // both sides of the epoch, where floor and truncation differ
      fc.double({ min: -LIMIT, max: LIMIT, noNaN: true }), // fractions, dropped toward zero as Date does
    ), { minLength: 1, maxLength: 50 }), (times) => {
      for (const t of times) expect(isoTime(t)).toBe(new Date(t).toISOString());
    }), { numRuns: 500 });
  });

  it('takes a Date, and defaults to now', () => {
    const d = new Date(Date.UTC(2026, 11, 6, 3, 4, 5, 67));
    expect(isoTime(d)).toBe('2026-12-06T03:04:05.067Z');
    const before = Date.now();
    const now = Date.parse(isoTime());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('the years Date writes with six digits and a sign, at both ends of its range', () => {
    for (const t of [-LIMIT, LIMIT, Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1) + 999, -62167219200001]) {
      expect(isoTime(t)).toBe(new Date(t).toISOString());
    }
  });

  it('an invalid time throws as Date#toISOString does', () => {
    for (const t of [Number.NaN, Infinity, -Infinity, LIMIT + 1]) expect(() => isoTime(t)).toThrow(RangeError);
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
