import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, MoreThan, Not, Repository } from 'typeorm';
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

  /**
   * Returns false when the session was already revoked. The revocation takes the
   * next place in the feed (see revokedAfter) in the same transaction, so the
   * feed holds it exactly when the revocation is committed.
   */
  async revoke(id: string, reason: string): Promise<boolean> {
    return inTransaction(this.db, async (m) => {
      const revocationSeq = await this.nextRevocationSeq(m);
      const res = await m.update(Session, { id, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason, revocationSeq });
      return Boolean(res.affected);
    });
  }

  /** The feed's newest place: where an instance that starts now begins reading. */
  async revocationCursor(): Promise<number> {
    const [row] = await this.db.query(`SELECT value FROM counters WHERE name = 'revocation'`);
    return Number(row?.value ?? 0);
  }

  /** Revocations after `cursor`, oldest first. */
  revokedAfter(cursor: number, limit: number): Promise<Array<Pick<Session, 'id' | 'userId' | 'revokedReason' | 'revocationSeq'>>> {
    return this.sessions.find({
      select: { id: true, userId: true, revokedReason: true, revocationSeq: true },
      where: { revocationSeq: MoreThan(cursor) }, order: { revocationSeq: 'ASC' }, take: limit,
    });
  }

  /** Which of these sessions are revoked (however that happened). */
  revokedAmong(ids: string[]): Promise<Array<Pick<Session, 'id' | 'userId' | 'revokedReason'>>> {
    return this.sessions.find({ select: { id: true, userId: true, revokedReason: true }, where: { id: In(ids), revokedAt: Not(IsNull()) } });
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

  /**
   * The counter row's lock (held to commit) queues concurrent revocations from
   * every instance, so feed places commit in increasing order. SQLite runs one
   * transaction at a time (see inTransaction), so read-then-write is enough there.
   * (Not RETURNING on SQLite: TypeORM's SQLite runner drops the rows of an UPDATE.)
   */
  private async nextRevocationSeq(m: EntityManager): Promise<number> {
    if (m.connection.options.type === 'postgres') {
      const [rows] = await m.query(`UPDATE counters SET value = value + 1 WHERE name = 'revocation' RETURNING value`);
      return Number(rows[0].value);
    }
    await m.query(`UPDATE counters SET value = value + 1 WHERE name = 'revocation'`);
    const [row] = await m.query(`SELECT value FROM counters WHERE name = 'revocation'`);
    return Number(row.value);
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
