import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from './transactions';

interface Pending<I, R> {
  item: I;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions<I, R> {
  /** Does one item's work inside a transaction shared with the rest of its batch. */
  step?: (manager: EntityManager, item: I) => Promise<R>;
  /**
   * Does a whole batch at once, atomically (all or nothing), answering per item
   * in order: instead of `step`s in a transaction, for a store that can write
   * the batch in one statement.
   */
  together?: (items: I[]) => Promise<R[]>;
  /** Does one item in a transaction of its own: a lone item, or each item again after its batch failed. */
  alone: (item: I) => Promise<R>;
  maxBatch?: number;
  /** Told of each commit: how many items it held and how long it took (seconds). */
  onCommit?: (items: number, seconds: number) => void;
}

/**
 * Group commit. Items of one lane are written strictly in the order they were
 * submitted; those that arrive while the lane's transaction is running are
 * committed together in the next one: one commit (one fsync) for all of them.
 * A lone item is never made to wait for company. Each promise resolves only
 * after the commit that holds its item.
 *
 * If a batch's transaction fails, nothing of it was committed and every item
 * is tried again alone, so one bad item fails only itself.
 */
export class GroupCommitter<I, R> {
  private readonly lanes = new Map<string, Array<Pending<I, R>>>();
  private readonly maxBatch: number;

  constructor(private readonly db: DataSource, private readonly options: GroupCommitOptions<I, R>) {
    this.maxBatch = options.maxBatch ?? 64;
    if (!options.step && !options.together) throw new Error('GroupCommitter needs step or together');
  }

  /** Queues `item` on `lane`. Synchronous up to the queueing, so calls made in order are written in order. */
  submit(lane: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let queue = this.lanes.get(lane);
      const idle = !queue;
      if (!queue) this.lanes.set(lane, (queue = []));
      queue.push({ item, resolve, reject });
      if (idle) void this.drain(lane, queue);
    });
  }

  private async drain(lane: string, queue: Array<Pending<I, R>>): Promise<void> {
    while (queue.length) await this.commit(queue.splice(0, this.maxBatch));
    this.lanes.delete(lane);
  }

  private async commit(batch: Array<Pending<I, R>>): Promise<void> {
    let started = process.hrtime.bigint();
    const results = batch.length > 1 ? await this.together(batch) : undefined;
    if (results) {
      this.observe(batch.length, started);
      return batch.forEach((p, i) => p.resolve(results[i]));
    }
    for (const p of batch) {
      started = process.hrtime.bigint();
      await this.options.alone(p.item).then(p.resolve, p.reject);
      this.observe(1, started);
    }
  }

  private observe(items: number, started: bigint): void {
    this.options.onCommit?.(items, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** The whole batch at once (`together`, or `step`s in one transaction); undefined when it failed (and so rolled back as a whole). */
  private async together(batch: Array<Pending<I, R>>): Promise<R[] | undefined> {
    const { step, together } = this.options;
    try {
      if (together) return await together(batch.map((p) => p.item));
      return await inTransaction(this.db, async (m) => {
        const out: R[] = [];
        for (const p of batch) out.push(await step!(m, p.item));
        return out;
      });
    } catch {
      return undefined;
    }
  }
}
