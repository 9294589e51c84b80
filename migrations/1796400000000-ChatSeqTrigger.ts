import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQLite: storing a batch of chat messages is one statement (MessagesRepository's
 * appendSql, an INSERT ... SELECT that takes `conversations.last_seq + n`), and
 * this trigger moves `last_seq` up to each stored seq in that same statement,
 * so the seq bump and the insert are atomic even in autocommit. Messages
 * inserted any other way (the PostgreSQL path bumps first and inserts the seq
 * it got) find `last_seq` already there, and the trigger changes nothing.
 *
 * TypeORM rebuilds a SQLite table (copy, drop, rename) for some column
 * changes, which drops its triggers: a later migration that alters `messages`
 * must create this trigger again (MessagesRepository refuses to start
 * without it).
 *
 * PostgreSQL keeps its own path (the row lock of the seq bump orders
 * concurrent writers across processes) and gets no trigger.
 */
export class ChatSeqTrigger1796400000000 implements MigrationInterface {
  name = 'ChatSeqTrigger1796400000000';

  async up(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type !== 'sqlite') return;
    await qr.query(`CREATE TRIGGER trg_messages_last_seq AFTER INSERT ON messages FOR EACH ROW
      BEGIN UPDATE conversations SET last_seq = NEW.seq WHERE id = NEW.conversation_id AND last_seq < NEW.seq; END`);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (qr.connection.options.type !== 'sqlite') return;
    await qr.query(`DROP TRIGGER IF EXISTS trg_messages_last_seq`);
  }
}
