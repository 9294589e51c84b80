import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DomainEvents } from '../events/domain-events';
import { SessionsRepository } from './sessions.repository';
import { UsersService } from '../users/users.service';

export type SessionVerdict = 'live' | 'revoked' | 'inactive';
interface SessionFact { userId: string; revoked: boolean; expiresAt: number }

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
  private readonly userActive = new Map<string, boolean>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly repo: SessionsRepository, private readonly users: UsersService, events: DomainEvents) {
    this.unsubscribe = [
      events.on('session.revoked', ({ sessionId }) => {
        const fact = this.sessions.get(sessionId);
        if (fact) fact.revoked = true;
      }),
      events.on('user.changed', ({ userId }) => this.userActive.delete(userId)),
      events.on('user.deactivated', ({ userId }) => this.userActive.set(userId, false)),
    ];
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
  }

  async check(sessionId: string, userId: string, now = Date.now()): Promise<SessionVerdict> {
    let fact = this.sessions.get(sessionId);
    if (!fact) {
      const row = await this.repo.findSession(sessionId);
      if (!row) return 'revoked';
      fact = { userId: row.userId, revoked: row.revokedAt !== null, expiresAt: new Date(row.expiresAt).getTime() };
      remember(this.sessions, sessionId, fact);
    }
    if (fact.userId !== userId || fact.revoked || fact.expiresAt <= now) return 'revoked';
    let active = this.userActive.get(userId);
    if (active === undefined) {
      active = Boolean((await this.users.findById(userId))?.active);
      remember(this.userActive, userId, active);
    }
    return active ? 'live' : 'inactive';
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value as string);
  map.set(key, value);
}
