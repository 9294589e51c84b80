import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Connection } from './connection';

/** Answers a refused upgrade with a plain HTTP status before any 101. */
export function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

export function waitClosed(ws: WebSocket): Promise<void> {
  return ws.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}

export async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((resolve) => { timer = setTimeout(resolve, ms); })]);
  clearTimeout(timer);
}

/** Protocol ping to each socket; one that did not answer the previous ping is terminated. */
export function heartbeat(conns: Iterable<Connection>): void {
  for (const conn of conns) {
    if (!conn.alive) {
      conn.ws.terminate();
      continue;
    }
    conn.alive = false;
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
  }
}
