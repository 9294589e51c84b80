import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { andThen, MaybePromise } from '../../common/util/maybe-promise';
import { HandshakeAuthenticator } from '../../realtime/handshake-authenticator';
import { verifiedCredential } from './credential';
import { wsTarget } from './ws-context';

/**
 * A service credential (an admin-issued API key, or WS_SERVICE_TOKEN); a user
 * JWT or ticket never opens a service endpoint. Key revocation closes live
 * sockets by event; on each frame the guard only checks the socket is a service's.
 */
@Injectable()
export class ServiceKeyGuard implements CanActivate {
  constructor(private readonly authenticator: HandshakeAuthenticator) {}

  canActivate(ctx: ExecutionContext): MaybePromise<boolean> {
    const { conn, handshake } = wsTarget(ctx);
    if (!handshake) {
      if (conn.auth?.kind !== 'service') throw new UnauthenticatedError('Not authenticated', 'missing');
      return true;
    }
    return andThen(verifiedCredential(handshake, this.authenticator, 'service'), (auth) => {
      conn.auth = auth;
      return true;
    });
  }
}
