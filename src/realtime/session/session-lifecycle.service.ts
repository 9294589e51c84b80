import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { WsResponse } from '@nestjs/websockets';
import { isoTime } from '../../common/util/iso-time';
import { AppConfig } from '../../config/app-config';
import { AuditService } from '../../audit/audit.service';
import { DomainError, UnauthenticatedError } from '../../common/errors/domain-errors';
import { DomainEventMap, DomainEvents } from '../../events/domain-events';
import { CLOSE, CloseSpec } from '../close-codes';
import { Connection, ConnectionLifecycle } from '../connection';
import { ConnectionCloser } from '../connection-closer';
import { ConnectionRegistry } from '../connection-registry';
import { ServerFrames } from '../frame-types';
import { HandshakeAuthenticator } from '../handshake-authenticator';
import { RealtimeMetrics } from '../realtime.metrics';
import { SessionClock } from './session-clock';

/**
 * Keeps every socket exactly as authenticated as its credential: the clock
 * prompts `auth_required` before expiry and closes 4001 at expiry; an `auth`
 * frame re-authenticates in band; revocation events (logout, admin, refresh
 * reuse, deactivation, membership, deletion, key revocation) close the
 * affected sockets at once.
 */
@Injectable()
export class SessionLifecycleService implements ConnectionLifecycle, OnModuleInit, OnModuleDestroy {
  private readonly clock: SessionClock<Connection>;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    private readonly closer: ConnectionCloser,
    private readonly registry: ConnectionRegistry,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly events: DomainEvents,
    private readonly metrics: RealtimeMetrics,
    private readonly audit: AuditService,
    config: AppConfig,
  ) {
    this.clock = new SessionClock<Connection>(
      {
        leadMs: config.ws.reauthLeadMs, graceMs: 0, resolutionMs: 250,
        onError: (err, conn, phase) => this.logger.error({ err, conn: conn.id, phase }, 'session clock handler failed'),
      },
      {
        prompt: (conn, expiresAt, deadline) => {
          const sent = conn.send('auth_required', { expiresAt: isoTime(expiresAt), deadline: isoTime(deadline) });
          if (sent) this.metrics.prompts.inc();
        },
        expire: (conn) => {
          if (!conn.isOpen) return;
          this.metrics.expiryCloses.inc();
          this.audit.recordLater('ws_expired', { userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress });
          this.closer.close(conn, CLOSE.TOKEN_EXPIRED);
        },
      },
    );
  }

  onModuleInit(): void {
    this.registry.addLifecycle(this);
    // The registry notes each revocation first, so a socket still being checked re-checks itself once indexed.
    const on = <K extends keyof DomainEventMap>(name: K, fn: (p: DomainEventMap[K]) => void) =>
      this.unsubscribe.push(this.events.on(name, (payload) => { this.registry.noteRevocation(); fn(payload); }));
    on('session.revoked', ({ sessionId, reason }) => this.revoke(this.registry.forSession(sessionId), CLOSE.SESSION_REVOKED, `session_${reason}`));
    on('user.deactivated', ({ userId }) => this.revoke(this.registry.forUser(userId), CLOSE.USER_INACTIVE, 'user_deactivated'));
    on('member.removed', ({ conversationId, userId }) =>
      this.revoke(this.registry.forResource('conversationId', conversationId).filter((c) => c.userId === userId), CLOSE.FORBIDDEN, 'member_removed'));
    on('entry.deleted', ({ entryId }) => this.revoke(this.registry.forResource('entryId', entryId), CLOSE.NOT_FOUND, 'entry_deleted'));
    on('api_key.revoked', ({ apiKeyId }) =>
      this.revoke([...this.registry.values()].filter((c) => c.auth?.kind === 'service' && c.auth.apiKeyId === apiKeyId), CLOSE.SESSION_REVOKED, 'api_key_revoked'));
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
    this.clock.stop();
  }

  authenticated(conn: Connection): void {
    if (conn.auth?.kind === 'user') this.clock.schedule(conn, conn.auth.expiresAt);
  }

  reauthenticated(conn: Connection): void {
    this.authenticated(conn);
  }

  closed(conn: Connection): void {
    this.clock.cancel(conn);
  }

  /**
   * In-band `auth` on an open socket: the same user (or a service) goes on with
   * a new expiry; anything else throws, and the filter closes 4001 (4002 for an
   * inactive user). A missing or non-string token is a bad credential, not a bad frame.
   */
  async reauthenticate(conn: Connection, token: unknown): Promise<WsResponse<ServerFrames['auth_ok']>> {
    const before = conn.auth!;
    let next;
    try {
      if (typeof token !== 'string' || token === '') throw new UnauthenticatedError('Missing or malformed token', 'malformed');
      next = await this.authenticator.verify(before.kind, 'message', token, before.kind === 'user' ? before.userId : undefined);
      // JWT_LEEWAY_S lets a just-expired token through verification (clock skew); as a re-auth it
      // would buy nothing but an auth_ok followed at once by the expiry close.
      if (next.kind === 'user' && next.expiresAt <= Date.now()) throw new UnauthenticatedError('Token expired', 'expired');
    } catch (err) {
      this.metrics.reauth.inc({ result: 'failed' });
      this.audit.recordLater('ws_reauth_failed', {
        userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress,
        reason: err instanceof UnauthenticatedError ? err.reason : 'error',
      });
      const authFailure = err instanceof UnauthenticatedError || (err instanceof DomainError && err.kind === 'inactive');
      throw authFailure ? err : new UnauthenticatedError('Authentication failed', 'error');
    }
    const previousSession = conn.sessionId;
    conn.auth = next;
    this.registry.reindex(conn, previousSession);
    this.metrics.reauth.inc({ result: 'ok' });
    this.audit.recordLater('ws_reauth', { userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress });
    return { event: 'auth_ok', data: { expiresAt: next.kind === 'user' ? isoTime(next.expiresAt) : null } };
  }

  /** Admin: close one socket by id with a documented code. */
  closeById(id: string, spec: CloseSpec, adminId: string): boolean {
    const conn = this.registry.get(id);
    if (!conn?.auth || conn.state !== 'open') return false;
    const apiKeyId: Record<string, string | null> = conn.auth.kind === 'service' ? { apiKeyId: conn.auth.apiKeyId } : {};
    this.audit.recordLater('ws_admin_close', {
      userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress, detail: { code: spec.code, by: adminId, ...apiKeyId },
    });
    this.closer.close(conn, spec);
    return true;
  }

  /** One latency sample per socket closed, taken when its close is sent: a batch's last socket waits for the others. */
  private revoke(conns: Connection[], spec: CloseSpec, cause: string): void {
    const start = process.hrtime.bigint();
    for (const conn of conns) {
      if (!conn.isOpen) continue;
      this.metrics.revocationCloses.inc({ cause });
      this.audit.recordLater('ws_revoked', { userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress, reason: cause, detail: { code: spec.code } });
      this.closer.close(conn, spec);
      this.metrics.revocationLatency.observe(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
}
