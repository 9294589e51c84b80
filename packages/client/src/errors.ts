/**
 * Typed errors. A `closed` client carries one of these as `client.error`, and
 * `chat()` rejects with one, so an application can branch on the class (or on
 * `code`, the server's `error` frame code) instead of parsing messages.
 */
export class PortcullisError extends Error {
  /** The server's `error` frame code (e.g. FORBIDDEN, SESSION_REVOKED), or the client's own. */
  readonly code: string;
  /** The WebSocket close code, when a close caused this. */
  readonly closeCode?: number;

  constructor(code: string, message: string, closeCode?: number) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.closeCode = closeCode;
    // Keeps `instanceof` working when compiled to ES5-style classes by a consumer's bundler.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** 4001 that a refresh could not cure: the user must sign in again. */
export class AuthenticationError extends PortcullisError {}
/** 4002: the user is gone or deactivated. */
export class UserInactiveError extends PortcullisError {}
/** 4003: the resource is not this user's (or they were removed from the conversation). */
export class ForbiddenError extends PortcullisError {}
/** 4004: the resource does not exist. */
export class NotFoundError extends PortcullisError {}
/** 1008: the client broke the protocol (or read too slowly); retrying would loop. */
export class PolicyViolationError extends PortcullisError {}
/** 1009: a frame over the server's size limit. */
export class FrameTooLargeError extends PortcullisError {}
/** An administrator closed this socket by hand (error code CLOSED_BY_ADMIN), whatever code they chose. */
export class ClosedByAdminError extends PortcullisError {}
/** `backoff.maxAttempts` reconnects in a row failed. */
export class RetriesExhaustedError extends PortcullisError {}
/** `close()` was called (or the client was closed by an error) before the frame was acknowledged. */
export class ClientClosedError extends PortcullisError {}
/** The server answered a frame (e.g. a chat message) with an `error` frame naming it. */
export class FrameRejectedError extends PortcullisError {}

const BY_CLOSE_CODE: Record<number, new (code: string, message: string, closeCode?: number) => PortcullisError> = {
  4001: AuthenticationError,
  4002: UserInactiveError,
  4003: ForbiddenError,
  4004: NotFoundError,
  1008: PolicyViolationError,
  1009: FrameTooLargeError,
};

/** The error for a close the client will not retry. */
export function errorForClose(closeCode: number, errorCode: string | undefined, message: string, adminCode: string): PortcullisError {
  if (errorCode === adminCode) return new ClosedByAdminError(errorCode, message || 'closed by an administrator', closeCode);
  const Kind = BY_CLOSE_CODE[closeCode] ?? PortcullisError;
  return new Kind(errorCode ?? `CLOSE_${closeCode}`, message || `closed with ${closeCode}`, closeCode);
}
