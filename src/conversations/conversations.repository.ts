import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { inTransaction, isUniqueViolation } from '../database/transactions';
import { Conversation, ConversationMember } from './conversation.entity';

/** Conversations and their members: the only place that queries them. */
@Injectable()
export class ConversationsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Conversation) private readonly conversations: Repository<Conversation>,
    @InjectRepository(ConversationMember) private readonly members: Repository<ConversationMember>,
  ) {}

  /** The owner is a member from the first moment: both rows or neither. */
  insertWithOwner(ownerId: string, title: string): Promise<Conversation> {
    return inTransaction(this.db, async (m) => {
      const saved = await m.save(Conversation, m.create(Conversation, { ownerId, title, lastSeq: 0 }));
      await m.insert(ConversationMember, m.create(ConversationMember, { conversationId: saved.id, userId: ownerId }));
      return saved;
    });
  }

  findById(id: string): Promise<Conversation | null> {
    return this.conversations.findOneBy({ id });
  }

  isMember(conversationId: string, userId: string): Promise<boolean> {
    return this.members.existsBy({ conversationId, userId });
  }

  listForMember(userId: string): Promise<Conversation[]> {
    return this.conversations.createQueryBuilder('c')
      .innerJoin(ConversationMember, 'm', 'm.conversation_id = c.id AND m.user_id = :userId', { userId })
      .orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'ASC')
      .getMany();
  }

  listMembers(conversationId: string): Promise<ConversationMember[]> {
    return this.members.find({ where: { conversationId }, order: { addedAt: 'ASC', userId: 'ASC' } });
  }

  /** Idempotent: `added` is false when the user already was a member (including when a concurrent add won). */
  async addMember(conversationId: string, userId: string): Promise<{ member: ConversationMember; added: boolean }> {
    const existing = await this.members.findOneBy({ conversationId, userId });
    if (existing) return { member: existing, added: false };
    try {
      await this.members.insert(this.members.create({ conversationId, userId }));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return { member: (await this.members.findOneByOrFail({ conversationId, userId })), added: false };
    }
    return { member: await this.members.findOneByOrFail({ conversationId, userId }), added: true };
  }

  /** True when a membership row was deleted. */
  async removeMember(conversationId: string, userId: string): Promise<boolean> {
    const res = await this.members.delete({ conversationId, userId });
    return Boolean(res.affected);
  }
}
