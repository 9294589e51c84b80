/**
 * Every close the server makes, in ONE table: the code, the `error` frame code
 * sent just before it, the close reason (within ws's 123-byte limit), and what
 * a client should do. docs/protocol.md is written from this table.
 */
export interface CloseSpec { code: number; error: string; reason: string; action: string }

export const CLOSE = {
  DONE: { code: 1000, error: 'DONE', reason: 'done', action: 'nothing' },
  SHUTTING_DOWN: { code: 1001, error: 'SHUTTING_DOWN', reason: 'server shutting down', action: 'reconnect with backoff' },
  FIRST_FRAME_NOT_AUTH: { code: 1008, error: 'AUTH_EXPECTED', reason: 'first frame must be auth', action: 'fix the client; do not loop' },
  TOO_MANY_PROTOCOL_ERRORS: { code: 1008, error: 'TOO_MANY_PROTOCOL_ERRORS', reason: 'too many protocol errors', action: 'fix the client; do not loop' },
  SLOW_CONSUMER: { code: 1008, error: 'SLOW_CONSUMER', reason: 'slow consumer', action: 'fix the client; do not loop' },
  FRAME_TOO_LARGE: { code: 1009, error: 'FRAME_TOO_LARGE', reason: 'frame too large', action: 'fix the client' },
  INTERNAL_ERROR: { code: 1011, error: 'INTERNAL_ERROR', reason: 'unexpected server error', action: 'reconnect with backoff' },
  SERVER_BUSY: { code: 1013, error: 'SERVER_BUSY', reason: 'try again later', action: 'reconnect with backoff' },
  UNAUTHENTICATED: { code: 4001, error: 'UNAUTHENTICATED', reason: 'authentication failed', action: 'get a fresh token, then reconnect' },
  TOKEN_EXPIRED: { code: 4001, error: 'TOKEN_EXPIRED', reason: 'token expired', action: 'get a fresh token, then reconnect' },
  SESSION_REVOKED: { code: 4001, error: 'SESSION_REVOKED', reason: 'session revoked', action: 'log in again, then reconnect' },
  USER_INACTIVE: { code: 4002, error: 'USER_INACTIVE', reason: 'user not found or inactive', action: 'stop' },
  FORBIDDEN: { code: 4003, error: 'FORBIDDEN', reason: 'forbidden', action: 'stop' },
  NOT_FOUND: { code: 4004, error: 'NOT_FOUND', reason: 'resource not found', action: 'stop' },
  AUTH_TIMEOUT: { code: 4008, error: 'AUTH_TIMEOUT', reason: 'no auth frame within the deadline', action: 'reconnect, authenticating at once' },
  TOO_MANY_AUTH_FAILURES: { code: 4029, error: 'TOO_MANY_AUTH_FAILURES', reason: 'too many failed authentications', action: 'back off, then reconnect' },
  TOO_MANY_CONNECTIONS: { code: 4029, error: 'TOO_MANY_CONNECTIONS', reason: 'too many connections for this user', action: 'back off, then reconnect' },
} as const satisfies Record<string, CloseSpec>;

export type CloseKey = keyof typeof CLOSE;

/** Codes an admin may choose when closing a socket by hand: every documented one, read from the table above. */
export const ADMIN_CLOSE_CODES: readonly number[] = [...new Set(Object.values(CLOSE).map((c) => c.code))].sort((a, b) => a - b);

/**
 * An admin's close keeps the chosen code (it tells the client what to do) but
 * says who closed it: the table's reason for that code ("first frame must be
 * auth" for 1008, "authentication failed" for 4001) would be a false cause.
 */
export function adminClose(code: number): CloseSpec {
  const documented = Object.values(CLOSE).find((c) => c.code === code);
  if (!documented) throw new RangeError(`${code} is not a documented close code`);
  return { code, error: 'CLOSED_BY_ADMIN', reason: 'closed by an administrator', action: documented.action };
}

/** `error` frame codes that do not close the socket. */
export const ERROR = {
  BAD_REQUEST: 'BAD_REQUEST',
} as const;
