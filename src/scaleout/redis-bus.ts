import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { RedisBusMetrics } from './redis-bus.metrics';

/** What instances tell each other; every message goes through one channel, so each publisher's order is kept. */
export type BusMessage =
  | { kind: 'event'; name: string; payload: unknown }
  | { kind: 'chat'; message: unknown }
  | { kind: 'close'; target: string; connectionId: string; code: number; adminId: string };

const CONNECT_TIMEOUT_MS = 5000;
const PING_TIMEOUT_MS = 1000;

/**
 * The two Redis connections of one instance: a publisher (also used for
 * commands) and a subscriber on the instance bus channel. Each instance has a
 * random id and ignores what it published itself. Redis down at start-up
 * does not stop the instance; ioredis connects and reconnects by itself.
 */
@Injectable()
export class RedisBus implements OnModuleInit, OnApplicationShutdown {
  readonly instanceId = randomUUID();
  readonly prefix: string;
  private readonly logger = new Logger('RedisBus');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers: Array<(m: BusMessage) => void> = [];
  private readonly beforeQuit: Array<() => Promise<void>> = [];
  private readonly connectionListeners: Array<(up: boolean) => void> = [];
  private up = false;
  /**
   * The subscription of the current connection of `sub`, made on each `ready`
   * and forgotten on each `close`. ioredis's own resubscribe is off: it sends
   * SUBSCRIBE on reconnect without handling its answer, so a connection that
   * closes before Redis answers (a flapping Redis, or shutdown meanwhile)
   * rejects it unhandled, and an unhandled rejection ends the process.
   */
  private subscribed?: Promise<unknown>;
  private downSince?: number;
  private closed = false;

  constructor(config: AppConfig, private readonly metrics: RedisBusMetrics) {
    this.prefix = config.redis.keyPrefix;
    // Retry for ever, backing off to 2 s; a command waits in the offline queue for at most 3 retries, so a caller is not held long.
    const options = {
      lazyConnect: true, connectionName: `portcullis-${this.instanceId}`, maxRetriesPerRequest: 3,
      retryStrategy: (times: number) => Math.min(times * 200, 2000),
    };
    this.pub = new Redis(config.redis.url!, options);
    this.sub = new Redis(config.redis.url!, { ...options, autoResubscribe: false });
    for (const [role, client] of [['publisher', this.pub], ['subscriber', this.sub]] as const) {
      client.on('error', (err: Error) => {
        this.metrics.errors.inc({ stage: 'connection' });
        this.logger.warn({ err: err.message, role }, 'redis connection error');
      });
      client.on('reconnecting', () => this.metrics.reconnects.inc({ role }));
      // ioredis reconnects (and resubscribes) by itself; what it missed meanwhile is for the listeners to recover.
      client.on('ready', () => this.noteConnection());
      client.on('close', () => this.noteConnection());
    }
    this.sub.on('message', (_channel: string, text: string) => this.receive(text));
    this.sub.on('ready', () => void this.subscribe().catch(() => undefined));
    this.sub.on('close', () => { this.subscribed = undefined; this.isSubscribed = false; });
  }

  get channel(): string {
    return `${this.prefix}bus`;
  }

  /** The connection for keys (the directory); never in subscriber mode. */
  get client(): Redis {
    return this.pub;
  }

  /**
   * Connects, but does not make start-up wait on Redis beyond CONNECT_TIMEOUT_MS:
   * an instance whose Redis is down still serves what needs no Redis (its own
   * sockets, REST, revocation through the database feed), reports 503 on
   * /health/full, and joins the bus by itself once Redis answers (ioredis
   * keeps retrying; the subscription waits in its offline queue).
   */
  async onModuleInit(): Promise<void> {
    const connecting = Promise.all([this.pub.connect(), this.sub.connect()]);
    connecting.catch(() => undefined);
    try {
      await withTimeout(connecting.then(() => this.subscribe()), CONNECT_TIMEOUT_MS);
      this.logger.log({ instanceId: this.instanceId, channel: this.channel }, 'scale-out bus connected');
    } catch (err) {
      this.logger.warn(
        { instanceId: this.instanceId, err: err instanceof Error ? err.message : String(err) },
        'REDIS_URL: Redis is not reachable; starting without the scale-out bus, which joins once Redis answers (/health/full reports 503 meanwhile)',
      );
    }
  }

  /** Runs clean-ups registered by the scale-out services, then quits both connections. */
  async onApplicationShutdown(): Promise<void> {
    for (const task of this.beforeQuit.splice(0)) await task().catch((err) => this.logger.warn({ err }, 'redis clean-up failed'));
    this.closed = true;
    await Promise.all([this.sub, this.pub].map((c) => withTimeout(c.quit(), PING_TIMEOUT_MS).catch(() => c.disconnect())));
  }

  /** Both connections are up and subscribed: messages published now reach this instance, and ours reach the others. */
  get connected(): boolean {
    return !this.closed && this.isSubscribed && this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  private isSubscribed = false;

  private subscribe(): Promise<unknown> {
    if (this.subscribed) return this.subscribed;
    const attempt: Promise<unknown> = this.sub.subscribe(this.channel).then(
      () => { if (this.subscribed === attempt) { this.isSubscribed = true; this.noteConnection(); } },
      (err: Error) => { if (this.subscribed === attempt) this.subscribed = undefined; throw err; },
    );
    this.subscribed = attempt;
    return attempt;
  }

  /**
   * Called with false when either connection drops (bus messages may be lost
   * from then on) and with true once both are back. Not called during shutdown.
   */
  onConnectionChange(listener: (up: boolean) => void): void {
    this.connectionListeners.push(listener);
  }

  onMessage(handler: (m: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  onShutdown(task: () => Promise<void>): void {
    this.beforeQuit.push(task);
  }

  /** Fire and forget: a lost message is logged, never thrown at the caller (the change itself is already committed). */
  publish(message: BusMessage): void {
    if (this.closed) return;
    this.pub.publish(this.channel, JSON.stringify({ from: this.instanceId, ...message })).then(
      () => this.metrics.published.inc({ kind: message.kind }),
      (err: Error) => {
        this.metrics.errors.inc({ stage: 'publish' });
        this.logger.error({ err: err.message, kind: message.kind }, 'redis publish failed');
      },
    );
  }

  /** Whether Redis answers a PING within a second (readiness). */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await withTimeout(this.pub.ping(), PING_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }

  private noteConnection(): void {
    const up = this.connected;
    if (up === this.up || this.closed) return;
    this.up = up;
    if (!up) {
      this.downSince = Date.now();
      this.logger.warn({ instanceId: this.instanceId }, 'scale-out bus disconnected: messages from other instances may be lost until it is back');
    } else if (this.downSince !== undefined) {
      this.logger.log({ instanceId: this.instanceId, downMs: Date.now() - this.downSince }, 'scale-out bus reconnected');
      this.downSince = undefined;
    }
    for (const listener of this.connectionListeners) {
      try {
        listener(up);
      } catch (err) {
        this.logger.error({ err }, 'bus connection listener failed');
      }
    }
  }

  private receive(text: string): void {
    let message: BusMessage & { from?: string };
    try {
      message = JSON.parse(text);
    } catch {
      this.metrics.errors.inc({ stage: 'parse' });
      return this.logger.warn('unparsable bus message dropped');
    }
    if (message.from === this.instanceId) return;
    this.metrics.received.inc({ kind: ['event', 'chat', 'close'].includes(message.kind) ? message.kind : 'other' });
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (err) {
        this.metrics.errors.inc({ stage: 'handler' });
        this.logger.error({ err, kind: message.kind }, 'bus message handler failed');
      }
    }
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
