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
    const auth = header(req, 'authorization')?.trim();
    const bearer = auth === undefined ? undefined : /^Bearer(?:\s+(.*))?$/i.exec(auth);
    if (bearer) return { method: 'header', source: 'authorization', secret: (bearer[1] ?? '').trim() };
    const custom = header(req, ws.tokenHeader);
    if (custom !== undefined) return { method: 'header', source: 'custom_header', secret: custom.trim() };
  }
  if (on('subprotocol')) {
    const bearer = offeredProtocols(req).map((p) => BEARER_PROTOCOL.exec(p)?.[1]).find((t) => t !== undefined);
    if (bearer !== undefined) return { method: 'subprotocol', source: 'subprotocol', secret: bearer };
  }
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  if (on('ticket') && query.has('ticket')) return { method: 'ticket', source: 'ticket', secret: query.get('ticket') ?? '' };
  if (on('query') && ws.allowQueryToken && query.has('token')) return { method: 'query', source: 'query', secret: query.get('token') ?? '' };
  if (on('message')) return { method: 'message', source: 'message' };
  return { method: 'none', source: 'none' };
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

function header(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
