import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID } from 'class-validator';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { NotFoundError } from '../common/errors/domain-errors';
import { uuidOr404 } from '../common/pipes/uuid-or-404.pipe';
import { ADMIN_CLOSE_CODES, adminClose, CLOSE } from '../realtime/close-codes';
import { ConnectionDirectory } from '../realtime/connection-directory';
import { ApiErrors } from '../common/openapi/api-errors';
import { ConnectionResponse } from './dto/admin.responses';

class ListConnectionsQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this user\'s sockets' }) @IsOptional() @IsUUID() userId?: string;
}

class CloseConnectionQuery {
  @ApiPropertyOptional({ enum: [...ADMIN_CLOSE_CODES], default: CLOSE.UNAUTHENTICATED.code, description: 'The close code the socket gets' })
  @IsOptional() @Type(() => Number) @IsInt()
  @IsIn([...ADMIN_CLOSE_CODES], { message: `code must be a documented close code: ${ADMIN_CLOSE_CODES.join(', ')}` })
  code?: number;
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/connections')
export class AdminConnectionsController {
  constructor(private readonly directory: ConnectionDirectory) {}

  /** Live authenticated sockets of this instance (every instance once scaled out on Redis, each with its instanceId). */
  @Get()
  @ApiOkResponse({ type: [ConnectionResponse] })
  @ApiErrors(400, 401, 403)
  list(@Query() q: ListConnectionsQuery) {
    return this.directory.list({ userId: q.userId });
  }

  /** Closes one socket, 4001 unless another documented code is chosen. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The socket got an error frame and the close code' })
  @ApiErrors(400, 401, 403, 404)
  async close(@Param('id', uuidOr404('Connection')) id: string, @Query() q: CloseConnectionQuery, @CurrentUser() admin: AuthUser): Promise<void> {
    if (!(await this.directory.close(id, adminClose(q.code ?? CLOSE.UNAUTHENTICATED.code), admin.userId))) throw new NotFoundError('Connection');
  }
}
