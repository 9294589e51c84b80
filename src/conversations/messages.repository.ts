import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { DatabaseMetrics } from '../database/database.metrics';
import { GroupCommitter } from '../database/group-commit';
import { SqliteStatements, sqliteDateTime } from '../database/sqlite-statements';
import { inTransaction, isUniqueViolation, nativeSql, serialized } from '../database/transactions';
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

/**
 * What the writer answers. On SQLite a refusal is told apart (CHECK) after the
 * batch's statement, still in the write lane so acks keep their order; a read
 * that fails there is carried out as `failed` rather than thrown, which would
 * make the committed batch run again item by item.
 */
type WriteResult = AppendResult | { kind: 'failed'; error: unknown };
type Rows = Array<Record<string, unknown>>;
/** Runs one of this file's statements (written with `?` placeholders) in the current transaction. */
type Run = (sql: string, params: unknown[]) => Promise<Rows>;

/** One SELECT answers existence, membership and the idempotency check. */
const CHECK = `SELECT c.id AS id,
    (SELECT COUNT(*) FROM conversation_members WHERE conversation_id = c.id AND user_id = ?) AS member,
    (SELECT id FROM messages WHERE conversation_id = c.id AND author_id = ? AND client_msg_id = ?) AS dup
  FROM conversations c WHERE c.id = ?`;
const NEXT_SEQ = 'UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq';
const INSERT = 'INSERT INTO messages (id, conversation_id, seq, author_id, client_msg_id, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)';
/** The statement's text by batch size, built once each (it is the prepared statement's key). */
const APPEND_SQL: string[] = [];
/**
 * SQLite: a whole batch of appends in one statement (`n` rows). Each row is
 * stored under its conversation's `last_seq` plus its rank among the batch's
 * accepted rows of that conversation, in submission order, only if the
 * conversation exists, the author is a member and the client id is unused;
 * the trigger of migration ChatSeqTrigger moves `last_seq` up within the same
 * statement. The ranking is materialised before the first insert, so it reads
 * `last_seq` as it was. A row not returned was refused: CHECK tells why. The
 * same client id twice in one batch fails the statement (unique violation)
 * and nothing of it is stored; each is then tried alone.
 */
const appendSql = (n: number): string => (APPEND_SQL[n] ??= `WITH v(ord, id, conversation_id, author_id, client_msg_id, content, created_at) AS (
    VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}),
  accepted AS MATERIALIZED (
    SELECT v.*, c.last_seq + ROW_NUMBER() OVER (PARTITION BY v.conversation_id ORDER BY v.ord) AS seq
    FROM v JOIN conversations c ON c.id = v.conversation_id
    WHERE EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = v.conversation_id AND m.user_id = v.author_id)
      AND NOT EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = v.conversation_id AND x.author_id = v.author_id AND x.client_msg_id = v.client_msg_id))
  INSERT INTO messages (id, conversation_id, seq, author_id, client_msg_id, content, created_at)
  SELECT id, conversation_id, seq, author_id, client_msg_id, content, created_at FROM accepted ORDER BY ord
  RETURNING id, seq`);
const SEQ_TRIGGER = 'trg_messages_last_seq';

/** Chat messages: the only place that queries them, and the one place a `seq` is handed out. */
@Injectable()
export class MessagesRepository implements OnModuleInit {
  private readonly writer: GroupCommitter<AppendInput, WriteResult>;
  /** SQLite: the append statement of each batch size and CHECK, each prepared once (see SqliteStatements). */
  private readonly sqlite?: SqliteStatements;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Message) private readonly messages: Repository<Message>,
    metrics: DatabaseMetrics,
  ) {
    if (db.options.type === 'sqlite') this.sqlite = new SqliteStatements(db, (sql, ok, seconds) => metrics.statement(sql, ok, seconds));
    this.writer = new GroupCommitter(db, {
      // SQLite: a batch is one statement, committed by itself; PostgreSQL: a transaction of appends.
      ...(this.sqlite
        ? { together: (inputs: AppendInput[]) => this.writeSqlite(inputs) }
        : { step: (m: EntityManager, input: AppendInput) => this.appendIn(m, input) }),
      alone: (input) => this.appendAlone(input),
      onCommit: (items, seconds) => metrics.chatCommit(items, seconds),
    });
  }

  /** SQLite: without the seq trigger, stored messages would not move `last_seq` and seqs would repeat; refuse to start instead. */
  async onModuleInit(): Promise<void> {
    if (!this.sqlite) return;
    const found = await this.db.query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = ?`, [SEQ_TRIGGER]);
    if (!found.length) {
      throw new Error(`SQLite: trigger ${SEQ_TRIGGER} is missing (migration ChatSeqTrigger1796400000000 creates it; a migration that rebuilds the messages table must create it again)`);
    }
  }

  /**
   * Stores a message under the next `seq` atomically: membership, the
   * idempotency check, the seq bump and the insert all commit together, so a
   * seq is never spent on a message that was not stored and there are no gaps
   * (PostgreSQL: one transaction; SQLite: one statement, committed by itself
   * or with its batch). Resolves only after the commit.
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
  async append(input: AppendInput): Promise<AppendResult> {
    const result = await this.writer.submit(this.db.options.type === 'postgres' ? input.conversationId : '', input);
    if (result.kind === 'failed') throw result.error;
    return result;
  }

  private async appendAlone(input: AppendInput): Promise<WriteResult> {
    // SQLite: one statement, atomic by itself: no BEGIN and COMMIT around it.
    if (this.sqlite) return (await this.writeSqlite([input]))[0];
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
   * PostgreSQL. Hand-written SQL: this runs once per chat message, and each
   * statement is a round trip to the server. Three: the check, the seq bump,
   * the insert.
   *
   * The seq bump is UPDATE ... RETURNING. Its row lock is held to commit, so
   * concurrent posters, from any instance, queue behind it and each reads
   * back its own increment: a seq is never handed out twice.
   */
  private async appendIn(m: EntityManager, input: AppendInput): Promise<AppendResult> {
    const { conversationId, authorId, clientMsgId, content } = input;
    const run: Run = (sql, params) => m.query(nativeSql(m, sql), params);
    const refused = await this.check(run, input, (id) => m.findOneByOrFail(Message, { id }));
    if (refused) return refused;

    // PostgreSQL answers an UPDATE through TypeORM as [rows, count].
    const [[bumped]] = (await run(NEXT_SEQ, [conversationId])) as unknown as [Rows, number];
    const message = Object.assign(new Message(), { conversationId, authorId, clientMsgId, content, seq: Number(bumped.last_seq), createdAt: new Date() });
    await run(INSERT, [message.id, conversationId, message.seq, authorId, clientMsgId, content, message.createdAt]);
    return { kind: 'stored', message };
  }

  /** SQLite: a batch (or one message) in the write queue every statement on the one connection goes through. */
  private writeSqlite(inputs: AppendInput[]): Promise<WriteResult[]> {
    return serialized(this.db, () => this.appendSqlite(inputs));
  }

  /**
   * SQLite: the batch in one prepared statement (one hop to the driver's
   * thread and one commit for all of it, where a transaction of three
   * statements per message took 3n + 2). Its checks and its writes see the
   * same state: everything on the one connection runs in the order queued.
   */
  private async appendSqlite(inputs: AppendInput[]): Promise<WriteResult[]> {
    const createdAt = new Date();
    const at = sqliteDateTime(createdAt);
    const messages = inputs.map((i) => Object.assign(new Message(), { ...i, createdAt }));
    const params = messages.flatMap((m, ord) => [ord, m.id, m.conversationId, m.authorId, m.clientMsgId, m.content, at]);
    const rows = await this.sqlite!.all(appendSql(messages.length), params);
    const seqs = new Map(rows.map((r) => [String(r.id), Number(r.seq)]));
    const out: WriteResult[] = [];
    for (const m of messages) {
      const seq = seqs.get(m.id);
      out.push(seq !== undefined ? { kind: 'stored', message: Object.assign(m, { seq }) } : await this.refusal(m).catch((error: unknown) => ({ kind: 'failed' as const, error })));
    }
    return out;
  }

  /** SQLite: why a message was not stored. */
  private async refusal(input: AppendInput): Promise<AppendResult> {
    const refused = await this.check((sql, params) => this.sqlite!.all(sql, params), input, (id) => this.messages.findOneByOrFail({ id }));
    if (refused) return refused;
    throw new Error('chat append stored nothing, yet the conversation, the membership and the client id all check out');
  }

  /** CHECK's verdict against storing `input`: the conversation missing, the author not a member, or the client id used (that message, read by `find`); undefined when none. */
  private async check(run: Run, { conversationId, authorId, clientMsgId }: AppendInput, find: (id: string) => Promise<Message>): Promise<AppendResult | undefined> {
    const [row] = await run(CHECK, [authorId, authorId, clientMsgId, conversationId]);
    if (!row) return { kind: 'missing' };
    if (!Number(row.member)) return { kind: 'forbidden' };
    if (row.dup) return { kind: 'duplicate', message: await find(String(row.dup)) };
    return undefined;
  }

  findByClientId(conversationId: string, authorId: string, clientMsgId: string): Promise<Message | null> {
    return this.messages.findOneBy({ conversationId, authorId, clientMsgId });
  }

  /** Ascending `seq`, strictly after `afterSeq`. */
  listAfter(conversationId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.messages.find({ where: { conversationId, seq: MoreThan(afterSeq) }, order: { seq: 'ASC' }, take: limit });
  }
}
