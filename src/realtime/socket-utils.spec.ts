import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { WebSocket } from 'ws';
import type { Connection } from './connection';
import { ConnectionRegistry, SHARDS, shardOf } from './connection-registry';
import { HeartbeatSweep } from './socket-utils';

type FakeConn = Connection & { ws: { pings: number; terminated: boolean } };

/** Sockets with what the registry and the sweep read of them: an id, `alive`, and a `ws` that counts pings. */
const sockets = (n: number): FakeConn[] => Array.from({ length: n }, () => {
  const ws = { OPEN: 1, readyState: 1, pings: 0, terminated: false, ping() { this.pings++; }, terminate() { this.terminated = true; } };
  return { id: randomUUID(), alive: true, ws: ws as unknown as WebSocket, auth: undefined } as unknown as FakeConn;
});

const registryOf = (conns: Connection[]): ConnectionRegistry => {
  const registry = new ConnectionRegistry();
  for (const c of conns) registry.admit(c);
  return registry;
};

describe('ConnectionRegistry parts', () => {
  it('spreads random ids evenly over the parts, and finds each socket in the part its id names', () => {
    const conns = sockets(SHARDS * 200);
    const registry = registryOf(conns);
    const sizes = Array.from({ length: SHARDS }, (_, i) => [...registry.shard(i)].length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(conns.length);
    expect(Math.min(...sizes)).toBeGreaterThan(100); // 200 expected in each
    expect(Math.max(...sizes)).toBeLessThan(300);
    for (const c of conns.slice(0, 100)) expect([...registry.shard(shardOf(c.id))]).toContain(c);
    expect(registry.size).toBe(conns.length);
    expect([...registry.values()].length).toBe(conns.length);
    registry.remove(conns[0]);
    registry.remove(conns[0]);
    expect(registry.size).toBe(conns.length - 1);
    expect(registry.get(conns[0].id)).toBeUndefined();
    expect(registry.get(conns[1].id)).toBe(conns[1]);
  });

  it('finds a socket by an id given as other text (the admin API\'s), counts a socket admitted twice once, and finds nothing for ids it does not hold', () => {
    const conns = sockets(SHARDS * 4);
    const registry = registryOf(conns);
    registry.admit(conns[5]);
    expect(registry.size).toBe(conns.length);
    for (const c of conns) expect(registry.get([...c.id].join(''))).toBe(c);
    for (const id of [randomUUID(), '', 'x', conns[7].id.slice(1)]) expect(registry.get(id)).toBeUndefined();
  });

  it('maps any id to a part, hex or not', () => {
    for (const id of ['', 'x', 'ZZ', '00', 'ff', 'FF', 'not-a-uuid']) {
      const i = shardOf(id);
      expect(Number.isInteger(i) && i >= 0 && i < SHARDS).toBe(true);
    }
  });
});

describe('HeartbeatSweep', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  /** An interval that is a whole number of ticks. */
  const tick = 16;
  const interval = SHARDS * tick;

  it('pings each socket once per interval, spread over the interval rather than in one tick', () => {
    const conns = sockets(1000);
    const sweep = new HeartbeatSweep(() => registryOf(conns), interval, SHARDS);
    jest.advanceTimersByTime(tick); // one part
    const afterOnePart = conns.filter((c) => c.ws.pings > 0).length;
    expect(afterOnePart).toBeGreaterThan(0);
    expect(afterOnePart).toBeLessThan(100);
    for (const c of conns) c.alive = true;
    jest.advanceTimersByTime(interval - tick);
    expect(conns.every((c) => c.ws.pings === 1)).toBe(true);
    sweep.stop();
  });

  it('keeps the interval with few sockets', () => {
    const conns = sockets(2);
    const registry = registryOf(conns);
    const sweep = new HeartbeatSweep(() => registry, interval, SHARDS);
    for (let t = 0; t < 3 * interval; t += tick) {
      jest.advanceTimersByTime(tick);
      for (const c of conns) c.alive = true; // every ping answered
    }
    expect(conns.map((c) => c.ws.pings)).toEqual([3, 3]);
    sweep.stop();
  });

  it('terminates a socket that did not answer the previous ping, and only that one', () => {
    const conns = sockets(2);
    const registry = registryOf(conns);
    const sweep = new HeartbeatSweep(() => registry, interval, SHARDS);
    jest.advanceTimersByTime(interval);
    conns[0].alive = true; // the first answered, the second did not
    jest.advanceTimersByTime(interval);
    expect(conns.map((c) => c.ws.terminated)).toEqual([false, true]);
    sweep.stop();
  });

  it('walks the live set: a socket removed before its part comes is not pinged, one added is, within an interval of being added', () => {
    const conns = sockets(100);
    const registry = registryOf(conns);
    const sweep = new HeartbeatSweep(() => registry, interval, SHARDS);
    jest.advanceTimersByTime(tick);
    const gone = conns.find((c) => c.ws.pings === 0)!;
    registry.remove(gone);
    // Its part is where its random id falls: one the first tick has passed (1 in SHARDS), or one still to come.
    const late = sockets(1)[0];
    registry.admit(late);
    jest.advanceTimersByTime(interval - tick);
    expect(gone.ws.pings).toBe(0);
    expect(conns.filter((c) => c !== gone).every((c) => c.ws.pings === 1)).toBe(true);
    expect(late.ws.pings).toBe(shardOf(late.id) === 0 ? 0 : 1);
    jest.advanceTimersByTime(tick); // one interval since it was added: every part visited once
    expect(late.ws.pings).toBe(1);
    sweep.stop();
  });

  it('pings a socket added into the part just swept at that part\'s next turn', () => {
    const conns = sockets(100);
    const registry = registryOf(conns);
    const sweep = new HeartbeatSweep(() => registry, interval, SHARDS);
    jest.advanceTimersByTime(tick); // part 0 swept
    let late = sockets(1)[0];
    while (shardOf(late.id) !== 0) late = sockets(1)[0];
    registry.admit(late);
    jest.advanceTimersByTime(interval - tick);
    expect(late.ws.pings).toBe(0);
    jest.advanceTimersByTime(tick);
    expect(late.ws.pings).toBe(1);
    sweep.stop();
  });

  it('holds nothing of a socket closed between two ticks (no iterator kept from one tick to the next)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const registry = registryOf(sockets(SHARDS * 4)); // a few in every part, so every tick walks some
    const sweep = new HeartbeatSweep(() => registry, interval, SHARDS);
    jest.advanceTimersByTime(tick);
    // Between this tick and the next, 2,000 sockets come and go, 20 open at a time (the registry's tables grow and
    // are rebuilt many times over): none may outlive its removal.
    const refs = ((): Array<WeakRef<object>> => {
      const out: Array<WeakRef<object>> = [];
      const open: Connection[] = [];
      for (const c of sockets(2000)) {
        registry.admit(c);
        open.push(c);
        out.push(new WeakRef(c));
        if (open.length > 20) registry.remove(open.shift()!);
      }
      for (const c of open) registry.remove(c);
      return out;
    })();
    await new Promise((resolve) => setImmediate(resolve)); // WeakRefs made in a job keep their targets until it ends
    gc();
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0);
    jest.advanceTimersByTime(tick);
    sweep.stop();
  });
});
