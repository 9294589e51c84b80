import type { MessageView } from '../conversations/conversation.views';

export interface ChatSequencerDeps {
  /** Hands one message on to this instance's sockets; called in strictly increasing seq per conversation. */
  deliver(message: MessageView): void;
  /** Stored messages after `afterSeq`, ascending (the database: it already holds every seq below one we were sent). */
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<MessageView[]>;
  hasSubscribers(conversationId: string): boolean;
  onFetchError(err: unknown, conversationId: string): void;
}

export interface ChatSequencerOptions {
  /** How long a message waits for the one before it to arrive before that one is read from the database. */
  waitMs: number;
  /** Held messages per conversation past which the gap is read from the database at once. */
  maxHeld: number;
}

interface Order {
  /** The seq to deliver next; undefined until the first wait is over (see push). */
  next: number | undefined;
  held: Map<number, MessageView>;
  timer?: NodeJS.Timeout;
  fetching: boolean;
}

const FETCH_PAGE = 500;

/**
 * Puts one conversation's messages back into seq order on this instance.
 *
 * Seqs commit in order (the conversation row's lock), but each instance
 * delivers its own messages at once and the others' after a hop through
 * Redis, so 82 can arrive before 81. A message whose predecessor has not
 * arrived is held; if the gap is still open after `waitMs`, the missing seqs
 * are read from the database, where they are already committed. Delivery
 * never goes backwards: a message below the next seq (already delivered, or
 * read from the database first) is dropped.
 *
 * The first message of a conversation seen here also waits `waitMs`, for an
 * earlier one that may still be on its way; delivery then starts from the
 * lowest seq that arrived. Order is kept per conversation while it has
 * subscribers on this instance; `sweep()` forgets the others.
 */
export class ChatSequencer {
  private readonly orders = new Map<string, Order>();

  constructor(private readonly deps: ChatSequencerDeps, private readonly options: ChatSequencerOptions) {}

  push(m: MessageView): void {
    if (!this.deps.hasSubscribers(m.conversationId)) return this.forget(m.conversationId);
    let order = this.orders.get(m.conversationId);
    if (!order) {
      // Seq 1 has no predecessor to wait for.
      order = { next: m.seq === 1 ? 1 : undefined, held: new Map(), fetching: false };
      this.orders.set(m.conversationId, order);
    }
    if (order.next !== undefined && m.seq < order.next) return;
    order.held.set(m.seq, m);
    this.release(order);
    if (order.held.size > this.options.maxHeld && order.next !== undefined) return this.fill(m.conversationId, order);
    this.arm(m.conversationId, order);
  }

  /** Forgets conversations with no subscriber here (their order restarts with the next subscriber). */
  sweep(): void {
    for (const id of this.orders.keys()) if (!this.deps.hasSubscribers(id)) this.forget(id);
  }

  stop(): void {
    for (const id of [...this.orders.keys()]) this.forget(id);
  }

  /** Delivers every held message that is next in line. */
  private release(order: Order): void {
    if (order.next === undefined) return;
    for (let m = order.held.get(order.next); m; m = order.held.get(order.next)) {
      order.held.delete(order.next);
      order.next++;
      this.deps.deliver(m);
    }
  }

  private arm(conversationId: string, order: Order): void {
    if (order.held.size === 0 || order.timer || order.fetching) return;
    order.timer = setTimeout(() => {
      order.timer = undefined;
      if (order.next === undefined) {
        order.next = Math.min(...order.held.keys());
        this.release(order);
      }
      if (order.held.size) this.fill(conversationId, order);
    }, this.options.waitMs);
    order.timer.unref();
  }

  /** Reads the missing seqs up to the highest held one from the database, then delivers in order, skipping what it could not read. */
  private fill(conversationId: string, order: Order): void {
    clearTimeout(order.timer);
    order.timer = undefined;
    if (order.fetching || order.next === undefined) return;
    order.fetching = true;
    const through = Math.max(...order.held.keys());
    void this.fetchThrough(conversationId, order, through)
      .catch((err) => this.deps.onFetchError(err, conversationId))
      .finally(() => {
        order.fetching = false;
        if (this.orders.get(conversationId) !== order) return;
        // A seq the database did not give us (an error) is skipped: a gap the client can resume over beats a stalled stream.
        while (order.next! <= through && !order.held.has(order.next!)) order.next!++;
        this.release(order);
        this.arm(conversationId, order);
      });
  }

  private async fetchThrough(conversationId: string, order: Order, through: number): Promise<void> {
    let cursor = order.next! - 1;
    while (cursor < through) {
      const page = await this.deps.fetchAfter(conversationId, cursor, FETCH_PAGE);
      for (const m of page) if (m.seq >= order.next! && m.seq <= through && !order.held.has(m.seq)) order.held.set(m.seq, m);
      if (page.length < FETCH_PAGE) return;
      cursor = page[page.length - 1].seq;
    }
  }

  private forget(conversationId: string): void {
    const order = this.orders.get(conversationId);
    if (!order) return;
    clearTimeout(order.timer);
    this.orders.delete(conversationId);
  }
}
