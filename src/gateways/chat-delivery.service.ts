import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { isoTime } from '../common/util/iso-time';
import { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { SharedFrame } from '../realtime/shared-frame';
import type { MessageView } from '../conversations/conversation.views';
import { ConversationsService } from '../conversations/conversations.service';
import { ChatSequencer } from './chat-sequencer';

const RESUME_PAGE = 500;
/**
 * How long a message from one instance waits for its predecessor from another
 * (a Redis hop: well under a millisecond on a quiet network) before that one is
 * read from the database instead.
 */
const ORDER_WAIT_MS = 100;
const ORDER_MAX_HELD = 1000;
const ORDER_SWEEP_MS = 60_000;
/**
 * Rooms larger than this are fanned out a slice at a time, yielding to the
 * event loop between slices: one message is one write syscall per socket, and
 * a group commit hands over several messages at once, so a 1,000-member room
 * held the loop for 100-300 ms at a time in the 19,000-socket soak.
 */
const FANOUT_SLICE = 250;
/** At most this many waiting messages go out in one pass over a large room (a turn then writes up to FANOUT_SLICE × this frames). */
const FANOUT_PASS = 16;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Live messages held back from a socket while it resumes: from the arrival of
 * a `resume` frame (holdForResume) until every resume held for it has ended.
 */
interface ResumeState {
  buffer: MessageView[];
  holds: number;
  /** The highest seq the replays have reached (their afterSeq when they sent nothing); unset if none ran. */
  cursor?: number;
}

/**
 * Delivers stored chat messages to the sockets subscribed to a conversation.
 * While a socket replays history (`resume`), live messages for it are held
 * back and released after the replay, minus any the replay already covered:
 * no gap and no duplicate at the seam.
 *
 * Scaled out, messages reach this instance from two paths (its own at once,
 * the others' through Redis), so they pass through a ChatSequencer first:
 * every socket gets a conversation's messages in strictly increasing seq.
 */
@Injectable()
export class ChatDeliveryService implements OnModuleDestroy {
  private readonly logger = new Logger('ChatDelivery');
  private readonly resuming = new WeakMap<Connection, ResumeState>();
  /**
   * The highest seq a replay has sent, per socket. A message can be committed
   * (so a replay page reads it) before its publish runs; once the replay has
   * ended that late publish must not deliver it a second time.
   */
  private readonly replayedThrough = new WeakMap<Connection, number>();
  /**
   * The lowest seq delivered live to a socket. Live delivery is complete from
   * subscription on, so everything from here up has reached (or will reach) it
   * live, and a later `resume` must not replay it again.
   */
  private readonly firstLive = new WeakMap<Connection, number>();

  /** Carries a stored message to the other instances (the Redis bus when REDIS_URL is set). */
  private relay?: (message: MessageView) => void;
  private readonly sequencer: ChatSequencer;
  private sweep?: NodeJS.Timeout;
  /** Messages waiting for a large room's fan-out in progress, per conversation: a socket gets them in order. */
  private readonly fanningOut = new Map<string, MessageView[]>();

  constructor(private readonly registry: ConnectionRegistry, conversations: ConversationsService) {
    this.sequencer = new ChatSequencer({
      deliver: (m) => this.fanOut(m),
      fetchAfter: (conversationId, afterSeq, limit) => conversations.messagesAfter(conversationId, afterSeq, limit),
      hasSubscribers: (conversationId) => Boolean(this.registry.subscribers('conversationId', conversationId)?.size),
      onFetchError: (err, conversationId) => this.logger.warn({ err, conversationId }, 'could not read a gap in live chat from the database; skipped'),
    }, { waitMs: ORDER_WAIT_MS, maxHeld: ORDER_MAX_HELD });
  }

  /** With a relay, messages arrive by two paths and are put back in order; alone, they arrive in commit order already. */
  setRelay(relay: ((message: MessageView) => void) | undefined): void {
    this.relay = relay;
    clearInterval(this.sweep);
    if (relay) this.sweep = setInterval(() => this.sequencer.sweep(), ORDER_SWEEP_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
    this.sequencer.stop();
  }

  /** Fans a stored message out to every member socket on the conversation, the sender's included (after its ack), on every instance. */
  publish(message: MessageView): void {
    this.deliverLocal(message);
    this.relay?.(message);
  }

  /** This instance's subscribers only: what the relay calls for a message stored through another instance. */
  deliverLocal(message: MessageView): void {
    if (this.relay) this.sequencer.push(message);
    else this.fanOut(message);
  }

  private fanOut(message: MessageView): void {
    const waiting = this.fanningOut.get(message.conversationId);
    if (waiting) return void waiting.push(message);
    const subscribers = this.registry.subscribers('conversationId', message.conversationId);
    if (!subscribers) return;
    if (subscribers.size <= FANOUT_SLICE) {
      const frame = chatFrame(message);
      for (const conn of subscribers) this.deliverTo(conn, message, frame);
      return;
    }
    const queue = [message];
    this.fanningOut.set(message.conversationId, queue);
    void this.fanOutInSlices(message.conversationId, queue);
  }

  /**
   * What waits (up to FANOUT_PASS messages) goes out together: each socket
   * gets the pass's messages in one turn, so in one write (see
   * Connection.coalesce), a slice of sockets per turn of the event loop. A
   * pass goes to the room's sockets as they are when it starts; its messages
   * were all committed before that, so a socket that joins later has them in
   * its history, and what it gets live starts after them.
   */
  private async fanOutInSlices(conversationId: string, queue: MessageView[]): Promise<void> {
    try {
      while (queue.length) {
        const pass = queue.splice(0, FANOUT_PASS);
        const frames = pass.map(chatFrame);
        const sockets = [...(this.registry.subscribers('conversationId', conversationId) ?? [])];
        for (let i = 0; i < sockets.length; i += FANOUT_SLICE) {
          const end = Math.min(i + FANOUT_SLICE, sockets.length);
          for (let j = i; j < end; j++) for (let k = 0; k < pass.length; k++) this.deliverTo(sockets[j], pass[k], frames[k]);
          await nextTurn();
        }
      }
    } catch (err) {
      this.logger.error({ err, conversationId }, 'chat fan-out failed');
    } finally {
      this.fanningOut.delete(conversationId);
    }
  }

  private deliverTo(conn: Connection, message: MessageView, frame: SharedFrame): void {
    const held = this.resuming.get(conn);
    if (held) held.buffer.push(message);
    else if (message.seq > (this.replayedThrough.get(conn) ?? 0)) {
      if (message.seq < (this.firstLive.get(conn) ?? Infinity)) this.firstLive.set(conn, message.seq);
      conn.sendShared(frame);
    }
  }

  /**
   * A `resume` frame arrived: live messages for `conn` wait from now until the
   * returned function has been called (once its handler has finished, or will
   * not run), so the replay goes first even when they were stored while the
   * frame waited for the handshake's checks or for its guards. What the
   * socket held for the handshake's checks joins them.
   */
  holdForResume(conn: Connection): () => void {
    let state = this.resuming.get(conn);
    if (!state) this.resuming.set(conn, (state = { buffer: this.adoptHeld(conn), holds: 0 }));
    const held = state;
    held.holds++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--held.holds === 0) this.endResume(conn, held);
    };
  }

  /** Replays what the socket missed, in order, then releases live messages that arrived meanwhile. */
  async resume(conn: Connection, afterSeq: number, page: (after: number, limit: number) => Promise<MessageView[]>): Promise<number> {
    const end = this.holdForResume(conn);
    const state = this.resuming.get(conn)!;
    let cursor = afterSeq;
    let replayed = 0;
    try {
      for (;;) {
        const liveFrom = this.firstLive.get(conn) ?? Infinity;
        const batch = (await page(cursor, RESUME_PAGE)).filter((m) => m.seq < liveFrom);
        for (const m of batch) this.send(conn, m);
        replayed += batch.length;
        if (batch.length) cursor = batch[batch.length - 1].seq;
        if (batch.length < RESUME_PAGE || !conn.isOpen) break;
      }
    } finally {
      // Only what was really sent: an afterSeq ahead of the conversation must not mute live messages.
      if (replayed > 0) this.replayedThrough.set(conn, Math.max(cursor, this.replayedThrough.get(conn) ?? 0));
      state.cursor = Math.max(cursor, state.cursor ?? cursor);
      end();
    }
    return replayed;
  }

  /** Sends what was held back, in order, past what the replays covered. */
  private endResume(conn: Connection, state: ResumeState): void {
    if (this.resuming.get(conn) === state) this.resuming.delete(conn);
    const from = state.cursor ?? -Infinity;
    for (const m of state.buffer.sort((a, b) => a.seq - b.seq)) if (m.seq > from) this.send(conn, m);
  }

  /** Chat frames the socket holds for the handshake's checks, as messages (anything else is held again). */
  private adoptHeld(conn: Connection): MessageView[] {
    const out: MessageView[] = [];
    for (const held of conn.takeHeld()) {
      const frame = JSON.parse(held.payload.toString('utf8')) as { type: string; payload: MessageView };
      if (frame.type === 'chat_message') out.push(frame.payload);
      else conn.sendShared(held);
    }
    return out;
  }

  private send(conn: Connection, m: MessageView): void {
    conn.sendShared(chatFrame(m));
  }
}

function chatFrame(m: MessageView): SharedFrame {
  return SharedFrame.of({ type: 'chat_message', id: `m-${m.messageId}`, timestamp: isoTime(), payload: m });
}
