import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { MaybePromise } from '../../common/util/maybe-promise';
import { WsHandshake } from '../../realtime/ws-handshake';

export interface PresentedSecret { method: string; secret: string }

/**
 * The secret the socket presented: from the upgrade request (at once), or the first-frame `auth` (once it
 * arrives). The first one found decides (CONTRACT §3).
 */
export function presentedSecret(handshake: WsHandshake): MaybePromise<PresentedSecret> {
  const c = handshake.credential;
  if (c.method === 'none') throw new UnauthenticatedError('No credential presented', 'missing');
  if (c.method === 'message') return handshake.authFrameToken().then((secret) => ({ method: c.method, secret }));
  return { method: c.method, secret: c.secret };
}
