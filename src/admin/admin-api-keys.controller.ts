import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AuthUser, CurrentUser, Roles } from '../common/decorators/auth.decorators';
import { ApiKeysService, ApiKeyView, CreatedApiKey } from '../api-keys/api-keys.service';
import { CreateApiKeyDto } from './dto/admin.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/api-keys')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** The response is the only place the secret ever appears; keep it out of caches. */
  @Post()
  @HttpCode(201)
  create(@Body() dto: CreateApiKeyDto, @CurrentUser() admin: AuthUser, @Res({ passthrough: true }) res: Response): Promise<CreatedApiKey> {
    res.setHeader('Cache-Control', 'no-store');
    return this.keys.create(dto.name, admin.userId);
  }

  @Get()
  list(): Promise<ApiKeyView[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', ParseUUIDPipe) id: string, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.keys.revoke(id, admin.userId);
  }
}
