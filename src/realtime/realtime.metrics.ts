import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

/** What the realtime layer counts, by method, result, endpoint and close code. */
@Injectable()
export class RealtimeMetrics {
  readonly authAttempts;
  readonly closes;
  readonly live;
  readonly prompts;
  readonly reauth;
  readonly expiryCloses;
  readonly revocationCloses;
  readonly revocationLatency;

  constructor(m: MetricsService) {
    this.authAttempts = m.counter('portcullis_ws_auth_attempts_total', 'WebSocket authentication attempts', ['method', 'result'] as const);
    this.closes = m.counter('portcullis_ws_closes_total', 'Server-initiated WebSocket closes', ['code', 'reason'] as const);
    this.live = m.gauge('portcullis_ws_connections', 'Live authenticated WebSocket connections', ['endpoint'] as const);
    this.prompts = m.counter('portcullis_ws_auth_required_total', 'auth_required prompts sent');
    this.reauth = m.counter('portcullis_ws_reauth_total', 'In-band re-authentications', ['result'] as const);
    this.expiryCloses = m.counter('portcullis_ws_expiry_closes_total', 'Sockets closed 4001 at token expiry without a re-auth');
    this.revocationCloses = m.counter('portcullis_ws_revocation_closes_total', 'Sockets closed by revocation', ['cause'] as const);
    this.revocationLatency = m.histogram('portcullis_ws_revocation_to_close_seconds', 'Time from revocation event to socket close sent',
      [] as const, [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2]);
  }
}
