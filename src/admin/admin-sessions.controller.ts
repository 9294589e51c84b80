import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { SessionsService, SessionView } from '../sessions/sessions.service';
import { SessionsQueryDto } from './dto/admin.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { SessionResponse } from './dto/admin.responses';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/sessions')
export class AdminSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOkResponse({ type: [SessionResponse], description: 'Live sessions, newest first' })
  @ApiErrors(400, 401, 403)
  list(@Query() q: SessionsQueryDto): Promise<SessionView[]> {
    return this.sessions.listActive({ userId: q.userId, limit: q.limit });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; its sockets close 4001' })
  @ApiErrors(400, 401, 403, 404)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.sessions.revokeByAdmin(id, admin.userId);
  }
}
