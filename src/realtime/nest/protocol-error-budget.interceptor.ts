import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { DomainError } from '../../common/errors/domain-errors';
import { CLOSE } from '../close-codes';
import { Connection } from '../connection';
import { WsPolicyError } from '../ws-errors';

/**
 * Bad frames are answered and forgiven, up to WS_MAX_PROTOCOL_ERRORS a
 * minute; the one past that turns into a 1008 close (the filter still answers
 * it first). Unroutable frames reach here too, through the `$invalid` handler.
 */
@Injectable()
export class ProtocolErrorBudgetInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((err: unknown) => {
        if (err instanceof DomainError && err.kind === 'invalid' && ctx.switchToWs().getClient<Connection>().protocolError()) {
          return throwError(() => new WsPolicyError(CLOSE.TOO_MANY_PROTOCOL_ERRORS, CLOSE.TOO_MANY_PROTOCOL_ERRORS.reason, { cause: err }));
        }
        return throwError(() => err);
      }),
    );
  }
}
