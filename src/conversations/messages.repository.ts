import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { DatabaseMetrics } from '../database/database.metrics';
import { GroupCommitter } from '../database/group-commit';
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
  private readonly writer: GroupCommitter<AppendInput, AppendResult>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    metrics: DatabaseMetrics,
  ) {
    this.writer = new GroupCommitter(db, {
      step: (m, input) => this.appendIn(m, input), alone: (input) => this.appendAlone(input),
      onCommit: (items, seconds) => metrics.chatCommit(items, seconds),
    });
  }

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
   *
   * Messages are group-committed (see GroupCommitter): those that arrive while
   * a commit is under way share the next transaction, in arrival order. The
   * lane is the whole database on SQLite (it has one connection and queues
   * every transaction anyway) and the conversation on PostgreSQL, where other
   * conversations' writes go on in parallel. Calls made in order get their seq
   * in that order: the queueing is synchronous.
   */
  append(input: AppendInput): Promise<AppendResult> {
    return this.writer.submit(this.db.options.type === 'postgres' ? input.conversationId : '', input);
  }

  private async appendAlone(input: AppendInput): Promise<AppendResult> {
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
   * round trip to the driver (on SQLite, a hop to its worker thread). Three:
   * one SELECT answers existence, membership and the idempotency check; the
   * seq bump; the insert.
   */
  private async appendIn(m: EntityManager, input: AppendInput): Promise<AppendResult> {
    const { conversationId, authorId, clientMsgId, content } = input;
    const [check] = await m.query(nativeSql(m, `SELECT c.last_seq AS last_seq,
        (SELECT COUNT(*) FROM conversation_members WHERE conversation_id = c.id AND user_id = ?) AS member,
        (SELECT id FROM messages WHERE conversation_id = c.id AND author_id = ? AND client_msg_id = ?) AS dup
      FROM conversations c WHERE c.id = ?`),
      [authorId, authorId, clientMsgId, conversationId]);
    if (!check) return { kind: 'missing' };
    if (!Number(check.member)) return { kind: 'forbidden' };
    if (check.dup) return { kind: 'duplicate', message: (await m.findOneByOrFail(Message, { id: check.dup })) };

    const seq = await this.nextSeq(m, conversationId, Number(check.last_seq));
    const message = m.create(Message, { conversationId, authorId, clientMsgId, content, seq, createdAt: new Date() });
    const at = m.connection.options.type === 'postgres' ? message.createdAt : message.createdAt.toISOString().replace('T', ' ').replace('Z', '');
    await m.query(nativeSql(m, 'INSERT INTO messages (id, conversation_id, seq, author_id, client_msg_id, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      [message.id, conversationId, message.seq, authorId, clientMsgId, content, at]);
    return { kind: 'stored', message };
  }

  /**
   * Bumps the conversation's counter and answers the new seq.
   *
   * PostgreSQL: UPDATE ... RETURNING, whose row lock (held to commit) queues
   * concurrent posters from every instance, each reading back its own
   * increment. SQLite: the increment of what this transaction's SELECT read.
   * Nothing in this process writes between the two (transactions run one at a
   * time, see inTransaction), and a write by another process in between makes
   * SQLite refuse this one (a WAL read snapshot cannot be upgraded once stale:
   * SQLITE_BUSY), so a seq is never handed out twice. (Not RETURNING there:
   * TypeORM's SQLite runner drops the rows of any statement starting "UPDATE ".)
   */
  private async nextSeq(m: EntityManager, conversationId: string, lastSeq: number): Promise<number> {
    if (m.connection.options.type === 'postgres') {
      const [rows] = await m.query('UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq', [conversationId]);
      return Number(rows[0].last_seq);
    }
    await m.query('UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ?', [conversationId]);
    return lastSeq + 1;
  }

  findByClientId(conversationId: string, authorId: string, clientMsgId: string): Promise<Message | null> {
    return this.messages.findOneBy({ conversationId, authorId, clientMsgId });
  }

  /** Ascending `seq`, strictly after `afterSeq`. */
  listAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.messages.find({ where: { conversationId, seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: limit });
  }
}
