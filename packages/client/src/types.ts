import type { BackoffOptions } from './backoff.js';
import type { PortcullisError } from './errors.js';
import type { LivenessOptions } from './liveness.js';
import type { ServerFrames } from './protocol.generated.js';
import type { GetToken, RefreshToken } from './tokens.js';

export type ClientState =
  | 'idle' | 'waiting_for_token' | 'connecting' | 'authenticating' | 'ready' | 'reauthenticating' | 'reconnecting' | 'closed';

export type AuthMode = 'auto' | 'header' | 'subprotocol' | 'ticket' | 'message';

/** The part of the WebSocket API the client uses: the browser's and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}
/** The third argument is `ws`'s options (headers); a browser's WebSocket ignores it. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

export interface Logger {
  debug?(message: string, detail?: Record<string, unknown>): void;
  warn?(message: string, detail?: Record<string, unknown>): void;
  error?(message: string, detail?: Record<string, unknown>): void;
}

export interface ClientOptions {
  /** ws:// or wss:// URL of one endpoint, e.g. wss://api.example/ws/conversations/<id>. */
  url: string;
  /** Awaited before every connect, reconnect and re-auth. null or '' = not signed in: no socket is opened. */
  getToken: GetToken;
  /** Gets a new access token when the current one expires or is refused. null = refused (sign in again); a throw = retry later. */
  refreshToken?: RefreshToken;
  /** For auth 'ticket': trades the token for a single-use ws ticket; null = token refused. Default: POST /v1/auth/ws-ticket on the same host. */
  getTicket?: (token: string) => Promise<string | null>;
  /** Default 'auto': header in Node, subprotocol in a browser, and the `auth` frame after a 4008. */
  auth?: AuthMode;
  /** The WebSocket constructor: required in Node (`import WebSocket from 'ws'`), the global one in a browser. */
  WebSocket?: WebSocketConstructor;
  backoff?: BackoffOptions;
  /**
   * Notice a connection that went quiet without closing (sleep, a network change, a proxy that dropped the flow):
   * `ping` after idleMs of silence, reconnect when nothing answers within pongTimeoutMs, and give an attempt
   * connectTimeoutMs to reach `ready`. In a browser, the page's `online` event and its return to `visible` ping at once.
   * Default { idleMs: 30000, pongTimeoutMs: 10000, connectTimeoutMs: 20000 }; false: no pings (`online` still cuts a backoff wait short).
   */
  liveness?: LivenessOptions | false;
  logger?: Logger;
  /** Conversations: deliver every message after this seq (0 = the whole history, then live). Default 0. */
  afterSeq?: number;
  /** Share refreshes between tabs holding the same session (Web Locks + BroadcastChannel, where present). Default true. */
  crossTabRefresh?: boolean;
}

export interface StateChange {
  state: ClientState;
  previous: ClientState;
  /** Why: e.g. 'connect', 'auth_required', 'SERVER_BUSY', 'TOKEN_EXPIRED', 'client closed'. */
  reason: string;
  /** Set when the change is to `closed` because of an error. */
  error?: PortcullisError;
  /** Set when a close caused the change. */
  closeCode?: number;
  /** The delay before the next attempt, when the change is to `reconnecting` or `waiting_for_token`. */
  retryInMs?: number;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** The `error` frame's code that preceded the close, if any. */
  error?: string;
}

/** Every server frame as an event (payloads typed from the server's own definitions), plus the client's own. */
export type ClientEvents = { [K in keyof ServerFrames]: ServerFrames[K] } & {
  state: StateChange;
  close: CloseInfo;
  /** A token was obtained by refreshToken (or from another tab). */
  refreshed: { token: string };
};

export type Ack = ServerFrames['ack'];
