import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { NotFoundError, UnauthenticatedError } from '../common/errors/domain-errors';
import { newOpaqueSecret, sha256Hex } from '../common/util/ids';
import { openWith, sealFor } from '../common/util/sealed';
import { isOpaqueSecret } from '../common/util/opaque-secret';
import { DomainEventMap, DomainEvents } from '../events/domain-events';
import { AuditService } from '../audit/audit.service';
import { RefreshToken, Session } from './session.entity';
import { SessionsRepository } from './sessions.repository';

const REFRESH_PREFIX = 'prt_';
const TICKET_PREFIX = 'pwt_';

type RevokeReason = DomainEventMap['session.revoked']['reason'];
const REVOKE_REASONS: ReadonlySet<string> = new Set<RevokeReason>(['logout', 'admin', 'refresh_reuse', 'expired']);

/** A revocation as the database records it: what an instance announces locally when it learns of it there. */
export interface StoredRevocation { sessionId: string; userId: string; reason: RevokeReason; seq: number | null }

export interface SessionView {
  id: string; userId: string; createdAt: string; expiresAt: string; ip: string | null; userAgent: string | null;
}

/** Session lifecycle: open, rotate refresh tokens (with reuse detection), revoke. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly repo: SessionsRepository,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async open(userId: string, meta: { ip?: string; userAgent?: string }): Promise<{ session: Session; refreshToken: string }> {
    const refreshToken = newOpaqueSecret(REFRESH_PREFIX);
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTtlS * 1000);
    const session = await this.repo.createWithRefresh(
      { userId, expiresAt, ip: meta.ip?.slice(0, 64) ?? null, userAgent: meta.userAgent?.slice(0, 255) ?? null },
      sha256Hex(refreshToken),
    );
    return { session, refreshToken };
  }

  /**
   * Spends `refreshToken` for the pair `issue` makes with its successor. A
   * token presented twice means it leaked: the whole session is revoked and
   * its sockets closed — except within REFRESH_REUSE_GRACE_S of the rotation,
   * when the second presentation gets the same pair (two tabs refreshing at
   * once). That pair is kept sealed under a key derived from the spent token,
   * so only its holder can open it.
   */
  async rotate<P extends object>(
    refreshToken: string, ip: string | undefined, admit: (session: Session) => Promise<void>, issue: (session: Session, next: string) => P,
  ): Promise<{ session: Session; pair: P; replayed: boolean }> {
    const hash = typeof refreshToken === 'string' ? sha256Hex(refreshToken) : undefined;
    const row = hash && isOpaqueSecret(refreshToken, REFRESH_PREFIX) ? await this.repo.findRefresh(hash) : null;
    if (!row) throw new UnauthenticatedError('Invalid refresh token', 'unknown_refresh');
    const session = await this.repo.findSession(row.sessionId);
    if (!session || session.revokedAt) throw new UnauthenticatedError('Session revoked', 'revoked');
    if (row.usedAt) return this.replayOrRevoke<P>(row, refreshToken, session, ip);
    if (new Date(row.expiresAt).getTime() <= Date.now()) throw new UnauthenticatedError('Refresh token expired', 'expired');
    // Checked before the token is spent: a refused refresh must not later look like reuse.
    await admit(session);
    const next = newOpaqueSecret(REFRESH_PREFIX);
    const pair = issue(session, next);
    const replay = this.config.auth.refreshReuseGraceS > 0 ? sealFor(refreshToken, JSON.stringify(pair)) : null;
    const rotated = await this.repo.rotateRefresh(row.id, { sessionId: session.id, tokenHash: sha256Hex(next), expiresAt: session.expiresAt }, replay);
    // Lost a race with another presentation of the same token: that one's pair, or reuse.
    if (!rotated) return this.replayOrRevoke<P>((await this.repo.findRefresh(hash!)) ?? row, refreshToken, session, ip);
    return { session, pair, replayed: false };
  }

  private async replayOrRevoke<P>(row: RefreshToken, refreshToken: string, session: Session, ip?: string): Promise<{ session: Session; pair: P; replayed: true }> {
    const graceMs = this.config.auth.refreshReuseGraceS * 1000;
    const spentAgoMs = row.usedAt ? Date.now() - new Date(row.usedAt).getTime() : Infinity;
    const opened = graceMs > 0 && spentAgoMs <= graceMs && row.replay ? openWith(refreshToken, row.replay) : undefined;
    if (opened === undefined) return this.reuseDetected(session, ip);
    await this.audit.record('refresh_replayed', { userId: session.userId, sessionId: session.id, ip, detail: { spentAgoMs } });
    return { session, pair: JSON.parse(opened) as P, replayed: true };
  }

  async revoke(sessionId: string, reason: RevokeReason): Promise<Session> {
    const session = await this.repo.findSession(sessionId);
    if (!session) throw new NotFoundError('Session');
    if (await this.repo.revoke(sessionId, reason)) {
      this.events.emit('session.revoked', { sessionId, userId: session.userId, reason });
    }
    return session;
  }

  /** The revocation feed's newest place (see SessionsRepository.revoke). */
  revocationCursor(): Promise<number> {
    return this.repo.revocationCursor();
  }

  /** Revocations committed after `cursor`, oldest first, at most `limit`. */
  async revocationsAfter(cursor: number, limit: number): Promise<StoredRevocation[]> {
    return (await this.repo.revokedAfter(cursor, limit)).map(toStoredRevocation);
  }

  /** Which of these sessions are revoked, by any means (the feed, or a row edited by hand). */
  async revokedAmong(sessionIds: string[]): Promise<StoredRevocation[]> {
    return sessionIds.length ? (await this.repo.revokedAmong(sessionIds)).map(toStoredRevocation) : [];
  }

  /** An admin's revocation, audited against the session's owner with the admin who did it. */
  async revokeByAdmin(sessionId: string, adminId: string): Promise<void> {
    const session = await this.revoke(sessionId, 'admin');
    await this.audit.record('admin_revoke_session', { userId: session.userId, sessionId, detail: { by: adminId } });
  }

  async listActive(filter: { userId?: string; limit?: number } = {}): Promise<SessionView[]> {
    const rows = await this.repo.listActive({ userId: filter.userId, limit: Math.min(filter.limit ?? 100, 1000) });
    return rows.map((s) => ({
      id: s.id, userId: s.userId, createdAt: new Date(s.createdAt).toISOString(), expiresAt: new Date(s.expiresAt).toISOString(),
      ip: s.ip, userAgent: s.userAgent,
    }));
  }

  /** A single-use ticket for `?ticket=`, bound to the session and no longer-lived than the access token behind it. */
  async issueTicket(sessionId: string, userId: string, authExpiresAt: number): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = newOpaqueSecret(TICKET_PREFIX);
    const expiresIn = this.config.auth.ticketTtlS;
    await this.repo.insertTicket({
      tokenHash: sha256Hex(ticket), sessionId, userId, expiresAt: new Date(Date.now() + expiresIn * 1000), authExpiresAt: new Date(authExpiresAt),
    });
    return { ticket, expiresIn };
  }

  async consumeTicket(ticket: string): Promise<{ sessionId: string; userId: string; authExpiresAt: number }> {
    const row = isOpaqueSecret(ticket, TICKET_PREFIX) ? await this.repo.consumeTicket(sha256Hex(ticket)) : null;
    if (!row) throw new UnauthenticatedError('Invalid or used ticket', 'ticket');
    return { sessionId: row.sessionId, userId: row.userId, authExpiresAt: new Date(row.authExpiresAt).getTime() };
  }

  /** Retention, one batch: sessions that ended before `cutoff`. A deleted session reads as revoked, so nothing it issued comes back. */
  purgeSessions(cutoff: Date, limit: number): Promise<number> {
    return this.repo.deleteSessionsExpiredBefore(cutoff, limit);
  }

  /** Retention, one batch: refresh tokens, spent or not, that expired before `cutoff` (past expiry, reuse detection has nothing to guard). */
  purgeRefreshTokens(cutoff: Date, limit: number): Promise<number> {
    return this.repo.deleteRefreshTokensExpiredBefore(cutoff, limit);
  }

  /** Retention, one batch: tickets spent or expired at `now`. */
  purgeTickets(now: Date, limit: number): Promise<number> {
    return this.repo.deleteDeadTickets(now, limit);
  }

  private async reuseDetected(session: Session, ip?: string): Promise<never> {
    await this.revoke(session.id, 'refresh_reuse');
    await this.audit.record('refresh_reuse', { userId: session.userId, sessionId: session.id, ip, reason: 'spent refresh token presented' });
    throw new UnauthenticatedError('Refresh token reuse detected; session revoked', 'refresh_reuse');
  }
}

function toStoredRevocation(s: Pick<Session, 'id' | 'userId' | 'revokedReason'> & { revocationSeq?: number | null }): StoredRevocation {
  // A reason written by hand (or by a later version) is still a revocation: announce it as an admin's.
  const reason = REVOKE_REASONS.has(s.revokedReason ?? '') ? (s.revokedReason as RevokeReason) : 'admin';
  return { sessionId: s.id, userId: s.userId, reason, seq: s.revocationSeq ?? null };
}
