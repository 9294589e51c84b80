import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

export interface Frame { type: string; id: string; timestamp: string; refId?: string; payload: any }
export interface Closed { code: number; reason: string }

/**
 * A raw `ws` client that records every frame and the close, so tests can
 * assert on order: `next()` waits for the next frame, `closed` for the close.
 */
export class WsTestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  /** Date.now() when the close arrived. */
  closedAt?: number;
  readonly opened: Promise<void>;
  /** The HTTP status when the upgrade was refused. */
  rejectedStatus?: number;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(data.toString()));
      this.wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => { this.closedAt = Date.now(); this.wake(); resolve({ code, reason: reason.toString() }); }));
    this.opened = new Promise((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('unexpected-response', (_req, res) => { this.rejectedStatus = res.statusCode; reject(new Error(`upgrade refused: ${res.statusCode}`)); ws.terminate(); });
      ws.on('error', (err) => reject(err));
    });
    this.opened.catch(() => undefined);
  }

  static connect(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): WsTestClient {
    return new WsTestClient(new WebSocket(url, opts.protocols ?? [], { headers: opts.headers }));
  }

  send(type: string, payload: unknown = {}, id: string = randomUUID()): string {
    this.ws.send(JSON.stringify({ type, id, timestamp: new Date().toISOString(), payload }));
    return id;
  }

  /** The next frame not yet returned (optionally of a type, skipping others), within `ms`. */
  async next(type?: string, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++];
        if (!type || f.type === type) return f;
      }
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting for ${type ?? 'a frame'}; got ${this.types()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${type ?? 'a frame'}; got ${this.types()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Waits for the close and returns it with the frames seen (the last is the `error` frame for server closes). */
  async closedWithin(ms = 5000): Promise<Closed & { error?: Frame }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(`not closed within ${ms} ms; frames: ${this.types()}`)), ms); });
    const c = await Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
    const error = [...this.frames].reverse().find((f) => f.type === 'error');
    return { ...c, error };
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  types(): string {
    return this.frames.map((f) => f.type).join(',') || '(none)';
  }

  close(): void {
    this.ws.close();
  }
}
