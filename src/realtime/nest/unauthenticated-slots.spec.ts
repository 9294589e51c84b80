import type { Connection } from '../connection';
import { UnauthenticatedSlots } from './unauthenticated-slots';

const conn = (ip: string) => ({ remoteAddress: ip }) as Connection;

describe('UnauthenticatedSlots', () => {
  it('gives one address at most a quarter of the slots, and others the rest', () => {
    const slots = new UnauthenticatedSlots();
    const mine = Array.from({ length: 20 }, () => conn('10.0.0.1'));
    expect(mine.map((c) => slots.take(c, 40)).filter(Boolean)).toHaveLength(10);
    const others = Array.from({ length: 30 }, (_, i) => conn(`10.0.1.${i}`));
    expect(others.map((c) => slots.take(c, 40)).filter(Boolean)).toHaveLength(30);
    expect(slots.take(conn('10.0.2.1'), 40)).toBe(false); // full
  });

  it('frees a slot once, whatever calls release', () => {
    const slots = new UnauthenticatedSlots();
    const c = conn('10.0.0.1');
    expect(slots.take(c, 4)).toBe(true);
    expect(slots.take(conn('10.0.0.1'), 4)).toBe(false); // max(1, 4/4) = 1 per address
    slots.release(c);
    slots.release(c);
    expect(slots.size).toBe(0);
    expect(slots.take(conn('10.0.0.1'), 4)).toBe(true);
  });

  it('always leaves an address at least one slot', () => {
    const slots = new UnauthenticatedSlots();
    expect(slots.take(conn('10.0.0.1'), 2)).toBe(true);
    expect(slots.take(conn('10.0.0.2'), 2)).toBe(true);
    expect(slots.take(conn('10.0.0.3'), 2)).toBe(false);
  });
});
