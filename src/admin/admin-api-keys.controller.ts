import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from '../api-keys/api-keys.service';
import { CreateApiKeyDto } from './dto/admin.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { ApiKeyResponse, CreatedApiKeyResponse } from './dto/admin.responses';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/api-keys')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The response is the only place the secret ever appears; keep it out of caches. */
  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() dto: CreateApiKeyDto, @CurrentUser() admin: AuthUser, @Res({ passthrough: true }) res: Response): Promise<CreatedApiKey> {
    res.setHeader('Cache-Control', 'no-store');
    return this.keys.create(dto.name, admin.userId);
  }

  @Get()
  @ApiOkResponse({ type: [ApiKeyResponse] })
  @ApiErrors(401, 403)
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; sockets that used it close 4001' })
  @ApiErrors(400, 401, 403, 404)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.keys.revoke(id, admin.userId);
  }
}
