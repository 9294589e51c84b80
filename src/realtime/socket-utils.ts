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

/**
 * Pings every socket once per interval, spread over the interval in small
 * slices: pinging 19,000 sockets in one tick stalled the event loop for up to
 * 0.6 s every 30 s. A socket met in one round is pinged again in the next, so
 * each still gets one ping per interval (give or take a slice).
 */
export class HeartbeatSweep {
  private readonly timer: NodeJS.Timeout;
  private round: Connection[] = [];
  private tickInRound = 0;
  private perTick = 0;

  constructor(private readonly sockets: () => Iterable<Connection>, intervalMs: number) {
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(intervalMs / SLICES))).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A round is SLICES ticks long whatever the count, so each socket is pinged once per interval, not as fast as the slices run out. */
  private tick(): void {
    if (this.tickInRound === 0) {
      this.round = [...this.sockets()];
      this.perTick = Math.ceil(this.round.length / SLICES);
    }
    const start = this.tickInRound * this.perTick;
    const end = Math.min(start + this.perTick, this.round.length);
    for (let i = start; i < end; i++) heartbeat(this.round[i]);
    this.tickInRound = (this.tickInRound + 1) % SLICES;
    if (this.tickInRound === 0) this.round = [];
  }
}
