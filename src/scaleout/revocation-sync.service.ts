import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DomainEvents } from '../events/domain-events';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { SessionStateCache } from '../sessions/session-state.cache';
import { SessionsService, StoredRevocation } from '../sessions/sessions.service';
import { RedisBus } from './redis-bus';

const PAGE = 500;
/** Sessions already announced here, so the feed does not announce twice what the bus brought. */
const ANNOUNCED_MAX = 10_000;

/**
 * Revocation must not depend on Redis alone. Pub/sub keeps nothing: an
 * instance whose subscriber was down when a logout was announced would go on
 * accepting that session's tokens from memory, and keep its sockets open,
 * until the token expired (issue 12). Every revocation also takes a place in a
 * feed in the database (SessionsRepository.revoke), and this instance reads
 * the feed from where it last stopped: at once when the bus comes back,
 * every REVOCATION_POLL_MS while it is down, and every REVOCATION_RECHECK_MS
 * regardless. That slow round also re-checks every session this instance
 * holds live, the safety net for a row revoked outside the feed.
 *
 * What it learns it announces with emitLocal (each instance reads the feed
 * itself, so nothing is relayed): SessionStateCache then refuses the tokens
 * and SessionLifecycleService closes the sockets 4001, exactly as for an
 * event the bus relayed.
 */
@Injectable()
export class RevocationSyncService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RevocationSync');
  private readonly announced = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private cursor = 0;
  private poll?: NodeJS.Timeout;
  private reading?: Promise<void>;
  private readAgain = false;
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: RedisBus,
    private readonly sessions: SessionsService,
    private readonly state: SessionStateCache,
    private readonly registry: ConnectionRegistry,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Revocations committed before now are already in the database, where every cache miss reads them.
    this.cursor = await this.sessions.revocationCursor();
    this.unsubscribe = this.events.on('session.revoked', ({ sessionId }) => this.remember(sessionId));
    this.bus.onConnectionChange((up) => (up ? this.reconnected() : this.startPolling()));
    if (!this.bus.connected) this.startPolling();
    this.every(this.config.revocation.recheckMs, () => this.recheck());
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.stopPolling();
    for (const t of this.timers) clearInterval(t);
    this.unsubscribe?.();
  }

  /** Reads every revocation committed since the last read; concurrent calls share one read, then one more. */
  readFeed(): Promise<void> {
    if (this.reading) {
      // A read under way may have started before what the caller knows of: read once more after it.
      this.readAgain = true;
      return this.reading;
    }
    this.reading = this.drainFeed().finally(() => { this.reading = undefined; });
    return this.reading;
  }

  private async drainFeed(): Promise<void> {
    try {
      do {
        this.readAgain = false;
        for (;;) {
          const page = await this.sessions.revocationsAfter(this.cursor, PAGE);
          for (const r of page) {
            this.announce(r);
            this.cursor = Math.max(this.cursor, r.seq ?? 0);
          }
          if (page.length < PAGE || this.stopped) break;
        }
      } while (this.readAgain && !this.stopped);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not read the revocation feed; will retry');
    }
  }

  /**
   * The bus is back: read what was missed at once, and once more a poll period
   * later, for a revocation announced while our resubscription was still on its way.
   */
  private reconnected(): void {
    this.stopPolling();
    void this.readFeed();
    const followUp = setTimeout(() => { this.timers.delete(followUp); void this.readFeed(); }, this.config.revocation.pollMs).unref();
    this.timers.add(followUp);
  }

  private startPolling(): void {
    if (this.poll || this.stopped) return;
    this.poll = setInterval(() => void this.readFeed(), this.config.revocation.pollMs).unref();
  }

  private stopPolling(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }

  /** The slow round: the feed, then every session this instance holds live, against the database. */
  private async recheck(): Promise<void> {
    await this.readFeed();
    const ids = new Set(this.state.liveSessionIds());
    for (const conn of this.registry.values()) if (conn.sessionId && conn.isOpen) ids.add(conn.sessionId);
    const unknown = [...ids].filter((id) => !this.announced.has(id));
    try {
      for (let i = 0; i < unknown.length && !this.stopped; i += PAGE) {
        for (const r of await this.sessions.revokedAmong(unknown.slice(i, i + PAGE))) this.announce(r);
      }
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not re-check live sessions; will retry');
    }
  }

  private announce(r: StoredRevocation): void {
    if (this.announced.has(r.sessionId) || this.stopped) return;
    this.logger.log({ sessionId: r.sessionId, reason: r.reason }, 'revocation learned from the database');
    this.events.emitLocal('session.revoked', { sessionId: r.sessionId, userId: r.userId, reason: r.reason });
  }

  private remember(sessionId: string): void {
    if (this.announced.size >= ANNOUNCED_MAX) this.announced.delete(this.announced.values().next().value as string);
    this.announced.add(sessionId);
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => void task().catch((err) => this.logger.error({ err }, 'revocation sync failed')), ms).unref();
    this.timers.add(timer);
  }
}
