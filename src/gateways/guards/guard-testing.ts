import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { Connection, ConnectionAuth } from '../../realtime/connection';
import { Credential } from '../../realtime/credentials';
import { HANDSHAKE } from '../../realtime/nest/ws-decorators';
import { WsHandshake } from '../../realtime/ws-handshake';

/** For guard specs: a Connection over a socket that records what it was sent. */
export function testConnection(auth?: ConnectionAuth, resource: Record<string, string> = {}): Connection {
  const ws = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: () => undefined, close: () => undefined, terminate: () => undefined } as unknown as WebSocket;
  const conn = new Connection(ws, '/ws/test', '127.0.0.1', { maxBufferedBytes: 1 << 20, maxProtocolErrors: 10 }, () => undefined);
  conn.auth = auth;
  conn.resource = resource;
  return conn;
}

export function handshakeFor(credential: Credential, params: Record<string, string> = {}): WsHandshake {
  return new WsHandshake({ headers: {}, url: '/' } as IncomingMessage, params, credential);
}

/** The ExecutionContext Nest builds for a ws guard: at connect (data = the handshake) or on a frame (data = the frame). */
export function wsContext(conn: Connection, data: unknown, pattern: string = HANDSHAKE): ExecutionContextHost {
  class TestGateway {}
  const ctx = new ExecutionContextHost([conn, data, pattern], TestGateway, () => undefined);
  ctx.setType('ws');
  return ctx;
}

export const userAuth = (over: Partial<Extract<ConnectionAuth, { kind: 'user' }>> = {}): ConnectionAuth =>
  ({ kind: 'user', userId: 'u1', sessionId: 's1', role: 'user', expiresAt: Date.now() + 60_000, ...over });

/** A guard's verdict as Nest's GuardsConsumer sees it: whether it answered at once (a value, or a throw) or later, as a promise. */
export const verdictOf = (decide: () => unknown): Promise<unknown> => Promise.resolve().then(decide);
