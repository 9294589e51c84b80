import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** Frames and bytes both ways, kept as plain numbers on the per-frame path and read into counters at scrape time. */
export interface WsTraffic { framesIn: number; bytesIn: number; framesOut: number; bytesOut: number }

/** What the realtime layer counts, by method, result, endpoint and close code. */
@Injectable()
export class RealtimeMetrics {
  readonly closes;
  readonly prompts;
  readonly reauth;
  readonly expiryCloses;
  readonly revocationCloses;
  readonly revocationLatency;
  readonly traffic: WsTraffic = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0 };
  /**
   * What every connect and close counts, kept as plain numbers and read into
   * their metrics at scrape time, as the traffic is: prom-client's `inc` hashes
   * the label set on every call, even a label child's (~1 µs a call; two or
   * three calls a connect). By method, then result; by endpoint.
   */
  private readonly authCounts = new Map<string, Map<string, number>>();
  private readonly liveCounts = new Map<string, number>();
  /** Sockets open but not yet authenticated (what WS_MAX_UNAUTHENTICATED and the per-address share bound); read at scrape. */
  unauthenticated: () => number = () => 0;

  constructor(m: MetricsService) {
    // A metric whose values are read at scrape time, made once per registry.
    const scraped = (name: string, make: (registers: Registry[]) => unknown) => m.registry.getSingleMetric(name) ?? make([m.registry]);
    const authCounts = this.authCounts;
    scraped('portcullis_ws_auth_attempts_total', (registers) => new Counter({
      name: 'portcullis_ws_auth_attempts_total', help: 'WebSocket authentication attempts', labelNames: ['method', 'result'], registers,
      collect() {
        this.reset();
        for (const [method, byResult] of authCounts) for (const [result, n] of byResult) this.inc({ method, result }, n);
      },
    }));
    this.closes = m.counter('portcullis_ws_closes_total', 'Server-initiated WebSocket closes', ['code', 'reason'] as const);
    const liveCounts = this.liveCounts;
    scraped('portcullis_ws_connections', (registers) => new Gauge({
      name: 'portcullis_ws_connections', help: 'Live authenticated WebSocket connections', labelNames: ['endpoint'], registers,
      collect() { for (const [endpoint, n] of liveCounts) this.set({ endpoint }, n); },
    }));
    this.prompts = m.counter('portcullis_ws_auth_required_total', 'auth_required prompts sent');
    this.reauth = m.counter('portcullis_ws_reauth_total', 'In-band re-authentications', ['result'] as const);
    this.expiryCloses = m.counter('portcullis_ws_expiry_closes_total', 'Sockets closed 4001 at token expiry without a re-auth');
    this.revocationCloses = m.counter('portcullis_ws_revocation_closes_total', 'Sockets closed by revocation', ['cause'] as const);
    this.revocationLatency = m.histogram('portcullis_ws_revocation_to_close_seconds', 'Time from revocation event to socket close sent',
      [] as const, [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2]);
    const traffic = this.traffic;
    const total = (name: string, help: string, read: () => number) => scraped(name, (registers) => new Counter({
      name, help, registers,
      collect() { this.reset(); this.inc(read()); },
    }));
    total('portcullis_ws_frames_received_total', 'WebSocket frames received', () => traffic.framesIn);
    total('portcullis_ws_received_bytes_total', 'WebSocket payload bytes received', () => traffic.bytesIn);
    total('portcullis_ws_frames_sent_total', 'WebSocket frames sent', () => traffic.framesOut);
    total('portcullis_ws_sent_bytes_total', 'WebSocket payload bytes sent', () => traffic.bytesOut);
    const unauthenticated = () => this.unauthenticated();
    scraped('portcullis_ws_unauthenticated_sockets', (registers) => new Gauge({
      name: 'portcullis_ws_unauthenticated_sockets', help: 'WebSocket connections open but not yet authenticated', registers,
      collect() { this.set(unauthenticated()); },
    }));
  }

  authAttempt(method: string, result: string): void {
    let byResult = this.authCounts.get(method);
    if (!byResult) this.authCounts.set(method, (byResult = new Map()));
    byResult.set(result, (byResult.get(result) ?? 0) + 1);
  }

  liveChanged(endpoint: string, delta: 1 | -1): void {
    this.liveCounts.set(endpoint, (this.liveCounts.get(endpoint) ?? 0) + delta);
  }
}
