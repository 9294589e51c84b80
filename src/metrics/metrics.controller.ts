import { Controller, Get, Header, Headers, UnauthorizedException } from '@nestjs/common';
import { ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { Public } from '../common/decorators/auth.decorators';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService, private readonly config: AppConfig) {}

  @Public()
  @ApiSecurity('metricsToken')
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors(401)
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  render(@Headers('authorization') authorization?: string): Promise<string> {
    const expected = this.config.app.metricsToken;
    if (expected && !safeEqual(authorization ?? '', `Bearer ${expected}`)) throw new UnauthorizedException('Metrics token required');
    return this.metrics.render();
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
