import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { AuthService } from '../auth/auth.service';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { andThen, MaybePromise } from '../common/util/maybe-promise';
import { AuthUser } from '../common/decorators/auth.decorators';
import { ConnectionAuth } from './connection';

/**
 * Turns a presented secret into who the socket is, through the same AuthService
 * the REST guard uses. User endpoints take access tokens and tickets; the
 * live-listener takes service keys only, so a user JWT can never open it.
 */
@Injectable()
export class HandshakeAuthenticator {
  private readonly serviceTokenDigest?: Buffer;

  constructor(
    private readonly auth: AuthService,
    config: AppConfig,
    private readonly serviceKeys: ApiKeysService,
  ) {
    const token = config.ws.serviceToken;
    if (token) this.serviceTokenDigest = digest(token);
  }

  /**
   * `forUser`: the credential must be that user's (a re-auth on an open socket); another user's is 4001.
   * Synchronous when an access token's session and user are known in memory (the usual connect): then it
   * returns the identity, or throws, at once.
   */
  verify(kind: 'user' | 'service', method: string, secret: string, forUser?: string): MaybePromise<ConnectionAuth> {
    if (!secret) throw new UnauthenticatedError('Missing credential', 'missing');
    if (kind === 'service') return this.verifyService(method, secret);
    return andThen(method === 'ticket' ? this.auth.authenticateTicket(secret) : this.auth.authenticateAccessToken(secret, forUser), userAuth);
  }

  /** Checks an identity already verified is still good (after a revocation raced the connect). */
  async recheck(auth: ConnectionAuth): Promise<void> {
    if (auth.kind === 'user') return this.auth.assertLive(auth.sessionId, auth.userId);
    if (auth.apiKeyId && !(await this.serviceKeys.isActive(auth.apiKeyId))) throw new UnauthenticatedError('Service key revoked', 'revoked');
  }

  private async verifyService(method: string, secret: string): Promise<ConnectionAuth> {
    if (method === 'ticket') throw new UnauthenticatedError('Tickets are for user endpoints', 'wrong_credential');
    // Digests have equal length, so the comparison is constant-time whatever was presented.
    if (this.serviceTokenDigest && timingSafeEqual(digest(secret), this.serviceTokenDigest)) {
      return { kind: 'service', apiKeyId: null, name: 'WS_SERVICE_TOKEN' };
    }
    const key = await this.serviceKeys.verify(secret);
    if (!key) throw new UnauthenticatedError('Invalid service key', 'service_key');
    return { kind: 'service', apiKeyId: key.apiKeyId, name: key.name };
  }
}

const userAuth = (user: AuthUser): ConnectionAuth => ({ kind: 'user', userId: user.userId, sessionId: user.sessionId, role: user.role, expiresAt: user.expiresAt });

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
