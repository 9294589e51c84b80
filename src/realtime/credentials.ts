import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config';
import { AuthMethod } from '../config/env.validation';

export const SUBPROTOCOL = 'portcullis.v2';
const BEARER_PROTOCOL = /^bearer\.(.+)$/;

/** Where a credential came from; `kind` says what it is expected to be. */
export type Credential =
  | { method: 'header'; source: 'authorization' | 'custom_header'; secret: string }
  | { method: 'subprotocol'; source: 'subprotocol'; secret: string }
  | { method: 'ticket'; source: 'ticket'; secret: string }
  | { method: 'query'; source: 'query'; secret: string }
  | { method: 'message'; source: 'message' }
  | { method: 'none'; source: 'none' };

/**
 * Picks the credential in the contract's order; the first one found decides, so
 * an invalid header token is never rescued by a valid query token. An
 * Authorization header of another scheme than Bearer is not one of ours. Methods
 * switched off by WS_AUTH_METHODS are passed over as if absent.
 */
export function extractCredential(req: Pick<IncomingMessage, 'headers' | 'url'>, ws: AppConfig['ws']): Credential {
  const on = (m: AuthMethod) => ws.authMethods.has(m);
  if (on('header')) {
    // Only the Bearer scheme is a credential of ours; another (Basic, from a proxy's login that the browser
    // repeats on every request to the host) is not, and is passed over. `Bearer` with no token is ours, malformed.
    const auth = header(req, 'authorization');
    const secret = auth === undefined ? undefined : bearerSecret(auth.trim());
    if (secret !== undefined) return { method: 'header', source: 'authorization', secret };
    const custom = header(req, ws.tokenHeader);
    if (custom !== undefined) return { method: 'header', source: 'custom_header', secret: custom.trim() };
  }
  if (on('subprotocol') && req.headers['sec-websocket-protocol'] !== undefined) {
    const bearer = offeredProtocols(req).map((p) => BEARER_PROTOCOL.exec(p)?.[1]).find((t) => t !== undefined);
    if (bearer !== undefined) return { method: 'subprotocol', source: 'subprotocol', secret: bearer };
  }
  const ticketOn = on('ticket');
  const queryOn = on('query') && ws.allowQueryToken;
  if (ticketOn || queryOn) {
    const query = new URLSearchParams(queryString(req.url ?? ''));
    if (ticketOn && query.has('ticket')) return { method: 'ticket', source: 'ticket', secret: query.get('ticket') ?? '' };
    if (queryOn && query.has('token')) return { method: 'query', source: 'query', secret: query.get('token') ?? '' };
  }
  if (on('message')) return { method: 'message', source: 'message' };
  return { method: 'none', source: 'none' };
}

/**
 * The token of an Authorization value (already trimmed) in the Bearer scheme: `Bearer`, any case, then
 * nothing (an empty token: ours, malformed) or whitespace and the token, trimmed; undefined for another
 * scheme. What `/^Bearer(?:\s+(.*))?$/i` and a trim of its group say, without the regex on every connect
 * (a header value holds no line terminator, so `.*` is the rest).
 */
function bearerSecret(auth: string): string | undefined {
  if (auth.length < 6 || auth.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  if (auth.length === 6) return '';
  return WHITESPACE.test(auth[6]) ? auth.slice(7).trim() : undefined;
}

const WHITESPACE = /^\s$/;

/** The query of a request target: what is between its first `?` and the next one, or '' when it has none. */
function queryString(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return '';
  const end = url.indexOf('?', at + 1);
  return end < 0 ? url.slice(at + 1) : url.slice(at + 1, end);
}

export function offeredProtocols(req: Pick<IncomingMessage, 'headers'>): string[] {
  return (header(req, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

/**
 * ws picks the first offered protocol by default, which could echo
 * `bearer.<token>` back in the handshake. We only ever select portcullis.v2.
 */
export function selectProtocol(offered: Set<string>): string | false {
  return offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false;
}

/** A request header by its name in lower case (as Node keys them; WS_TOKEN_HEADER is lowered by the config). */
function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
