import { backoffDelay, resolveBackoff } from './backoff';
import { SeqOrder } from './seq-order';

const m = (seq: number) => ({ seq });

describe('SeqOrder', () => {
  it('delivers in order, holding items behind a gap until it fills, and drops duplicates', () => {
    const order = new SeqOrder<{ seq: number }>(4);
    expect(order.push(m(7))).toEqual([]); // live message ahead of the replay
    expect(order.push(m(4))).toEqual([]); // already delivered
    expect(order.push(m(5))).toEqual([m(5)]);
    expect(order.push(m(6))).toEqual([m(6), m(7)]);
    expect(order.push(m(7))).toEqual([]);
    expect(order.mark).toBe(7);
  });

  it('without a starting mark, starts at the first item seen', () => {
    const order = new SeqOrder<{ seq: number }>();
    expect(order.push(m(10))).toEqual([m(10)]);
    expect(order.push(m(12))).toEqual([]);
    expect(order.push(m(11))).toEqual([m(11), m(12)]);
  });
});

describe('backoff (full jitter)', () => {
  it('stays within the capped exponential ceiling and spans it', () => {
    const at = (r: number) => resolveBackoff({ initialMs: 100, maxMs: 1000, random: () => r });
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, at(0.999999)))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(5, at(0))).toBe(0);
  });
});
