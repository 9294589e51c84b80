import type { PortcullisError } from './errors.js';
import type { Ack } from './types.js';

export interface OutFrame {
  type: string;
  id: string;
  timestamp: string;
  payload: unknown;
}

interface Pending {
  frame: OutFrame;
  resolve: (ack: Ack) => void;
  reject: (err: PortcullisError) => void;
  /** Written to some socket already: after a reconnect it is sent again with the same id, which the server dedupes. */
  sent: boolean;
}

/**
 * Frames waiting for `ready`, and chat messages waiting for their `ack`. A
 * chat message stays here across reconnects until the server acknowledges
 * it, so a message sent just before a drop is neither lost nor stored twice.
 */
export class Outbox {
  private queue: OutFrame[] = [];
  private readonly unacked = new Map<string, Pending>();

  /** Queues a frame; with `ack`, it is also tracked until the server acknowledges it. */
  add(frame: OutFrame, ack?: { resolve: Pending['resolve']; reject: Pending['reject'] }): void {
    this.queue.push(frame);
    if (ack) this.unacked.set(frame.id, { frame, ...ack, sent: false });
  }

  /** Tracks a frame written at once (the socket was ready). */
  track(frame: OutFrame, ack: { resolve: Pending['resolve']; reject: Pending['reject'] }): void {
    this.unacked.set(frame.id, { frame, ...ack, sent: true });
  }

  /** What to write on a socket that just became ready: unacknowledged resends first (they are older), then the queue. */
  drain(): OutFrame[] {
    const resend = [...this.unacked.values()].filter((p) => p.sent).map((p) => p.frame);
    const out = [...resend, ...this.queue];
    this.queue = [];
    for (const p of this.unacked.values()) p.sent = true;
    return out;
  }

  ack(ack: Ack): boolean {
    const p = this.unacked.get(ack.refId);
    if (!p) return false;
    this.unacked.delete(ack.refId);
    p.resolve(ack);
    return true;
  }

  reject(refId: string, err: PortcullisError): boolean {
    const p = this.unacked.get(refId);
    if (!p) return false;
    this.unacked.delete(refId);
    this.queue = this.queue.filter((f) => f.id !== refId);
    p.reject(err);
    return true;
  }

  /** The client is closed: nothing here will ever be acknowledged. */
  failAll(err: PortcullisError): void {
    const pending = [...this.unacked.values()];
    this.unacked.clear();
    this.queue = [];
    for (const p of pending) p.reject(err);
  }

  get size(): { queued: number; unacked: number } {
    return { queued: this.queue.length, unacked: this.unacked.size };
  }
}
