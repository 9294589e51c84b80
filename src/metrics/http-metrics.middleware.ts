import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Counts and times every HTTP request by method, matched route and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly requests;
  private readonly duration;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter('portcullis_http_requests_total', 'HTTP requests', ['method', 'route', 'status'] as const);
    this.duration = metrics.histogram('portcullis_http_request_duration_seconds', 'HTTP request duration', ['method', 'route'] as const,
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // The matched pattern, never the raw URL: ids and query strings would explode cardinality (and could hold a token).
      const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      this.duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  }
}
