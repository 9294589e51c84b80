import { UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, WsResponse } from '@nestjs/websockets';
import { InvalidInputError } from '../common/errors/domain-errors';
import { Connection } from '../realtime/connection';
import { CLIENT_FRAME } from '../realtime/frame-types';
import { StartPayload } from '../realtime/frame-validation';
import { BINARY_FRAME } from '../realtime/nest/ws-decorators';
import { RealtimeGateway } from '../realtime/nest/realtime.gateway';
import { ServiceKeyGuard } from './guards/service-key.guard';

interface IngestState { state: 'idle' | 'receiving' | 'stopped'; format: string | null; chunks: number; bytes: number }
type Status = WsResponse<IngestState>;

/** /ws/live-listener — a service ingest session: `start`, binary chunks, `stop`, each answered with `status`. */
@WebSocketGateway({ path: '/ws/live-listener' })
@UseGuards(ServiceKeyGuard)
export class LiveListenerGateway extends RealtimeGateway {
  private readonly ingests = new WeakMap<Connection, IngestState>();

  @SubscribeMessage(CLIENT_FRAME.START)
  start(@ConnectedSocket() conn: Connection, @MessageBody('payload') body: StartPayload): Status {
    const s = this.ingest(conn);
    if (s.state === 'receiving') throw new InvalidInputError('type', 'an ingest is already started; send stop first');
    Object.assign(s, { state: 'receiving', format: body.format, chunks: 0, bytes: 0 });
    return status(s);
  }

  @SubscribeMessage(CLIENT_FRAME.STOP)
  stop(@ConnectedSocket() conn: Connection): Status {
    const s = this.ingest(conn);
    if (s.state !== 'receiving') throw new InvalidInputError('type', 'no ingest is started');
    s.state = 'stopped';
    return status(s);
  }

  @SubscribeMessage(BINARY_FRAME)
  chunk(@ConnectedSocket() conn: Connection, @MessageBody() data: Buffer): Status {
    const s = this.ingest(conn);
    if (s.state !== 'receiving') throw new InvalidInputError('type', 'send start before binary chunks');
    s.chunks++;
    s.bytes += data.length;
    return status(s);
  }

  private ingest(conn: Connection): IngestState {
    let s = this.ingests.get(conn);
    if (!s) this.ingests.set(conn, (s = { state: 'idle', format: null, chunks: 0, bytes: 0 }));
    return s;
  }
}

const status = (s: IngestState): Status => ({ event: 'status', data: { ...s } });
