import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per app instance (not prom-client's global), so tests can run several apps in one process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    // Unprefixed: process_cpu_seconds_total, nodejs_heap_size_used_bytes... are the names standard Node dashboards query.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Metric factories are idempotent by name, so two providers may declare the same metric. */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return (this.registry.getSingleMetric(name) as Counter<L>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return (this.registry.getSingleMetric(name) as Gauge<L>) ?? new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return (this.registry.getSingleMetric(name) as Histogram<L>)
      ?? new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
