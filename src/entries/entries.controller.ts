import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/auth.decorators';
import { uuidOr404 } from '../common/pipes/uuid-or-404.pipe';
import { CreateEntryDto, ListEntriesQueryDto, UpdateEntryDto } from './dto/entry.dto';
import { EntriesService, EntryView } from './entries.service';
import { ApiErrors } from '../common/openapi/api-errors';
import { EntryResponse } from './dto/entry.response';

/** Journal entries; every route is scoped to the caller, and another user's entry is 404. */
@ApiTags('entries')
@ApiBearerAuth()
@Controller('v1/entries')
export class EntriesController {
  constructor(private readonly entries: EntriesService) {}

  @Post()
  @ApiCreatedResponse({ type: EntryResponse })
  @ApiErrors(400, 401, 403)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateEntryDto): Promise<EntryView> {
    return this.entries.create(user.userId, dto);
  }

  @Get()
  @ApiOkResponse({ type: [EntryResponse] })
  @ApiErrors(400, 401, 403)
  list(@CurrentUser() user: AuthUser, @Query() q: ListEntriesQueryDto): Promise<EntryView[]> {
    return this.entries.list(user.userId, q);
  }

  @Get(':id')
  @ApiOkResponse({ type: EntryResponse })
  @ApiErrors(401, 403, 404)
  get(@CurrentUser() user: AuthUser, @Param('id', uuidOr404('Entry')) id: string): Promise<EntryView> {
    return this.entries.get(id, user.userId);
  }

  @Patch(':id')
  @ApiOkResponse({ type: EntryResponse })
  @ApiErrors(400, 401, 403, 404)
  update(@CurrentUser() user: AuthUser, @Param('id', uuidOr404('Entry')) id: string, @Body() dto: UpdateEntryDto): Promise<EntryView> {
    return this.entries.update(id, user.userId, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; sockets streaming it close 4004' })
  @ApiErrors(401, 403, 404)
  remove(@CurrentUser() user: AuthUser, @Param('id', uuidOr404('Entry')) id: string): Promise<void> {
    return this.entries.remove(id, user.userId);
  }
}
