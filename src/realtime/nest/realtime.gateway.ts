import { Inject, UseFilters, UsePipes } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WsResponse } from '@nestjs/websockets';
import { Connection } from '../connection';
import { CLIENT_FRAME, ServerFrames } from '../frame-types';
import { SessionLifecycleService } from '../session/session-lifecycle.service';
import { FramePayloadPipe } from './frame-payload.pipe';
import { INVALID_FRAME } from './ws-decorators';
import { WsPolicyFilter } from './ws-policy.filter';

/**
 * What every Portcullis endpoint shares, as plain NestJS: the one exception
 * filter (which also keeps the protocol-error budget), payload validation, and the frames every
 * endpoint takes — in-band re-auth, app-level ping, and the `$invalid` sink
 * the adapter routes unroutable frames to (so they pass the same guards
 * and filter as any other). An endpoint extends this and adds its
 * `@WebSocketGateway({ path })`, `@UseGuards(...)` and handlers.
 */
@UseFilters(WsPolicyFilter)
@UsePipes(FramePayloadPipe)
export abstract class RealtimeGateway {
  @Inject(SessionLifecycleService) protected readonly sessions!: SessionLifecycleService;

  /** A token for the same user (or service) renews the socket; anything else closes 4001. The token is checked as a credential, not as a frame. */
  @SubscribeMessage(CLIENT_FRAME.AUTH)
  reauthenticate(@ConnectedSocket() conn: Connection, @MessageBody('payload') payload: Record<string, unknown>): Promise<WsResponse<ServerFrames['auth_ok']>> {
    return this.sessions.reauthenticate(conn, payload.token);
  }

  /**
   * Called by the adapter as each well-formed text frame arrives, before it
   * waits in the socket's queue (behind the handshake's checks or earlier
   * frames) and before its guards run. Returns what to call once the frame
   * has been handled, whatever the outcome. For state that must hold from
   * the moment the client sent the frame (chat: a `resume` holds live
   * messages back, so its replay goes first). Must be cheap and synchronous.
   */
  frameArrived(_conn: Connection, _type: string): (() => void) | undefined {
    return undefined;
  }

  @SubscribeMessage(CLIENT_FRAME.PING)
  ping(): WsResponse<ServerFrames['pong']> {
    return { event: 'pong', data: {} };
  }

  @SubscribeMessage(INVALID_FRAME)
  invalid(@MessageBody() frame: { error: Error }): never {
    throw frame.error;
  }
}
