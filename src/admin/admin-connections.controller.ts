import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID } from 'class-validator';
import { Roles } from '../common/decorators/auth.decorators';
import { NotFoundError } from '../common/errors/domain-errors';
import { ADMIN_CLOSE_CODES, CLOSE, CloseSpec } from '../realtime/close-codes';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { SessionLifecycleService } from '../realtime/session-lifecycle.service';

class ListConnectionsQuery {
  @IsOptional() @IsUUID() userId?: string;
}

class CloseConnectionQuery {
  @IsOptional() @Type(() => Number) @IsInt() @IsIn([...ADMIN_CLOSE_CODES]) code?: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/connections')
export class AdminConnectionsController {
  constructor(private readonly registry: ConnectionRegistry, private readonly lifecycle: SessionLifecycleService) {}

  /** Live authenticated sockets of this instance (every instance once scaled out on Redis). */
  @Get()
  list(@Query() q: ListConnectionsQuery) {
    return this.registry.list({ userId: q.userId });
  }

  /** Closes one socket, 4001 unless another documented code is chosen. */
  @Delete(':id')
  @HttpCode(204)
  close(@Param('id') id: string, @Query() q: CloseConnectionQuery): void {
    const spec: CloseSpec = Object.values(CLOSE).find((c) => c.code === (q.code ?? 4001)) ?? CLOSE.UNAUTHENTICATED;
    if (!this.lifecycle.closeById(id, spec)) throw new NotFoundError('Connection');
  }
}
