import { DomainEvents } from '../events/domain-events';
import { UsersService } from '../users/users.service';
import { SessionStateCache } from './session-state.cache';
import { SessionsRepository } from './sessions.repository';

/** A database whose reads the test releases by hand, so an event can land while one is in flight. */
class SlowRows {
  revoked = false;
  active = true;
  private pending: Array<() => void> = [];
  reads = 0;
  read<T>(value: () => T): Promise<T> {
    this.reads++;
    return new Promise((resolve) => this.pending.push(() => resolve(value())));
  }
  /** Answers every read in flight with the row as it stood when the read was made. */
  releaseAll(): void {
    for (const p of this.pending.splice(0)) p();
  }
}

describe('SessionStateCache', () => {
  const FAR = Date.now() + 3_600_000;
  let rows: SlowRows;
  let events: DomainEvents;
  let cache: SessionStateCache;

  beforeEach(() => {
    rows = new SlowRows();
    events = new DomainEvents();
    const repo = {
      findSession: (id: string) => {
        const snapshot = { id, userId: 'u1', revokedAt: rows.revoked ? new Date() : null, expiresAt: new Date(FAR) };
        return rows.read(() => snapshot);
      },
    } as unknown as SessionsRepository;
    const users = {
      findById: (id: string) => {
        const snapshot = { id, active: rows.active, role: 'user' };
        return rows.read(() => snapshot);
      },
    } as unknown as UsersService;
    cache = new SessionStateCache(repo, users, events);
  });
  afterEach(() => cache.onModuleDestroy());

  /** Runs check() while `during` happens between its read and the read's answer. */
  async function checkWith(during: () => void): Promise<string> {
    const verdict = cache.check('s1', 'u1');
    await new Promise((r) => setImmediate(r));
    during();
    for (let i = 0; i < 5; i++) {
      rows.releaseAll();
      await new Promise((r) => setImmediate(r));
    }
    return verdict;
  }

  it('a revocation that lands while the session is being loaded is not lost to the stale row', async () => {
    const verdict = await checkWith(() => {
      rows.revoked = true;
      events.emit('session.revoked', { sessionId: 's1', userId: 'u1', reason: 'logout' });
    });
    expect(verdict).toBe('revoked');
    expect(await checkWith(() => undefined)).toBe('revoked');
  });

  it('a deactivation that lands while the user is being loaded is not lost to the stale row', async () => {
    const verdict = cache.check('s1', 'u1');
    await new Promise((r) => setImmediate(r));
    rows.releaseAll();
    await new Promise((r) => setImmediate(r));
    rows.active = false;
    events.emit('user.deactivated', { userId: 'u1' });
    for (let i = 0; i < 5; i++) {
      rows.releaseAll();
      await new Promise((r) => setImmediate(r));
    }
    expect(await verdict).toBe('inactive');
  });

  it('answers from memory once loaded, and follows revocation events', async () => {
    expect(await checkWith(() => undefined)).toBe('live');
    const reads = rows.reads;
    expect(await cache.check('s1', 'u1')).toBe('live');
    expect(rows.reads).toBe(reads);
    events.emit('session.revoked', { sessionId: 's1', userId: 'u1', reason: 'admin' });
    expect(await cache.check('s1', 'u1')).toBe('revoked');
    expect(cache.liveSessionIds()).toEqual([]);
  });

  it('known(): undefined until the session and its user are loaded, then the verdict from memory, following events', async () => {
    expect(cache.known('s1', 'u1')).toBeUndefined();
    expect(await checkWith(() => undefined)).toBe('live');
    const reads = rows.reads;
    expect(cache.known('s1', 'u1')).toBe('live');
    expect(cache.known('s1', 'u2')).toBe('revoked'); // another user's token for this session
    expect(cache.known('s1', 'u1', FAR + 1)).toBe('revoked'); // past the session's expiry
    events.emit('user.deactivated', { userId: 'u1' });
    expect(cache.known('s1', 'u1')).toBe('inactive');
    events.emit('user.changed', { userId: 'u1' });
    expect(cache.known('s1', 'u1')).toBeUndefined(); // the user must be read again
    events.emit('session.revoked', { sessionId: 's1', userId: 'u1', reason: 'admin' });
    expect(cache.known('s1', 'u1')).toBe('revoked');
    expect(rows.reads).toBe(reads);
  });
});
