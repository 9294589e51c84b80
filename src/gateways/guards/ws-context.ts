import { ExecutionContext } from '@nestjs/common';
import { Connection } from '../../realtime/connection';
import { WsHandshake } from '../../realtime/ws-handshake';

/** The socket a guard is asked about, and the handshake when it runs at connect time (undefined on a frame). */
export function wsTarget(ctx: ExecutionContext): { conn: Connection; handshake?: WsHandshake; pattern: string } {
  const ws = ctx.switchToWs();
  const data = ws.getData<unknown>();
  return { conn: ws.getClient<Connection>(), handshake: data instanceof WsHandshake ? data : undefined, pattern: ws.getPattern() };
}
