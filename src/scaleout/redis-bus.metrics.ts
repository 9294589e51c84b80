import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The Redis bus's counters. Registered whether or not REDIS_URL is set, so a
 * dashboard's queries are valid against every instance (a single instance
 * simply reports nothing on them).
 */
@Injectable()
export class RedisBusMetrics {
  readonly published;
  readonly received;
  readonly errors;
  readonly reconnects;

  constructor(metrics: MetricsService) {
    this.published = metrics.counter('portcullis_redis_bus_published_total', 'Messages this instance published on the Redis bus', ['kind'] as const);
    this.received = metrics.counter('portcullis_redis_bus_received_total', 'Messages from other instances received on the Redis bus', ['kind'] as const);
    this.errors = metrics.counter('portcullis_redis_bus_errors_total', 'Redis bus failures by stage: connection, publish, parse, handler', ['stage'] as const);
    this.reconnects = metrics.counter('portcullis_redis_reconnects_total', 'Reconnection attempts to Redis by connection', ['role'] as const);
  }
}
