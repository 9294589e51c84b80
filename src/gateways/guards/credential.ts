import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { andThen, MaybePromise } from '../../common/util/maybe-promise';
import type { ConnectionAuth } from '../../realtime/connection';
import type { HandshakeAuthenticator } from '../../realtime/handshake-authenticator';
import { WsHandshake } from '../../realtime/ws-handshake';

export interface PresentedSecret { method: string; secret: string }

/**
 * The secret the socket presented: from the upgrade request, or the first-frame `auth` (the guards run once it
 * has arrived). The first one found decides (CONTRACT §3).
 */
export function presentedSecret(handshake: WsHandshake): PresentedSecret {
  const c = handshake.credential;
  if (c.method === 'none') throw new UnauthenticatedError('No credential presented', 'missing');
  if (c.method === 'message') return { method: c.method, secret: handshake.authFrameToken() };
  return { method: c.method, secret: c.secret };
}

/** The presented secret, verified as a `kind` credential: at once when both steps answer at once, else a promise. */
export function verifiedCredential(handshake: WsHandshake, authenticator: HandshakeAuthenticator, kind: 'user' | 'service'): MaybePromise<ConnectionAuth> {
  return andThen(presentedSecret(handshake), ({ method, secret }) => authenticator.verify(kind, method, secret));
}
