import { Controller, Get, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/auth.decorators';
import { RedisBus } from '../scaleout/redis-bus';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  private readonly checks: HealthIndicatorFunction[];

  constructor(
    private readonly health: HealthCheckService,
    db: TypeOrmHealthIndicator,
    indicators: HealthIndicatorService,
    // Present only when scaled out (REDIS_URL).
    @Optional() redis?: RedisBus,
  ) {
    this.checks = [() => db.pingCheck('database', { timeout: 1500 })];
    if (redis) {
      this.checks.push(async () => {
        const redisCheck = indicators.check('redis');
        return (await redis.ping()) ? redisCheck.up() : redisCheck.down({ message: 'Redis did not answer PING' });
      });
    }
  }

  /** Liveness: the process answers. */
  @Get()
  live() {
    return { status: 'ok' };
  }

  /** Readiness: each dependency's state (database, and Redis when scaled out); 503 when one is down. */
  @Get('full')
  @HealthCheck()
  full() {
    return this.health.check(this.checks);
  }
}
