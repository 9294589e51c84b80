import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { newTimeOrderedId } from '../common/util/ids';
import { InvalidInputError } from '../common/errors/domain-errors';
import { AuditQueue } from './audit-queue';
import { AuditRepository, AuditRow, auditTuple } from './audit.repository';

export interface AuditRecord {
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  reason?: string | null;
  /** Non-secret facts only: method, endpoint, close code. Never a token. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditView {
  id: string; type: string; userId: string | null; sessionId: string | null; ip: string | null; reason: string | null;
  detail: Record<string, unknown> | null; createdAt: string;
}

/** `after` and `before` are ISO-8601 instants, both exclusive. */
export interface AuditQuery { type?: string; userId?: string; after?: string; before?: string; cursor?: string; limit?: number }
export interface AuditPage { items: AuditView[]; nextCursor: string | null }

/** Opaque to clients: the position (time, id) of the last row served. */
const encodeCursor = (at: Date, id: string): string => Buffer.from(`${at.getTime()}.${id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new InvalidInputError('cursor', 'cursor must be a nextCursor from a previous page');
  return { createdAt: new Date(Number(m[1])), id: m[2] };
}

const FLUSH_MS = 200;
const MAX_BATCH = 500;

@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Audit');
  private readonly queue = new AuditQueue();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repo: AuditRepository) {}

  /** Stores one event now (REST flows, where the caller can wait). */
  async record(type: string, rec: AuditRecord = {}): Promise<void> {
    await this.repo.insertMany([this.row(type, rec)]);
  }

  /**
   * For hot paths (every socket's auth and close): queued and written in
   * batches, so a connect costs no database round trip. Never throws.
   */
  recordLater(type: string, rec: AuditRecord = {}): void {
    this.queue.push(auditTuple(this.row(type, rec)));
    if (this.queue.count >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is queued; also what the query path and shutdown wait on. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const count = this.queue.count;
    if (count) {
      const batch = this.queue.take();
      this.flushing = this.flushing.then(async () => {
        await this.repo.insertTuples(batch);
      }).catch((err) => this.logger.warn({ err, count }, 'audit batch write failed'));
    }
    return this.flushing;
  }

  /** Flushed as shutdown begins; AuditFinalFlush writes what is recorded after, while the servers close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private row(type: string, rec: AuditRecord): AuditRow {
    return {
      id: newTimeOrderedId(), type, userId: rec.userId ?? null, sessionId: rec.sessionId ?? null, ip: rec.ip?.slice(0, 64) ?? null,
      reason: rec.reason?.slice(0, 255) ?? null, detail: rec.detail ? JSON.stringify(rec.detail) : null, createdAt: new Date(),
    };
  }

  /** Newest first, one page; `nextCursor` (null on the last page) fetches the next, older one with the same filters. */
  async query(filter: AuditQuery): Promise<AuditPage> {
    await this.flush();
    const limit = Math.min(filter.limit ?? 100, 1000);
    const below = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
    const after = filter.after === undefined ? undefined : new Date(filter.after);
    const before = filter.before === undefined ? undefined : new Date(filter.before);
    const rows = await this.repo.find({ type: filter.type, userId: filter.userId, after, before, below }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.id, type: r.type, userId: r.userId, sessionId: r.sessionId, ip: r.ip, reason: r.reason,
        detail: r.detail ? JSON.parse(r.detail) : null, createdAt: new Date(r.createdAt).toISOString(),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(new Date(last.createdAt), last.id) : null,
    };
  }

  /** Retention: deletes one batch of rows older than `cutoff`. */
  deleteOlderThan(cutoff: Date, batchSize: number): Promise<number> {
    return this.repo.deleteOlderThan(cutoff, batchSize);
  }
}
