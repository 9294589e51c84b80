/**
 * Delivers items carrying a `seq` exactly once and in order. Items ahead of a
 * gap wait until the gap fills (after a reconnect, live messages can arrive
 * before the replay of what was missed); items at or below the delivered
 * mark are duplicates and dropped.
 */
export class SeqOrder<T extends { seq: number }> {
  private readonly waiting = new Map<number, T>();

  /** @param delivered the highest seq already delivered; undefined: set by the first item seen. */
  constructor(private delivered?: number) {}

  /** The highest contiguous seq delivered so far. */
  get mark(): number | undefined {
    return this.delivered;
  }

  /** Takes one item; returns what may now be delivered, in order (possibly nothing). */
  push(item: T): T[] {
    if (this.delivered === undefined) this.delivered = item.seq - 1;
    if (item.seq <= this.delivered || this.waiting.has(item.seq)) return [];
    this.waiting.set(item.seq, item);
    const out: T[] = [];
    for (let next = this.waiting.get(this.delivered + 1); next; next = this.waiting.get(this.delivered + 1)) {
      this.waiting.delete(next.seq);
      this.delivered = next.seq;
      out.push(next);
    }
    return out;
  }
}
