import { ArgumentsHost, Catch, Injectable, Logger } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import { DomainError } from '../../common/errors/domain-errors';
import { CLOSE, ERROR } from '../close-codes';
import { clientMessage, closeFor } from '../close-mapping';
import { Connection } from '../connection';
import { ConnectionCloser } from '../connection-closer';

/**
 * The one WebSocket exception filter. Bad input answers an `error` frame
 * BAD_REQUEST (with the frame's `refId`) and the socket stays open, up to
 * WS_MAX_PROTOCOL_ERRORS a minute; the one past that closes 1008. Every other
 * error closes with the code from the one table, `error` frame first. Nothing
 * a client sent is echoed; unexpected errors are logged and shown as 1011.
 *
 * The budget is kept here rather than in an interceptor because it acts on
 * errors only: any Nest interceptor makes every good frame pay for its
 * machinery (two AsyncResource.bind calls, each defining a deprecated getter
 * on Node 20, three rxjs defers and a mergeAll), measured at ~100 ms of
 * server CPU per 2,000 chat messages.
 */
@Catch()
@Injectable()
export class WsPolicyFilter extends BaseWsExceptionFilter {
  private readonly logger = new Logger('WsPolicy');

  constructor(private readonly closer: ConnectionCloser) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const data = ws.getData<{ id?: unknown } | undefined>();
    this.handle(ws.getClient<Connection>(), exception, typeof data?.id === 'string' ? data.id : undefined);
  }

  handle(conn: Connection, err: unknown, refId?: string): void {
    if (!conn.isOpen) return;
    const invalid = invalidInput(err);
    if (invalid) {
      conn.send('error', { code: ERROR.BAD_REQUEST, message: invalid.message, ...(refId !== undefined ? { refId } : {}) }, refId);
      if (conn.protocolError()) this.closer.close(conn, CLOSE.TOO_MANY_PROTOCOL_ERRORS);
      return;
    }
    const spec = closeFor(err);
    if (spec === CLOSE.INTERNAL_ERROR && !(err instanceof DomainError)) this.logger.error({ err, conn: conn.id }, 'unexpected error on a socket');
    this.closer.close(conn, spec, clientMessage(err, spec));
  }
}

function invalidInput(err: unknown): DomainError | undefined {
  return err instanceof DomainError && err.kind === 'invalid' ? err : undefined;
}
