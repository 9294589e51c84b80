import { AppConfig } from '../config/app-config';
import { DomainEvents } from '../events/domain-events';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { SessionStateCache } from '../sessions/session-state.cache';
import { SessionsService, StoredRevocation } from '../sessions/sessions.service';
import { RedisBus } from './redis-bus';
import { RevocationSyncService } from './revocation-sync.service';

/** The feed as the database would hold it: revocations with increasing seq. */
class FakeFeed {
  rows: StoredRevocation[] = [];
  reads = 0;
  failNext = false;
  revokedByHand = new Set<string>();
  add(sessionId: string): void {
    this.rows.push({ sessionId, userId: `u-${sessionId}`, reason: 'logout', seq: this.rows.length + 1 });
  }
  service(): SessionsService {
    return {
      revocationCursor: async () => this.rows.length,
      revocationsAfter: async (cursor: number, limit: number) => {
        this.reads++;
        if (this.failNext) { this.failNext = false; throw new Error('database down'); }
        return this.rows.filter((r) => r.seq! > cursor).slice(0, limit); },
      revokedAmong: async (ids: string[]) => ids.filter((id) => this.revokedByHand.has(id)).map((sessionId) => ({ sessionId, userId: 'u', reason: 'admin' as const, seq: null })),
    } as unknown as SessionsService;
  }
}

describe('RevocationSyncService', () => {
  const POLL = 2000;
  const RECHECK = 60_000;
  let feed: FakeFeed;
  let events: DomainEvents;
  let announced: string[];
  let connectionListener: (up: boolean) => void;
  let bus: { connected: boolean };
  let sync: RevocationSyncService;
  let liveInCache: string[];

  /** Lets the promise chains a timer started run to their end. */
  const settle = async () => { for (let i = 0; i < 10; i++) await Promise.resolve(); };

  beforeEach(async () => {
    jest.useFakeTimers();
    feed = new FakeFeed();
    feed.add('before-start');
    events = new DomainEvents();
    announced = [];
    events.on('session.revoked', ({ sessionId }) => announced.push(sessionId));
    bus = { connected: true };
    const redis = { get connected() { return bus.connected; }, onConnectionChange: (l: (up: boolean) => void) => { connectionListener = l; } };
    liveInCache = [];
    const cache = { liveSessionIds: () => liveInCache } as unknown as SessionStateCache;
    const registry = { values: () => [][Symbol.iterator]() } as unknown as ConnectionRegistry;
    const config = { revocation: { pollMs: POLL, recheckMs: RECHECK } } as AppConfig;
    sync = new RevocationSyncService(redis as unknown as RedisBus, feed.service(), cache, registry, events, config);
    await sync.onModuleInit();
  });
  afterEach(() => {
    sync.onModuleDestroy();
    jest.useRealTimers();
  });

  it('while the bus is up, reads nothing until the slow round; what came before start is never announced', async () => {
    feed.add('s1');
    await jest.advanceTimersByTimeAsync(POLL * 3);
    expect(feed.reads).toBe(0);
    await jest.advanceTimersByTimeAsync(RECHECK);
    await settle();
    expect(announced).toEqual(['s1']);
  });

  it('while the bus is down, reads the feed every poll period and announces each revocation once', async () => {
    connectionListener(false);
    feed.add('s1');
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual(['s1']);
    feed.add('s2');
    await jest.advanceTimersByTimeAsync(POLL);
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual(['s1', 's2']);
  });

  it('reads at once when the bus comes back, once more a poll period later, then stops polling', async () => {
    connectionListener(false);
    feed.add('s1');
    connectionListener(true);
    await settle();
    expect(announced).toEqual(['s1']);
    feed.add('s2');
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual(['s1', 's2']);
    const reads = feed.reads;
    await jest.advanceTimersByTimeAsync(POLL * 5);
    expect(feed.reads).toBe(reads);
  });

  it('does not announce again what the bus (or this instance) already announced', async () => {
    events.emit('session.revoked', { sessionId: 's1', userId: 'u', reason: 'logout' });
    feed.add('s1');
    connectionListener(false);
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual(['s1']);
  });

  it('the slow round re-checks sessions held live, catching one revoked outside the feed', async () => {
    liveInCache = ['live', 'edited'];
    feed.revokedByHand.add('edited');
    await jest.advanceTimersByTimeAsync(RECHECK);
    await settle();
    expect(announced).toEqual(['edited']);
  });

  it('keeps polling through a database error, and catches up after it', async () => {
    connectionListener(false);
    feed.failNext = true;
    feed.add('s1');
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual([]);
    await jest.advanceTimersByTimeAsync(POLL);
    expect(announced).toEqual(['s1']);
  });
});
