import { UseGuards } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { CLOSE } from '../realtime/close-codes';
import { Connection } from '../realtime/connection';
import { ConnectionCloser } from '../realtime/connection-closer';
import { RealtimeGateway } from '../realtime/nest/realtime.gateway';
import { WsPolicyFilter } from '../realtime/nest/ws-policy.filter';
import { ActiveUserGuard } from './guards/active-user.guard';
import { EntryOwnerGuard } from './guards/entry-owner.guard';
import { UserCredentialGuard } from './guards/user-credential.guard';
import { ReflectionProvider } from './reflection.provider';

/**
 * /ws/reflections/:entryId — a reflection on the owner's entry, chunk by chunk,
 * then `reflection_done` and close 1000. The client sends nothing but `auth`
 * and `ping`; the stream starts once the guards have passed.
 */
@WebSocketGateway({ path: '/ws/reflections/:entryId' })
@UseGuards(UserCredentialGuard, ActiveUserGuard, EntryOwnerGuard)
export class ReflectionsGateway extends RealtimeGateway implements OnGatewayConnection {
  constructor(
    private readonly provider: ReflectionProvider,
    private readonly closer: ConnectionCloser,
    private readonly filter: WsPolicyFilter,
    private readonly config: AppConfig,
  ) {
    super();
  }

  handleConnection(conn: Connection): void {
    this.stream(conn).catch((err) => this.filter.handle(conn, err));
  }

  private async stream(conn: Connection): Promise<void> {
    const entry = conn.context.entry as { title: string; content: string };
    const delay = this.config.ws.reflectionChunkDelayMs;
    let seq = 0;
    for await (const text of this.provider.reflect(entry)) {
      if (!conn.isOpen) return;
      conn.send('reflection_chunk', { seq: ++seq, text });
      if (delay > 0) await sleep(delay);
    }
    if (!conn.isOpen) return;
    conn.send('reflection_done', { chunks: seq });
    this.closer.close(conn, CLOSE.DONE, 'reflection complete');
  }
}
