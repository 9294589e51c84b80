import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { SessionsService } from '../sessions/sessions.service';

const DAY_MS = 86_400_000;
export type RetentionKind = 'refresh_tokens' | 'sessions' | 'ws_tickets' | 'audit_events';

/**
 * Deletes what is no longer needed, every RETENTION_INTERVAL_MS: sessions and
 * refresh tokens RETENTION_GRACE_DAYS past their expiry, spent or expired
 * tickets, and audit rows older than AUDIT_RETENTION_DAYS. In batches of
 * RETENTION_BATCH_SIZE, so no statement holds the database for long; the
 * services do the deleting, this class only schedules, counts and logs.
 * Every instance may run it: deletes are idempotent.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private readonly deleted;
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = false;

  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deleted = metrics.counter('portcullis_retention_deleted_total', 'Rows deleted by the retention job', ['kind'] as const);
  }

  onApplicationBootstrap(): void {
    const { intervalMs } = this.config.retention;
    if (intervalMs <= 0) return;
    // A first pass soon after start, so instances restarted more often than the interval still clean up.
    this.first = setTimeout(() => void this.tick(), Math.min(intervalMs, 60_000)).unref();
    this.timer = setInterval(() => void this.tick(), intervalMs).unref();
  }

  /** Lets a run in progress finish its batch before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.first);
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every kind, as of `now` (tests pass their own clock). */
  async run(now: Date = new Date()): Promise<Record<RetentionKind, number>> {
    const { batchSize, graceDays, auditDays } = this.config.retention;
    const expiredBefore = new Date(now.getTime() - graceDays * DAY_MS);
    const jobs: Array<[RetentionKind, () => Promise<number>]> = [
      ['refresh_tokens', () => this.sessions.purgeRefreshTokens(expiredBefore, batchSize)],
      ['sessions', () => this.sessions.purgeSessions(expiredBefore, batchSize)],
      ['ws_tickets', () => this.sessions.purgeTickets(now, batchSize)],
      ['audit_events', () => this.audit.deleteOlderThan(new Date(now.getTime() - auditDays * DAY_MS), batchSize)],
    ];
    const counts = { refresh_tokens: 0, sessions: 0, ws_tickets: 0, audit_events: 0 };
    for (const [kind, deleteBatch] of jobs) {
      let n: number;
      do {
        n = await deleteBatch();
        counts[kind] += n;
        if (n) this.deleted.inc({ kind }, n);
      } while (n === batchSize && !this.stopping);
    }
    this.logger.log({ deleted: counts }, 'retention pass finished');
    return counts;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.run().catch((err) => this.logger.error({ err }, 'retention pass failed'));
    await this.running;
    this.running = undefined;
  }
}
