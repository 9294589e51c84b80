import { Injectable, OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { EntriesService } from '../entries/entries.service';
import { CLOSE } from '../realtime/close-codes';
import { Connection } from '../realtime/connection';
import { ClientFrame } from '../realtime/frame-validation';
import { RealtimeServer } from '../realtime/realtime.server';
import { WsGateway } from '../realtime/ws-gateway';
import { ReflectionProvider } from './reflection.provider';

/** /ws/reflections/:entryId — a reflection on the owner's entry, chunk by chunk, then close 1000. */
@Injectable()
export class ReflectionsGateway implements WsGateway, OnModuleInit {
  readonly path = '/ws/reflections/:entryId';
  readonly credential = 'user' as const;
  private readonly entries = new WeakMap<Connection, { title: string; content: string }>();

  constructor(
    private readonly server: RealtimeServer,
    private readonly entryService: EntriesService,
    private readonly provider: ReflectionProvider,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.server.register(this);
  }

  async authorize(conn: Connection): Promise<void> {
    const access = await this.entryService.accessForStream(conn.resource.entryId, conn.userId!);
    if (access.status === 'missing') throw new NotFoundError('Entry');
    if (access.status === 'forbidden') throw new ForbiddenError('Not your entry');
    this.entries.set(conn, access.entry);
  }

  async start(conn: Connection): Promise<void> {
    const entry = this.entries.get(conn)!;
    const delay = this.config.ws.reflectionChunkDelayMs;
    let seq = 0;
    for await (const text of this.provider.reflect(entry)) {
      if (!conn.isOpen) return;
      conn.send('reflection_chunk', { seq: ++seq, text });
      if (delay > 0) await sleep(delay);
    }
    if (!conn.isOpen) return;
    conn.send('reflection_done', { chunks: seq });
    this.server.close(conn, CLOSE.DONE, 'reflection complete');
  }

  handleFrame(_conn: Connection, frame: ClientFrame): void {
    throw new InvalidInputError('type', `${frame.type} is not accepted on a reflection stream`);
  }
}
