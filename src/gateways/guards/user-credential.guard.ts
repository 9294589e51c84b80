import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { andThen, MaybePromise } from '../../common/util/maybe-promise';
import { ConnectionLimitError, UnauthenticatedError } from '../../common/errors/domain-errors';
import { Connection, ConnectionAuth } from '../../realtime/connection';
import { ConnectionRegistry } from '../../realtime/connection-registry';
import { CLIENT_FRAME } from '../../realtime/frame-types';
import { HandshakeAuthenticator } from '../../realtime/handshake-authenticator';
import { SessionStateCache } from '../../sessions/session-state.cache';
import { verifiedCredential } from './credential';
import { wsTarget } from './ws-context';

/**
 * A user's access token or ws ticket. At connect: verified through the same
 * AuthService as REST (4001 bad, 4002 inactive), then the per-user socket cap
 * (4029). On every frame after: memory only, no second verification — the
 * session must not be known revoked, nor the token expired (but an `auth`
 * frame, which is how a socket renews, may arrive at the very edge).
 */
@Injectable()
export class UserCredentialGuard implements CanActivate {
  constructor(
    private readonly authenticator: HandshakeAuthenticator,
    private readonly registry: ConnectionRegistry,
    private readonly sessions: SessionStateCache,
    private readonly config: AppConfig,
  ) {}

  /** Synchronous when the credential came with the upgrade and its session is known in memory (the usual connect). */
  canActivate(ctx: ExecutionContext): MaybePromise<boolean> {
    const { conn, handshake, pattern } = wsTarget(ctx);
    if (!handshake) {
      const auth = conn.auth;
      if (auth?.kind !== 'user') throw new UnauthenticatedError('Not authenticated', 'missing');
      if (!this.sessions.sessionLive(auth.sessionId)) throw new UnauthenticatedError('Session revoked', 'revoked');
      if (pattern !== CLIENT_FRAME.AUTH && auth.expiresAt <= Date.now()) throw new UnauthenticatedError('Token expired', 'expired');
      return true;
    }
    return andThen(verifiedCredential(handshake, this.authenticator, 'user'), (auth) => this.admit(conn, auth));
  }

  private admit(conn: Connection, auth: ConnectionAuth): boolean {
    if (auth.kind === 'user' && this.registry.countForUser(auth.userId) >= this.config.ws.maxConnectionsPerUser) throw new ConnectionLimitError();
    conn.auth = auth;
    return true;
  }
}
