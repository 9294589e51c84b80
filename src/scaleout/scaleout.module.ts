import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { GatewaysModule } from '../gateways/gateways.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { SessionsModule } from '../sessions/sessions.module';
import { RedisBus } from './redis-bus';
import { RedisBusMetrics } from './redis-bus.metrics';
import { RedisConnectionDirectory } from './redis-connection-directory';
import { RevocationSyncService } from './revocation-sync.service';
import { ScaleoutRelayService } from './scaleout-relay.service';

/**
 * Cross-instance fan-out, revocation and the live-connection directory over
 * Redis, with revocation also read from the database (RevocationSyncService). Without REDIS_URL it provides nothing and every seam stays local.
 * Global so that HealthController can see RedisBus (optionally).
 */
@Global()
@Module({})
export class ScaleoutModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.redis.url) return { module: ScaleoutModule, providers: [RedisBusMetrics] };
    return {
      module: ScaleoutModule,
      imports: [RealtimeModule, GatewaysModule, SessionsModule],
      providers: [RedisBus, RedisBusMetrics, ScaleoutRelayService, RedisConnectionDirectory, RevocationSyncService],
      exports: [RedisBus],
    };
  }
}
