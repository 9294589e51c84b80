import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Response } from 'express';
import { isDatabaseUnavailable } from '../../database/database-errors';
import { DomainError, DomainErrorKind } from '../errors/domain-errors';

const STATUS: Record<DomainErrorKind, number> = {
  unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, invalid: 400, rate_limited: 429, inactive: 403, unavailable: 503,
};

/**
 * The one place errors become HTTP: `{statusCode, error, message}`. Unknown
 * errors are logged with a correlation id and shown to the client only as that id.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { statusCode, message, extra } = this.describe(exception);
    const error = (HttpStatus[statusCode] ?? 'Error').split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' ');
    // Explicit type: a route's @Header('Content-Type') (e.g. /metrics' text/plain) is set before the handler runs and would stick to the error.
    res.status(statusCode).type('application/json').json({ ...extra, statusCode, error, message });
  }

  private describe(exception: unknown): { statusCode: number; message: string | string[]; extra?: object } {
    if (exception instanceof DomainError) return { statusCode: STATUS[exception.kind], message: exception.message };
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (typeof body === 'object' && body && 'message' in body) return { statusCode: exception.getStatus(), message: (body as { message: string | string[] }).message };
      // A structured body without a message (the readiness report) keeps its fields beside the standard three.
      return { statusCode: exception.getStatus(), message: exception.message, extra: typeof body === 'object' ? body : undefined };
    }
    // The body parser's own errors (http-errors, `expose` for 4xx): 413 too large, 400 unparsable, 415 charset...
    const status = clientErrorStatus(exception);
    if (status !== undefined) {
      const { type, message } = exception as { type?: string; message: string };
      // A client that went away: nothing to answer, nothing wrong with the service.
      if (type === 'request.aborted') this.logger.debug({ type }, 'request aborted by the client');
      return { statusCode: status, message: status === 413 ? 'Request body too large' : message };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: (exception as Error).message }, 'database unavailable');
      return { statusCode: 503, message: 'Service temporarily unavailable: the database is not reachable' };
    }
    const correlationId = randomUUID();
    this.logger.error({ err: exception, correlationId }, 'unhandled error');
    return { statusCode: 500, message: `Internal server error (correlation id ${correlationId})` };
  }
}

function clientErrorStatus(err: unknown): number | undefined {
  const e = err as { expose?: unknown; status?: unknown };
  return e && e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : undefined;
}
