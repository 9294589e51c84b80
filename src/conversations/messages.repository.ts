import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { inTransaction, isUniqueViolation } from '../database/transactions';
import { Conversation, ConversationMember, Message } from './conversation.entity';

export interface AppendInput {
  conversationId: string;
  authorId: string;
  clientMsgId: string;
  content: string;
}

export type AppendResult =
  | { kind: 'stored'; message: Message }
  | { kind: 'duplicate'; message: Message }
  | { kind: 'missing' }
  | { kind: 'forbidden' };

/** Chat messages: the only place that queries them, and the one place a `seq` is handed out. */
@Injectable()
export class MessagesRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
  ) {}

  /**
   * Stores a message under the next `seq`, in one transaction: membership, the
   * idempotency check, the seq bump and the insert all commit together, so a
   * seq is never spent on a message that was not stored and there are no gaps.
   * Resolves only after the commit.
   *
   * Checks run before any write, so a refusal or a duplicate never rolls back
   * (on SQLite a rollback is best avoided; see inTransaction). The one write-time
   * failure we expect is a unique violation on (conversation, author,
   * client_msg_id) when the same client id races in on PostgreSQL: the loser
   * rolls back (its seq bump with it) and answers with the winner's message.
   */
  async append(input: AppendInput): Promise<AppendResult> {
    try {
      return await inTransaction(this.db, (m) => this.appendIn(m, input));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const existing = await this.findByClientId(input.conversationId, input.authorId, input.clientMsgId);
      if (existing) return { kind: 'duplicate', message: existing };
      throw err;
    }
  }

  private async appendIn(m: EntityManager, input: AppendInput): Promise<AppendResult> {
    const { conversationId, authorId, clientMsgId, content } = input;
    if (!(await m.existsBy(Conversation, { id: conversationId }))) return { kind: 'missing' };
    if (!(await m.existsBy(ConversationMember, { conversationId, userId: authorId }))) return { kind: 'forbidden' };
    const existing = await m.findOneBy(Message, { conversationId, authorId, clientMsgId });
    if (existing) return { kind: 'duplicate', message: existing };

    // The UPDATE takes the conversation's row lock on PostgreSQL (held to commit), so
    // concurrent posters queue here and each reads back its own increment. Not
    // UPDATE ... RETURNING: TypeORM's SQLite runner drops the rows of any statement
    // that starts with "UPDATE ".
    const bumped = await m.createQueryBuilder().update(Conversation)
      .set({ lastSeq: () => 'last_seq + 1' }).where('id = :id', { id: conversationId }).execute();
    if (!bumped.affected) return { kind: 'missing' };
    const { lastSeq } = await m.findOneOrFail(Conversation, { where: { id: conversationId }, select: { id: true, lastSeq: true } });

    const message = m.create(Message, { conversationId, authorId, clientMsgId, content, seq: lastSeq, createdAt: new Date() });
    await m.insert(Message, message);
    return { kind: 'stored', message };
  }

  findByClientId(conversationId: string, authorId: string, clientMsgId: string): Promise<Message | null> {
    return this.messages.findOneBy({ conversationId, authorId, clientMsgId });
  }

  /** Ascending `seq`, strictly after `afterSeq`. */
  listAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.messages.find({ where: { conversationId, seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: limit });
  }
}
