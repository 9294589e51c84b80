import { ArgumentsHost, Catch, Injectable, Logger } from '@nestjs/common';
import { BaseWsExceptionFilter } from '@nestjs/websockets';
import { DomainError } from '../../common/errors/domain-errors';
import { CLOSE, ERROR } from '../close-codes';
import { clientMessage, closeFor } from '../close-mapping';
import { Connection } from '../connection';
import { ConnectionCloser } from '../connection-closer';
import { WsPolicyError } from '../ws-errors';

/**
 * The one WebSocket exception filter. Bad input answers an `error` frame
 * BAD_REQUEST (with the frame's `refId`) and the socket stays open; every other
 * error closes with the code from the one table, `error` frame first. Nothing
 * a client sent is echoed; unexpected errors are logged and shown as 1011.
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
    if (invalid) conn.send('error', { code: ERROR.BAD_REQUEST, message: invalid.message, ...(refId !== undefined ? { refId } : {}) }, refId);
    if (invalid && !(err instanceof WsPolicyError)) return;
    if (!(err instanceof DomainError) && !(err instanceof WsPolicyError) && closeFor(err) === CLOSE.INTERNAL_ERROR) {
      this.logger.error({ err, conn: conn.id }, 'unexpected error on a socket');
    }
    const spec = closeFor(err);
    this.closer.close(conn, spec, clientMessage(err, spec));
  }
}

/** The bad-input error itself, or the one that exhausted the protocol-error budget. */
function invalidInput(err: unknown): DomainError | undefined {
  const e = err instanceof WsPolicyError ? err.cause : err;
  return e instanceof DomainError && e.kind === 'invalid' ? e : undefined;
}
