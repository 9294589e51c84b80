/**
 * Errors the services throw. They know nothing of HTTP or WebSocket: the HTTP
 * filter maps `kind` to a status, the realtime layer maps it to a close code.
 */
export type DomainErrorKind =
  | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'invalid' | 'rate_limited' | 'inactive' | 'unavailable';

export class DomainError extends Error {
  constructor(readonly kind: DomainErrorKind, message: string, readonly field?: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends DomainError {
  /** `reason` is for logs, audit and metrics; the client sees only `message`. */
  constructor(message = 'Authentication required', readonly reason = 'invalid') { super('unauthenticated', message); }
}
export class ForbiddenError extends DomainError { constructor(message = 'Forbidden') { super('forbidden', message); } }
export class NotFoundError extends DomainError { constructor(what = 'Resource') { super('not_found', `${what} not found`); } }
export class ConflictError extends DomainError { constructor(message: string) { super('conflict', message); } }
export class InvalidInputError extends DomainError { constructor(field: string, message: string) { super('invalid', message, field); } }
export class RateLimitedError extends DomainError { constructor(message = 'Too many requests') { super('rate_limited', message); } }
export class InactiveUserError extends DomainError { constructor(message = 'User not found or inactive') { super('inactive', message); } }
/** A per-user cap on concurrent connections was reached (a limit on how many, not on how often). */
export class ConnectionLimitError extends DomainError { constructor(message = 'Too many connections for this user') { super('rate_limited', message); } }
