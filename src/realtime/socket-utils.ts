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

/** Slices per heartbeat interval: each tick pings about 1/SLICES of the sockets. */
const SLICES = 50;

/** What the sweep walks: the registry (its live sockets, and how many). */
export interface SocketSource {
  readonly size: number;
  values(): IterableIterator<Connection>;
}

/**
 * Pings every socket once per interval, spread over the interval in small
 * slices: pinging 19,000 sockets in one tick stalled the event loop for up to
 * 0.6 s every 30 s. A socket met in one round is pinged again in the next, so
 * each still gets one ping per interval (give or take a slice).
 *
 * A round walks the live set as it goes, not a copy taken at its start: a copy
 * kept every socket closed during the round (with its Node and `ws` objects)
 * until the round ended, ~15 s on average, which at the soak's churn was some
 * 2,800 dead sockets held at any time. A set's iterator skips what was removed
 * behind it and keeps nothing of it; a socket added meanwhile is met in this
 * round or the next.
 */
export class HeartbeatSweep {
  private readonly timer: NodeJS.Timeout;
  private cursor: Iterator<Connection> | undefined;
  private tickInRound = 0;
  private perTick = 0;

  constructor(private readonly sockets: () => SocketSource, intervalMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / SLICES))).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.cursor = undefined;
  }

  /** A round is SLICES ticks long whatever the count, so each socket is pinged once per interval, not as fast as the slices run out. */
  private tick(): void {
    if (this.tickInRound === 0) {
      const source = this.sockets();
      this.cursor = source.values();
      this.perTick = Math.ceil(source.size / SLICES);
    }
    for (let i = 0; i < this.perTick; i++) {
      const next = this.cursor!.next();
      if (next.done) break;
      heartbeat(next.value);
    }
    this.tickInRound = (this.tickInRound + 1) % SLICES;
    if (this.tickInRound === 0) this.cursor = undefined;
  }
}
