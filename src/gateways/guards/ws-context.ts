import { ExecutionContext } from '@nestjs/common';
import { Connection } from '../../realtime/connection';
import { WsHandshake } from '../../realtime/ws-handshake';

/** The socket a guard is asked about, and the handshake when it runs at connect time (undefined on a frame). */
export function wsTarget(ctx: ExecutionContext): { conn: Connection; handshake?: WsHandshake; pattern: string } {
  // The ws arguments are [client, data, pattern]; read directly, since switchToWs() makes three closures per call and this runs per frame per guard.
  const [conn, data, pattern] = ctx.getArgs() as [Connection, unknown, string];
  return { conn, handshake: data instanceof WsHandshake ? data : undefined, pattern };
}
