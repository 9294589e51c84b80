import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { PublicUser, toPublicUser, UsersService } from '../users/users.service';
import { UpdateUserDto, UsersQueryDto } from './dto/admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  list(@Query() q: UsersQueryDto) {
    return this.users.list({ email: q.email, active: q.active }, q.limit, q.offset);
  }

  /** Deactivation keeps the sessions but every credential check now answers "inactive" (REST 403, sockets 4002). */
  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateUserDto, @CurrentUser() admin: AuthUser): Promise<PublicUser> {
    return toPublicUser(await this.users.update(id, dto, admin.userId));
  }
}
