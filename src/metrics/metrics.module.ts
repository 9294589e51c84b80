import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DatabaseMetrics } from '../database/database.metrics';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({ providers: [MetricsService, DatabaseMetrics], controllers: [MetricsController], exports: [MetricsService, DatabaseMetrics] })
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
