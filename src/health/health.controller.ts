import { Controller, Get, Optional } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/auth.decorators';
import { RedisBus } from '../scaleout/redis-bus';

class LivenessResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

/** Terminus' report: each dependency under info (up) or error (down), all of them under details. */
class ReadinessResponse {
  @ApiProperty({ enum: ['ok', 'error'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { database: { status: 'up' }, redis: { status: 'up' } } }) info: object;
  @ApiProperty({ type: 'object', additionalProperties: true, example: {} }) error: object;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: object;
}

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
  @ApiOkResponse({ type: LivenessResponse })
  live() {
    return { status: 'ok' };
  }

  /** Readiness: each dependency's state (database, and Redis when scaled out); 503 when one is down. */
  @Get('full')
  @HealthCheck()
  @ApiOkResponse({ type: ReadinessResponse })
  @ApiServiceUnavailableResponse({ type: ReadinessResponse, description: 'A dependency is down; the body says which (plus statusCode, error, message)' })
  full() {
    return this.health.check(this.checks);
  }
}
