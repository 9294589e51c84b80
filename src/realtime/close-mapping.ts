import { HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { ConnectionLimitError, DomainError, UnauthenticatedError } from '../common/errors/domain-errors';
import { CLOSE, CloseSpec } from './close-codes';
import { WsPolicyError } from './ws-errors';

/** The one mapping from an error to a close; anything unexpected is 1011. */
export function closeFor(err: unknown): CloseSpec {
  if (err instanceof WsPolicyError) return err.spec;
  if (err instanceof UnauthenticatedError) {
    if (err.reason === 'expired') return CLOSE.TOKEN_EXPIRED;
    if (err.reason === 'revoked' || err.reason === 'refresh_reuse') return CLOSE.SESSION_REVOKED;
    return CLOSE.UNAUTHENTICATED;
  }
  if (err instanceof ConnectionLimitError) return CLOSE.TOO_MANY_CONNECTIONS;
  if (err instanceof DomainError) {
    switch (err.kind) {
      case 'inactive': return CLOSE.USER_INACTIVE;
      case 'forbidden': return CLOSE.FORBIDDEN;
      case 'not_found': return CLOSE.NOT_FOUND;
      case 'rate_limited': return CLOSE.TOO_MANY_AUTH_FAILURES;
      case 'unauthenticated': return CLOSE.UNAUTHENTICATED;
      default: return CLOSE.INTERNAL_ERROR;
    }
  }
  // A guard that answers `false` instead of throwing: Nest turns that into a "Forbidden resource" exception.
  if (err instanceof WsException || (err instanceof HttpException && err.getStatus() === 403)) return CLOSE.FORBIDDEN;
  return CLOSE.INTERNAL_ERROR;
}

/** The message a client may see: a domain error's own text, never an internal one. */
export function clientMessage(err: unknown, spec: CloseSpec): string {
  return err instanceof DomainError || err instanceof WsPolicyError ? err.message : spec.reason;
}
