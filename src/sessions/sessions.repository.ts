import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, MoreThan, Repository } from 'typeorm';
import { deleteBatch } from '../database/batch-delete';
import { inTransaction } from '../database/transactions';
import { RefreshToken, Session, WsTicket } from './session.entity';

/** Sessions, their refresh tokens and ws tickets: the only place that queries them. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectRepository(RefreshToken) private readonly refresh: Repository<RefreshToken>,
    @InjectRepository(WsTicket) private readonly tickets: Repository<WsTicket>,
  ) {}

  async createWithRefresh(session: Partial<Session>, refreshHash: string): Promise<Session> {
    return inTransaction(this.db, async (m) => {
      const saved = await m.save(Session, m.create(Session, { ...session, revokedAt: null, revokedReason: null }));
      await m.insert(RefreshToken, m.create(RefreshToken, { sessionId: saved.id, tokenHash: refreshHash, expiresAt: saved.expiresAt, usedAt: null }));
      return saved;
    });
  }

  findSession(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  findRefresh(hash: string): Promise<RefreshToken | null> {
    return this.refresh.findOneBy({ tokenHash: hash });
  }

  /**
   * Spends a refresh token (keeping `replay`, the sealed pair it bought) and
   * stores its successor atomically; false when it was already spent.
   */
  async rotateRefresh(oldId: string, next: { sessionId: string; tokenHash: string; expiresAt: Date }, replay: string | null): Promise<boolean> {
    return inTransaction(this.db, async (m) => {
      const res = await m.update(RefreshToken, { id: oldId, usedAt: IsNull() }, { usedAt: new Date(), replay });
      if (!res.affected) return false;
      await m.insert(RefreshToken, m.create(RefreshToken, { ...next, usedAt: null }));
      return true;
    });
  }

  /** Returns false when the session was already revoked. */
  async revoke(id: string, reason: string): Promise<boolean> {
    const res = await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
    return Boolean(res.affected);
  }

  async revokeAllForUser(userId: string, reason: string): Promise<Session[]> {
    const live = await this.sessions.findBy({ userId, revokedAt: IsNull() });
    for (const s of live) await this.revoke(s.id, reason);
    return live;
  }

  listActive(filter: { userId?: string; limit: number }): Promise<Session[]> {
    return this.sessions.find({
      where: { revokedAt: IsNull(), expiresAt: MoreThan(new Date()), ...(filter.userId ? { userId: filter.userId } : {}) },
      order: { createdAt: 'DESC' }, take: filter.limit,
    });
  }

  async insertTicket(t: Pick<WsTicket, 'tokenHash' | 'sessionId' | 'userId' | 'expiresAt' | 'authExpiresAt'>): Promise<void> {
    await this.tickets.insert(this.tickets.create({ ...t, usedAt: null }));
  }

  /** Single use across every instance: the conditional UPDATE is the lock. */
  async consumeTicket(hash: string, now = new Date()): Promise<WsTicket | null> {
    const res = await this.tickets.update({ tokenHash: hash, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
    return res.affected ? this.tickets.findOneBy({ tokenHash: hash }) : null;
  }

  /** Retention: one batch of sessions that ended before `cutoff`. */
  deleteSessionsExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.sessions, (qb) => qb.where('t.expiresAt < :cutoff', { cutoff }), limit);
  }

  /** Retention: one batch of refresh tokens (spent or not) that expired before `cutoff`. */
  deleteRefreshTokensExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.refresh, (qb) => qb.where('t.expiresAt < :cutoff', { cutoff }), limit);
  }

  /** Retention: one batch of tickets that are spent or expired at `now`; neither can open a socket again. */
  deleteDeadTickets(now: Date, limit: number): Promise<number> {
    return deleteBatch(this.tickets, (qb) => qb.where('t.usedAt IS NOT NULL').orWhere('t.expiresAt < :now', { now }), limit);
  }
}
