import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { WsHandshake } from '../../realtime/ws-handshake';

/** The secret the socket presented: from the upgrade request, or the first-frame `auth`. The first one found decides (CONTRACT §3). */
export async function presentedSecret(handshake: WsHandshake): Promise<{ method: string; secret: string }> {
  const c = handshake.credential;
  if (c.method === 'none') throw new UnauthenticatedError('No credential presented', 'missing');
  if (c.method === 'message') return { method: c.method, secret: await handshake.authFrameToken() };
  return { method: c.method, secret: c.secret };
}
