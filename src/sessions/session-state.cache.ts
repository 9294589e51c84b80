import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DomainEvents } from '../events/domain-events';
import { SessionsRepository } from './sessions.repository';
import { UsersService } from '../users/users.service';
import { Role } from '../users/user.entity';

export type SessionVerdict = 'live' | 'revoked' | 'inactive';
interface SessionFact { userId: string; revoked: boolean; expiresAt: number }
interface UserFact { active: boolean; role: Role }

const MAX_ENTRIES = 100_000;

/**
 * Answers "is this session still good, and its user still active?" from memory.
 * A miss costs one lookup; revocation and user changes (local, or relayed from
 * other instances by the bus) update the entry, so a revoked session's tokens
 * fail at once without a query per request.
 */
@Injectable()
export class SessionStateCache implements OnModuleDestroy {
  private readonly sessions = new Map<string, SessionFact>();
  private readonly userFacts = new Map<string, UserFact>();
  private readonly unsubscribe: Array<() => void>;
  /** Bumped by every event that can make a row read before it stale (see load). */
  private changes = 0;

  constructor(private readonly repo: SessionsRepository, private readonly users: UsersService, events: DomainEvents) {
    this.unsubscribe = [
      events.on('session.revoked', ({ sessionId }) => {
        this.changes++;
        const fact = this.sessions.get(sessionId);
        if (fact) fact.revoked = true;
      }),
      events.on('user.changed', ({ userId }) => { this.changes++; this.userFacts.delete(userId); }),
      // An unknown role falls back to the least privilege: the user cannot act anyway.
      events.on('user.deactivated', ({ userId }) => {
        this.changes++;
        this.userFacts.set(userId, { active: false, role: this.userFacts.get(userId)?.role ?? 'user' });
      }),
    ];
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
  }

  /** The verdict from memory alone; undefined when the session or its user must first be read (check() reads them). */
  known(sessionId: string, userId: string, now = Date.now()): SessionVerdict | undefined {
    const fact = this.sessions.get(sessionId);
    if (!fact) return undefined;
    if (refused(fact, userId, now)) return 'revoked';
    const user = this.userFacts.get(userId);
    return user && userVerdict(user);
  }

  async check(sessionId: string, userId: string, now = Date.now()): Promise<SessionVerdict> {
    let fact = this.sessions.get(sessionId);
    if (!fact) {
      const { value: row, fresh } = await this.load(() => this.repo.findSession(sessionId));
      if (!row) return 'revoked';
      fact = { userId: row.userId, revoked: row.revokedAt !== null, expiresAt: new Date(row.expiresAt).getTime() };
      if (fresh) remember(this.sessions, sessionId, fact);
    }
    if (refused(fact, userId, now)) return 'revoked';
    let user = this.userFacts.get(userId);
    if (!user) {
      const { value: row, fresh } = await this.load(() => this.users.findById(userId));
      user = { active: Boolean(row?.active), role: row?.role ?? 'user' };
      if (fresh) remember(this.userFacts, userId, user);
    }
    return userVerdict(user);
  }

  /**
   * Memory only, for the per-frame guards of a socket verified at connect:
   * false once the session is known revoked or expired (a revocation event
   * updates the cached fact even if the socket's close was missed).
   */
  sessionLive(sessionId: string, now = Date.now()): boolean {
    const fact = this.sessions.get(sessionId);
    return !fact || (!fact.revoked && fact.expiresAt > now);
  }

  /** Memory only: false once the user is known inactive. */
  userActive(userId: string): boolean {
    return this.userFacts.get(userId)?.active !== false;
  }

  /**
   * Reads a row, again if a revocation or user change was announced meanwhile:
   * the event found nothing in memory to correct, and the row read before it
   * committed would otherwise be remembered as live for good. Events come
   * after their commit, so the second read sees the change. A row that cannot
   * be read quietly (a storm of events) answers this call but is not remembered.
   */
  private async load<T>(read: () => Promise<T>): Promise<{ value: T; fresh: boolean }> {
    for (let attempt = 1; ; attempt++) {
      const seen = this.changes;
      const value = await read();
      if (seen === this.changes) return { value, fresh: true };
      if (attempt === 3) return { value, fresh: false };
    }
  }

  /**
   * Sessions this instance has vouched for and still believes live: what a
   * periodic re-check against the database must cover, since their tokens are
   * accepted from memory.
   */
  liveSessionIds(now = Date.now()): string[] {
    const out: string[] = [];
    for (const [id, fact] of this.sessions) if (!fact.revoked && fact.expiresAt > now) out.push(id);
    return out;
  }

  /**
   * The user's current role as of the last check(). An access token's `role`
   * claim is a snapshot from login; an admin demoted since must lose admin
   * routes at once, not when that token expires.
   */
  roleOf(userId: string): Role | undefined {
    return this.userFacts.get(userId)?.role;
  }
}

/** The session is not this user's, or is revoked or expired. */
const refused = (fact: SessionFact, userId: string, now: number): boolean => fact.userId !== userId || fact.revoked || fact.expiresAt <= now;
const userVerdict = (user: UserFact): SessionVerdict => (user.active ? 'live' : 'inactive');

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
