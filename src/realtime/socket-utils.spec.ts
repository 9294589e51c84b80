import type { WebSocket } from 'ws';
import type { Connection } from './connection';
import { HeartbeatSweep, SocketSource } from './socket-utils';

describe('HeartbeatSweep', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A registry's view: a live set, as ConnectionRegistry hands it over. */
  const source = (conns: Connection[]): SocketSource & { set: Set<Connection> } => {
    const set = new Set(conns);
    return { set, get size() { return set.size; }, values: () => set.values() };
  };

  const sockets = (n: number) => Array.from({ length: n }, () => {
    const ws = { OPEN: 1, readyState: 1, pings: 0, terminated: false, ping() { this.pings++; }, terminate() { this.terminated = true; } };
    return { alive: true, ws: ws as unknown as WebSocket & { pings: number; terminated: boolean } } as Connection & { ws: { pings: number; terminated: boolean } };
  });

  it('pings each socket once per interval, spread over the interval rather than in one tick', () => {
    const conns = sockets(1000);
    const live = source(conns);
    const sweep = new HeartbeatSweep(() => live, 1000);
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
    const live = source(conns);
    const sweep = new HeartbeatSweep(() => live, 1000);
    for (let t = 0; t < 3000; t += 20) {
      jest.advanceTimersByTime(20);
      for (const c of conns) c.alive = true; // every ping answered
    }
    expect(conns.map((c) => c.ws.pings)).toEqual([3, 3]);
    sweep.stop();
  });

  it('terminates a socket that did not answer the previous ping, and only that one', () => {
    const conns = sockets(2);
    const live = source(conns);
    const sweep = new HeartbeatSweep(() => live, 1000);
    jest.advanceTimersByTime(1000);
    conns[0].alive = true; // the first answered, the second did not
    jest.advanceTimersByTime(1000);
    expect(conns.map((c) => c.ws.terminated)).toEqual([false, true]);
    sweep.stop();
  });

  it('walks the live set: a socket removed during a round is not pinged, one added is', () => {
    const conns = sockets(100);
    const live = source(conns);
    const sweep = new HeartbeatSweep(() => live, 1000);
    jest.advanceTimersByTime(20); // the round has begun: the first slice is pinged
    const pingedEarly = conns.filter((c) => c.ws.pings > 0).length;
    expect(pingedEarly).toBeGreaterThan(0);
    expect(pingedEarly).toBeLessThan(100);
    // The last socket of the set closes: it leaves the registry before its slice comes. (A copy of the set
    // taken at the round's start would still ping it, and hold it, with its socket, until the round ended.)
    const gone = conns.pop()!;
    live.set.delete(gone);
    const late = sockets(1)[0];
    live.set.add(late);
    jest.advanceTimersByTime(980);
    expect(gone.ws.pings).toBe(0);
    expect(conns.every((c) => c.ws.pings === 1)).toBe(true);
    expect(late.ws.pings).toBe(1);
    sweep.stop();
  });
});
