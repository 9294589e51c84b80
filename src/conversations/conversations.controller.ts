import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthUser, CurrentUser } from '../common/decorators/auth.decorators';
import { uuidOr404 } from '../common/pipes/uuid-or-404.pipe';
import { ConversationView, MemberView, MessageView } from './conversation.views';
import { ConversationsService } from './conversations.service';
import { AddMemberDto, CreateConversationDto, HistoryQueryDto } from './dto/conversation.dto';
import { ApiErrors } from '../common/openapi/api-errors';
import { ConversationDetailResponse, ConversationResponse, MemberAddedResponse, MessageResponse } from './dto/conversation.responses';

/** Conversations: a non-member sees any conversation as 404; member changes are the owner's (403 for other members). */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller('v1/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Post()
  @ApiCreatedResponse({ type: ConversationResponse })
  @ApiErrors(400, 401, 403)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateConversationDto): Promise<ConversationView> {
    return this.conversations.create(user.userId, dto.title);
  }

  @Get()
  @ApiOkResponse({ type: [ConversationResponse] })
  @ApiErrors(401, 403)
  list(@CurrentUser() user: AuthUser): Promise<ConversationView[]> {
    return this.conversations.listForMember(user.userId);
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@CurrentUser() user: AuthUser, @Param('id', uuidOr404('Conversation')) id: string) {
    return this.conversations.get(id, user.userId);
  }

  /** 201 whether or not the user was already a member (idempotent; `added` tells which). */
  @Post(':id/members')
  @HttpCode(201)
  @ApiCreatedResponse({ type: MemberAddedResponse })
  @ApiErrors(400, 401, 403, 404)
  addMember(
    @CurrentUser() user: AuthUser, @Param('id', uuidOr404('Conversation')) id: string, @Body() dto: AddMemberDto,
  ): Promise<MemberView & { added: boolean }> {
    return this.conversations.addMember(id, user.userId, { userId: dto.userId, email: dto.email });
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed; the member\'s sockets on it close 4003' })
  @ApiErrors(400, 401, 403, 404)
  removeMember(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidOr404('Conversation')) id: string,
    @Param('userId', uuidOr404('Member')) userId: string,
  ): Promise<void> {
    return this.conversations.removeMember(id, user.userId, userId);
  }

  @Get(':id/messages')
  @ApiOkResponse({ type: [MessageResponse], description: 'Ascending seq' })
  @ApiErrors(400, 401, 403, 404)
  history(
    @CurrentUser() user: AuthUser, @Param('id', uuidOr404('Conversation')) id: string, @Query() q: HistoryQueryDto,
  ): Promise<MessageView[]> {
    return this.conversations.history(id, user.userId, q.afterSeq, q.limit);
  }
}
