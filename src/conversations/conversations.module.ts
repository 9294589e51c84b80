import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { Conversation, ConversationMember, Message } from './conversation.entity';
import { ConversationsController } from './conversations.controller';
import { ConversationsRepository } from './conversations.repository';
import { ConversationsService } from './conversations.service';
import { MembershipCache } from './membership.cache';
import { MessagesRepository } from './messages.repository';

@Module({
  imports: [TypeOrmModule.forFeature([Conversation, ConversationMember, Message]), UsersModule],
  controllers: [ConversationsController],
  providers: [ConversationsRepository, MessagesRepository, ConversationsService, MembershipCache],
  exports: [ConversationsService],
})
export class ConversationsModule {}
