import type { IncomingMessage } from 'node:http';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { CLOSE } from './close-codes';
import { Connection } from './connection';
import { Credential } from './credentials';
import { CLIENT_FRAME } from './frame-types';
import { parseEnvelope } from './frame-validation';
import { WsPolicyError } from './ws-errors';

interface FirstFrame { data: Buffer; isBinary: boolean }

/**
 * What a guard sees as `switchToWs().getData()` at connect time: the upgrade
 * request, the path params and the credential found in it. With no handshake
 * credential (`message`), `authFrameToken()` waits for the first frame, which
 * must be `auth` within WS_AUTH_TIMEOUT_MS.
 */
export class WsHandshake {
  private firstFrame?: Promise<FirstFrame>;

  constructor(readonly request: IncomingMessage, readonly params: Record<string, string>, readonly credential: Credential) {}

  /**
   * Called by the adapter at the upgrade, before any frame can be read, so a
   * first frame that arrives with the upgrade is not missed; the deadline
   * starts here.
   */
  expectAuthFrame(conn: Connection, timeoutMs: number): void {
    this.firstFrame = new Promise<FirstFrame>((resolve, reject) => {
      // One settle for the frame, the deadline and a close: only the first counts, and only a
      // refusal builds an error (a close after the frame has arrived is every socket's ordinary end).
      const settle = (frame: FirstFrame | undefined, why?: string): void => {
        if (conn.firstFrame !== take) return;
        conn.firstFrame = undefined;
        clearTimeout(timer);
        conn.offClose(onClose);
        if (frame) resolve(frame);
        else reject(new WsPolicyError(CLOSE.AUTH_TIMEOUT, why));
      };
      const take = (data: Buffer, isBinary: boolean): void => settle({ data, isBinary });
      // Settle on close too: an unsettled wait would hold the socket's frame queue, and shutdown waits for that queue.
      const onClose = (): void => settle(undefined, 'closed before the auth frame');
      const timer = setTimeout(settle, timeoutMs, undefined);
      conn.firstFrame = take;
      conn.onClose(onClose);
    });
    this.firstFrame.catch(() => undefined);
  }

  /** The token of the first-frame `auth`; 1008 when the first frame is anything else, 4001 when its token is unusable. */
  async authFrameToken(): Promise<string> {
    if (!this.firstFrame) throw new UnauthenticatedError('No credential presented', 'missing');
    const { data, isBinary } = await this.firstFrame;
    const parsed = isBinary ? undefined : parseEnvelope(data.toString('utf8'));
    if (!parsed?.ok || parsed.frame.type !== CLIENT_FRAME.AUTH) throw new WsPolicyError(CLOSE.FIRST_FRAME_NOT_AUTH);
    const token = parsed.frame.payload.token;
    if (typeof token !== 'string' || token === '' || token.length > 8192) throw new UnauthenticatedError('Missing or malformed token', 'malformed');
    return token;
  }
}
