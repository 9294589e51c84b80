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

/** Protocol ping to one socket; one that did not answer the previous ping is terminated. */
export function heartbeat(conn: Connection): void {
  if (!conn.alive) {
    conn.ws.terminate();
    return;
  }
  conn.alive = false;
  if (conn.ws.readyState === WebSocket.OPEN) conn.ws.ping();
}

/** What the sweep walks: the registry's live set, in parts (ConnectionRegistry's SHARDS and shard()). */
export interface SocketSource {
  shard(i: number): Iterable<Connection>;
}

/**
 * Pings every socket once per interval, spread over the interval: one part of
 * the live set a tick, each part walked to its end within its tick (pinging
 * 19,000 sockets in one tick stalled the event loop for up to 0.6 s every
 * 30 s). A socket is in one part for its whole life, so it is pinged once per
 * interval, and one that did not answer the last ping is terminated.
 *
 * Nothing is carried from one tick to the next but the part's number. A copy of
 * the live set kept for a round held every socket closed during the round; a
 * Map iterator kept between ticks held them too: V8 keeps each table a Map
 * outgrows, entries and all, linked to the next, until every iterator made
 * before it has moved on. At 2,800 connects a second that was some 6,500
 * closed sockets with their Node and `ws` objects, ~20 MB of heap that
 * scavenges copied and every mark-compact walked (docs/capacity.md §1).
 */
export class HeartbeatSweep {
  private readonly timer: NodeJS.Timeout;
  private next = 0;

  /** `shards`: how many parts `sockets().shard(i)` has; one is pinged every intervalMs / shards. */
  constructor(private readonly sockets: () => SocketSource, intervalMs: number, private readonly shards: number) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / shards))).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const part = this.next;
    this.next = (part + 1) % this.shards;
    for (const conn of this.sockets().shard(part)) heartbeat(conn);
  }
}
