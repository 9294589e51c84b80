import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { SessionsService, SessionView } from '../sessions/sessions.service';
import { SessionsQueryDto } from './dto/admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/sessions')
export class AdminSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  list(@Query() q: SessionsQueryDto): Promise<SessionView[]> {
    return this.sessions.listActive({ userId: q.userId, limit: q.limit });
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.sessions.revokeByAdmin(id, admin.userId);
  }
}
