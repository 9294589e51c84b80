import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AuthUser } from '../common/decorators/auth.decorators';
import { DomainError, ForbiddenError, InactiveUserError, RateLimitedError, UnauthenticatedError } from '../common/errors/domain-errors';
import { andThen, MaybePromise } from '../common/util/maybe-promise';
import { WindowCounter } from '../common/util/window-counter';
import { AuditService } from '../audit/audit.service';
import { SessionStateCache, SessionVerdict } from '../sessions/session-state.cache';
import { SessionsService } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { PasswordService } from '../users/password.service';
import { UsersService } from '../users/users.service';
import { TokenService } from './token.service';
import { AuthMetrics } from './auth.metrics';

export interface TokenPair { accessToken: string; refreshToken: string; tokenType: 'Bearer'; expiresIn: number }
export interface ClientMeta { ip?: string; userAgent?: string }

/**
 * Every credential check, HTTP and WebSocket alike, goes through here, so a
 * socket is held to exactly the rules a REST call is.
 */
@Injectable()
export class AuthService {
  private readonly accountFailures = new WindowCounter();

  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionsService,
    private readonly state: SessionStateCache,
    private readonly users: UsersService,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly config: AppConfig,
  ) {}

  async register(input: { email: string; password: string; displayName?: string }): Promise<User> {
    if (!this.config.app.registrationOpen) throw new ForbiddenError('Registration is closed');
    const user = await this.users.create(input);
    await this.audit.record('register', { userId: user.id });
    return user;
  }

  async login(email: string, password: string, meta: ClientMeta): Promise<TokenPair> {
    const key = email.toLowerCase();
    if (this.accountFailures.count(key) >= this.config.app.loginAccountFailuresPerMinute) {
      this.metrics.login('rate_limited');
      await this.audit.record('login_failed', { ip: meta.ip, reason: 'account rate limited', detail: { email: key } });
      throw new RateLimitedError('Too many failed logins for this account; try again later');
    }
    const user = await this.users.findByEmail(key);
    if (!(await this.passwords.verify(user?.passwordHash, password)) || !user) {
      this.accountFailures.hit(key);
      this.metrics.login('failed');
      await this.audit.record('login_failed', { userId: user?.id, ip: meta.ip, reason: 'bad credentials', detail: { email: key } });
      throw new UnauthenticatedError('Invalid email or password', 'bad_credentials');
    }
    if (!user.active) {
      this.metrics.login('inactive');
      await this.audit.record('login_failed', { userId: user.id, ip: meta.ip, reason: 'inactive' });
      throw new InactiveUserError('Account is inactive');
    }
    this.accountFailures.reset(key);
    const { session, refreshToken } = await this.sessions.open(user.id, meta);
    this.metrics.login('ok');
    await this.audit.record('login', { userId: user.id, sessionId: session.id, ip: meta.ip });
    return this.pair(user, session.id, refreshToken);
  }

  async refresh(refreshToken: string, meta: ClientMeta): Promise<TokenPair> {
    try {
      let user: User | null = null;
      const { session, pair, replayed } = await this.sessions.rotate(refreshToken, meta.ip, async (s) => {
        user = await this.users.findById(s.userId);
        if (!user?.active) throw new InactiveUserError();
      }, (s, next) => this.pair(user!, s.id, next));
      this.metrics.refresh(replayed ? 'replayed' : 'ok');
      if (!replayed) await this.audit.record('refresh', { userId: session.userId, sessionId: session.id, ip: meta.ip });
      return pair;
    } catch (err) {
      this.metrics.refresh(err instanceof UnauthenticatedError ? err.reason : 'error');
      if (err instanceof DomainError && !(err instanceof UnauthenticatedError && err.reason === 'refresh_reuse')) {
        await this.audit.record('refresh_failed', { ip: meta.ip, reason: err instanceof UnauthenticatedError ? err.reason : err.kind });
      }
      throw err;
    }
  }

  async logout(user: AuthUser, meta: ClientMeta): Promise<void> {
    await this.sessions.revoke(user.sessionId, 'logout');
    await this.audit.record('logout', { userId: user.userId, sessionId: user.sessionId, ip: meta.ip });
  }

  /** Verifies an access token and that its session and user are still good (from memory; no query per call once warm). */
  /**
   * `forUser`: the token must be that user's (an in-band re-auth). Compared before the liveness checks,
   * so another user's token is refused as such (4001) whatever that user's state (inactive would be 4002).
   */
  authenticateAccessToken(token: string, forUser?: string): MaybePromise<AuthUser> {
    const claims = this.tokens.verifyAccess(token);
    if (forUser !== undefined && claims.sub !== forUser) throw new UnauthenticatedError('Token is for another user', 'other_user');
    return andThen(this.assertLive(claims.sid, claims.sub), () => {
      // The claim is a login-time snapshot; the cache follows role changes made since.
      const role = this.state.roleOf(claims.sub) ?? claims.role;
      return { userId: claims.sub, sessionId: claims.sid, role, expiresAt: claims.exp * 1000 };
    });
  }

  /** Spends a single-use ws ticket. */
  async authenticateTicket(ticket: string): Promise<AuthUser> {
    const t = await this.sessions.consumeTicket(ticket);
    await this.assertLive(t.sessionId, t.userId);
    const user = await this.users.findById(t.userId);
    return { userId: t.userId, sessionId: t.sessionId, role: user?.role ?? 'user', expiresAt: t.authExpiresAt };
  }

  issueTicket(user: AuthUser): Promise<{ ticket: string; expiresIn: number }> {
    return this.sessions.issueTicket(user.sessionId, user.userId, user.expiresAt);
  }

  /**
   * Throws when the session is revoked or expired (4001) or the user inactive (4002).
   * Memory only once warm, and then synchronous: a promise only when a row must be read.
   */
  assertLive(sessionId: string, userId: string): MaybePromise<void> {
    return andThen(this.state.known(sessionId, userId) ?? this.state.check(sessionId, userId), refuseUnlessLive);
  }

  private pair(user: User, sessionId: string, refreshToken: string): TokenPair {
    const { token } = this.tokens.signAccess({ sub: user.id, sid: sessionId, role: user.role });
    return { accessToken: token, refreshToken, tokenType: 'Bearer', expiresIn: this.config.auth.accessTtlS };
  }
}

function refuseUnlessLive(verdict: SessionVerdict): void {
  if (verdict === 'revoked') throw new UnauthenticatedError('Session revoked', 'revoked');
  if (verdict === 'inactive') throw new InactiveUserError();
}
