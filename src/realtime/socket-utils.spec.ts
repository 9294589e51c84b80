import type { WebSocket } from 'ws';
import type { Connection } from './connection';
import { HeartbeatSweep } from './socket-utils';

describe('HeartbeatSweep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const sockets = (n: number) => Array.from({ length: n }, () => {
    const ws = { OPEN: 1, readyState: 1, pings: 0, terminated: false, ping() { this.pings++; }, terminate() { this.terminated = true; } };
    return { alive: true, ws: ws as unknown as WebSocket & { pings: number; terminated: boolean } } as Connection & { ws: { pings: number; terminated: boolean } };
  });

  it('pings each socket once per interval, spread over the interval rather than in one tick', () => {
    const conns = sockets(1000);
    const sweep = new HeartbeatSweep(() => conns, 1000);
    jest.advanceTimersByTime(20); // one slice
    const afterOneSlice = conns.filter((c) => c.ws.pings > 0).length;
    expect(afterOneSlice).toBeGreaterThan(0);
    expect(afterOneSlice).toBeLessThanOrEqual(50);
    for (const c of conns) c.alive = true;
    jest.advanceTimersByTime(980);
    expect(conns.every((c) => c.ws.pings === 1)).toBe(true);
    sweep.stop();
  });

  it('keeps the interval with few sockets (a round lasts the interval, not until the sockets run out)', () => {
    const conns = sockets(2);
    const sweep = new HeartbeatSweep(() => conns, 1000);
    for (let t = 0; t < 3000; t += 20) {
      jest.advanceTimersByTime(20);
      for (const c of conns) c.alive = true; // every ping answered
    }
    expect(conns.map((c) => c.ws.pings)).toEqual([3, 3]);
    sweep.stop();
  });

  it('terminates a socket that did not answer the previous ping, and only that one', () => {
    const conns = sockets(2);
    const sweep = new HeartbeatSweep(() => conns, 1000);
    jest.advanceTimersByTime(1000);
    conns[0].alive = true; // the first answered, the second did not
    jest.advanceTimersByTime(1000);
    expect(conns.map((c) => c.ws.terminated)).toEqual([false, true]);
    sweep.stop();
  });
});
