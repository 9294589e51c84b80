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
 * credential (`message`), the guards run once the first frame has arrived
 * (`awaitAuthFrame`), so `authFrameToken()` answers at once, as a header
 * credential does: the frame must be `auth`, within WS_AUTH_TIMEOUT_MS.
 */
export class WsHandshake {
  private firstFrame?: FirstFrame;
  private refusal?: WsPolicyError;

  constructor(readonly request: IncomingMessage, readonly params: Record<string, string>, readonly credential: Credential) {}

  /**
   * Called by the adapter at the upgrade, before any frame can be read, so a
   * first frame that arrives with the upgrade is not missed; the deadline
   * starts here. `authenticate` runs once: when the first frame arrives, or
   * at the deadline (then `authFrameToken()` refuses with 4008); never when
   * the socket closes first (nothing is left waiting, so neither the socket's
   * frame queue nor a shutdown waiting on it is held).
   */
  awaitAuthFrame(conn: Connection, timeoutMs: number, authenticate: () => void): void {
    // One settle for the frame, the deadline and a close: only the first counts.
    const settle = (frame: FirstFrame | undefined, refusal?: WsPolicyError): void => {
      if (conn.firstFrame !== take) return;
      conn.firstFrame = undefined;
      clearTimeout(timer);
      conn.offClose(onClose);
      this.firstFrame = frame;
      this.refusal = refusal;
      if (frame || refusal) authenticate();
    };
    const take = (data: Buffer, isBinary: boolean): void => settle({ data, isBinary });
    const onClose = (): void => settle(undefined);
    const timer = setTimeout(() => settle(undefined, new WsPolicyError(CLOSE.AUTH_TIMEOUT)), timeoutMs);
    conn.firstFrame = take;
    conn.onClose(onClose);
  }

  /** The token of the first-frame `auth`; 4008 past the deadline, 1008 when the first frame is anything else, 4001 when its token is unusable. */
  authFrameToken(): string {
    if (this.refusal) throw this.refusal;
    if (!this.firstFrame) throw new UnauthenticatedError('No credential presented', 'missing');
    const { data, isBinary } = this.firstFrame;
    const parsed = isBinary ? undefined : parseEnvelope(data.toString('utf8'));
    if (!parsed?.ok || parsed.frame.type !== CLIENT_FRAME.AUTH) throw new WsPolicyError(CLOSE.FIRST_FRAME_NOT_AUTH);
    const token = parsed.frame.payload.token;
    if (typeof token !== 'string' || token === '' || token.length > 8192) throw new UnauthenticatedError('Missing or malformed token', 'malformed');
    return token;
  }
}
