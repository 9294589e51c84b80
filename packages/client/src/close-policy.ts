import { CLOSE, CLOSED_BY_ADMIN, CloseKey } from './protocol.generated.js';

/**
 * What the client does after a close:
 * - `done`: the stream finished (or we asked); stay closed, no error.
 * - `backoff`: reconnect after a capped, fully jittered delay.
 * - `refresh`: get a fresh token (once), then reconnect.
 * - `auth_now`: the server waited for an `auth` frame; reconnect at once, sending one.
 * - `stop`: closed with a typed error; retrying would only loop.
 */
export type CloseAction = 'done' | 'backoff' | 'refresh' | 'auth_now' | 'stop';

/**
 * One entry per row of the server's table (protocol.generated.ts). Keyed by
 * the row, so a row added on the server fails the client's type check until
 * it is given a behaviour here; close-policy.spec.ts checks each entry against
 * the row's own `action` text.
 */
export const CLOSE_ACTIONS: Record<CloseKey, CloseAction> = {
  DONE: 'done',
  SHUTTING_DOWN: 'backoff',
  FIRST_FRAME_NOT_AUTH: 'stop',
  TOO_MANY_PROTOCOL_ERRORS: 'stop',
  SLOW_CONSUMER: 'stop',
  FRAME_TOO_LARGE: 'stop',
  INTERNAL_ERROR: 'backoff',
  SERVER_BUSY: 'backoff',
  UNAUTHENTICATED: 'refresh',
  TOKEN_EXPIRED: 'refresh',
  SESSION_REVOKED: 'refresh',
  USER_INACTIVE: 'stop',
  FORBIDDEN: 'stop',
  NOT_FOUND: 'stop',
  AUTH_TIMEOUT: 'auth_now',
  TOO_MANY_AUTH_FAILURES: 'backoff',
  TOO_MANY_CONNECTIONS: 'backoff',
};

export interface CloseDecision {
  action: CloseAction;
  /** The table row, when the close (or the `error` frame before it) matched one. */
  key?: CloseKey;
  admin: boolean;
}

const ROWS = Object.entries(CLOSE) as Array<[CloseKey, (typeof CLOSE)[CloseKey]]>;

/**
 * Decides from the `error` frame's code when the server sent one (it names the
 * exact row), else from the close code alone. Codes the server never sends
 * (1005, 1006: the connection dropped) are network trouble: back off.
 */
export function decideClose(closeCode: number, errorCode?: string): CloseDecision {
  if (errorCode === CLOSED_BY_ADMIN) return { action: 'stop', admin: true };
  const exact = ROWS.find(([, row]) => row.error === errorCode && row.code === closeCode);
  const row = exact ?? ROWS.find(([, r]) => r.code === closeCode);
  if (row) return { action: CLOSE_ACTIONS[row[0]], key: row[0], admin: false };
  return { action: 'backoff', admin: false };
}
