import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { PublicUser, toPublicUser, UsersService } from '../users/users.service';
import { UpdateUserDto, UsersQueryDto } from './dto/admin.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { UserResponse } from '../users/dto/user.response';
import { UsersPageResponse } from './dto/admin.responses';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UsersPageResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() q: UsersQueryDto) {
    return this.users.list({ email: q.email, active: q.active }, q.limit, q.offset);
  }

  /** Deactivation keeps the sessions but every credential check now answers "inactive" (REST 403, sockets 4002). */
  @Patch(':id')
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 401, 403, 404)
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateUserDto, @CurrentUser() admin: AuthUser): Promise<PublicUser> {
    return toPublicUser(await this.users.update(id, dto, admin.userId));
  }
}
