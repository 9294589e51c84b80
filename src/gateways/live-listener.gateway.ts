import { Injectable, OnModuleInit } from '@nestjs/common';
import { InvalidInputError } from '../common/errors/domain-errors';
import { Connection } from '../realtime/connection';
import { ClientFrame } from '../realtime/frame-validation';
import { RealtimeServer } from '../realtime/realtime.server';
import { WsGateway } from '../realtime/ws-gateway';

interface IngestState { state: 'idle' | 'receiving' | 'stopped'; format: string | null; chunks: number; bytes: number }

/** /ws/live-listener — a service ingest session: `start`, binary chunks, `stop`, each answered with `status`. */
@Injectable()
export class LiveListenerGateway implements WsGateway, OnModuleInit {
  readonly path = '/ws/live-listener';
  readonly credential = 'service' as const;
  private readonly sessions = new WeakMap<Connection, IngestState>();

  constructor(private readonly server: RealtimeServer) {}

  onModuleInit(): void {
    this.server.register(this);
  }

  async authorize(conn: Connection): Promise<void> {
    this.sessions.set(conn, { state: 'idle', format: null, chunks: 0, bytes: 0 });
  }

  handleFrame(conn: Connection, frame: ClientFrame): void {
    const s = this.sessions.get(conn)!;
    if (frame.type === 'start') {
      if (s.state === 'receiving') throw new InvalidInputError('type', 'an ingest is already started; send stop first');
      Object.assign(s, { state: 'receiving', format: frame.payload.format, chunks: 0, bytes: 0 });
    } else if (frame.type === 'stop') {
      if (s.state !== 'receiving') throw new InvalidInputError('type', 'no ingest is started');
      s.state = 'stopped';
    } else {
      throw new InvalidInputError('type', `${frame.type} is not accepted on the live listener`);
    }
    conn.send('status', { ...s }, frame.id);
  }

  handleBinary(conn: Connection, data: Buffer): void {
    const s = this.sessions.get(conn)!;
    if (s.state !== 'receiving') throw new InvalidInputError('type', 'send start before binary chunks');
    s.chunks++;
    s.bytes += data.length;
    conn.send('status', { ...s });
  }
}
