import type { AuthMode, WebSocketConstructor, WebSocketLike } from './types.js';

/** The subprotocol the server selects; `bearer.<token>` rides beside it and is never echoed. */
export const SUBPROTOCOL = 'portcullis.v2';

export type ConcreteAuthMode = Exclude<AuthMode, 'auto'>;

export const isBrowser = (): boolean =>
  typeof (globalThis as { window?: unknown }).window !== 'undefined' && typeof (globalThis as { document?: unknown }).document !== 'undefined';

/** 'auto' resolves to what the platform can do: a browser cannot set headers on a WebSocket. */
export function initialMode(mode: AuthMode): ConcreteAuthMode {
  if (mode !== 'auto') return mode;
  return isBrowser() ? 'subprotocol' : 'header';
}

/**
 * Opens the socket with the credential where `mode` puts it. Returns whether
 * the first frame must be `auth`. The token never goes into the URL; only a
 * single-use ticket does.
 */
export function openSocket(WS: WebSocketConstructor, url: string, mode: ConcreteAuthMode, credential: string): WebSocketLike {
  switch (mode) {
    case 'header':
      return new WS(url, undefined, { headers: { Authorization: `Bearer ${credential}` } });
    case 'subprotocol':
      return new WS(url, [SUBPROTOCOL, `bearer.${credential}`]);
    case 'ticket':
      return new WS(withQuery(url, 'ticket', credential), [SUBPROTOCOL]);
    case 'message':
      return new WS(url, [SUBPROTOCOL]);
  }
}

/** Closes with a close frame, if the socket is not closing already. */
export function closeSocket(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closing
  }
}

/**
 * Drops a socket that carries nothing any more, without waiting for a close
 * handshake that cannot arrive: its events stop counting (onerror stays a
 * no-op, since `ws` throws an error event nobody listens to), `ws` destroys
 * it at once, and a browser's is closed (the browser gives up on it itself).
 */
export function discardSocket(socket: WebSocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  const terminate = (socket as { terminate?: () => void }).terminate;
  if (typeof terminate !== 'function') return closeSocket(socket, 1000, 'unresponsive');
  try {
    terminate.call(socket);
  } catch {
    // already gone
  }
}

function withQuery(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(name, value);
  return u.toString();
}

/** POST /v1/auth/ws-ticket on the socket's host. A 401 means the token is refused (null). */
export function defaultGetTicket(wsUrl: string): (token: string) => Promise<string | null> {
  return async (token) => {
    const u = new URL(wsUrl);
    u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
    u.pathname = '/v1/auth/ws-ticket';
    u.search = '';
    const res = await fetch(u.toString(), { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 401) return null;
    if (!res.ok) throw new Error(`POST /v1/auth/ws-ticket answered ${res.status}`);
    const body = (await res.json()) as { ticket?: unknown };
    if (typeof body.ticket !== 'string') throw new Error('POST /v1/auth/ws-ticket answered without a ticket');
    return body.ticket;
  };
}
