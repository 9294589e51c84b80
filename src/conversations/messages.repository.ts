import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { inTransaction, isUniqueViolation, nativeSql } from '../database/transactions';
import { Message } from './conversation.entity';

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

  /**
   * Hand-written SQL: this runs once per chat message, and each statement is a
   * round trip to the driver. One SELECT answers membership, existence and the
   * idempotency check together; then the seq bump, its read-back and the insert.
   */
  private async appendIn(m: EntityManager, input: AppendInput): Promise<AppendResult> {
    const { conversationId, authorId, clientMsgId, content } = input;
    const [check] = await m.query(nativeSql(m, `SELECT
        (SELECT COUNT(*) FROM conversations WHERE id = ?) AS conv,
        (SELECT COUNT(*) FROM conversation_members WHERE conversation_id = ? AND user_id = ?) AS member,
        (SELECT id FROM messages WHERE conversation_id = ? AND author_id = ? AND client_msg_id = ?) AS dup`),
      [conversationId, conversationId, authorId, conversationId, authorId, clientMsgId]);
    if (!Number(check.conv)) return { kind: 'missing' };
    if (!Number(check.member)) return { kind: 'forbidden' };
    if (check.dup) return { kind: 'duplicate', message: (await m.findOneByOrFail(Message, { id: check.dup })) };

    // The UPDATE takes the conversation's row lock on PostgreSQL (held to commit), so
    // concurrent posters queue here and each reads back its own increment. Not
    // UPDATE ... RETURNING: TypeORM's SQLite runner drops the rows of any statement
    // that starts with "UPDATE ".
    await m.query(nativeSql(m, 'UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?'), [conversationId]);
    const [{ last_seq: lastSeq }] = await m.query(nativeSql(m, 'SELECT last_seq FROM conversations WHERE id = ?'), [conversationId]);
    const message = m.create(Message, { conversationId, authorId, clientMsgId, content, seq: Number(lastSeq), createdAt: new Date() });
    const at = m.connection.options.type === 'postgres' ? message.createdAt : message.createdAt.toISOString().replace('T', ' ').replace('Z', '');
    await m.query(nativeSql(m, 'INSERT INTO messages (id, conversation_id, seq, author_id, client_msg_id, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      [message.id, conversationId, message.seq, authorId, clientMsgId, content, at]);
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
