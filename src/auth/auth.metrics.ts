import { Injectable } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';

@Injectable()
export class AuthMetrics {
  private readonly logins;
  private readonly refreshes;

  constructor(metrics: MetricsService) {
    this.logins = metrics.counter('portcullis_auth_login_total', 'Login attempts by result', ['result'] as const);
    this.refreshes = metrics.counter('portcullis_auth_refresh_total', 'Refresh attempts by result', ['result'] as const);
  }

  login(result: string): void {
    this.logins.inc({ result });
  }

  refresh(result: string): void {
    this.refreshes.inc({ result });
  }
}
