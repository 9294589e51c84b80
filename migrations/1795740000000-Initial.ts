import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex, TableUnique } from 'typeorm';

/** Written with the Table API so one migration serves SQLite and PostgreSQL alike. */
export class Initial1795740000000 implements MigrationInterface {
  name = 'Initial1795740000000';

  async up(qr: QueryRunner): Promise<void> {
    const ts = qr.connection.options.type === 'postgres' ? 'timestamp' : 'datetime';
    const now = qr.connection.options.type === 'postgres' ? 'now()' : "datetime('now')";
    const id = (name = 'id'): TableColumnOptions => ({ name, type: 'varchar', length: '36', isPrimary: true });
    const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: '36', isNullable: nullable });
    const at = (name: string, nullable = false): TableColumnOptions =>
      nullable ? { name, type: ts, isNullable: true } : { name, type: ts, default: now };
    const str = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

    await qr.createTable(new Table({ name: 'users', columns: [
      id(), { ...str('email', 320), isUnique: true }, str('password_hash', 255), str('display_name', 100, true),
      { ...str('role', 16), default: "'user'" }, { name: 'active', type: 'boolean', default: true }, at('created_at'), at('updated_at'),
    ] }));
    await qr.createTable(new Table({ name: 'sessions', columns: [
      id(), ref('user_id'), at('created_at'), { name: 'expires_at', type: ts }, at('revoked_at', true), str('revoked_reason', 64, true),
      str('ip', 64, true), str('user_agent', 255, true),
    ], indices: [new TableIndex({ columnNames: ['user_id'] })] }));
    await qr.createTable(new Table({ name: 'refresh_tokens', columns: [
      id(), ref('session_id'), { ...str('token_hash', 64), isUnique: true }, at('created_at'), { name: 'expires_at', type: ts }, at('used_at', true),
    ], indices: [new TableIndex({ columnNames: ['session_id'] })] }));
    await qr.createTable(new Table({ name: 'ws_tickets', columns: [
      id(), { ...str('token_hash', 64), isUnique: true }, ref('session_id'), ref('user_id'), at('created_at'),
      { name: 'expires_at', type: ts }, { name: 'auth_expires_at', type: ts }, at('used_at', true),
    ], indices: [new TableIndex({ columnNames: ['expires_at'] })] }));
    await qr.createTable(new Table({ name: 'entries', columns: [
      id(), ref('owner_id'), str('title', 200), { name: 'content', type: 'text' }, at('created_at'), at('updated_at'),
    ], indices: [new TableIndex({ columnNames: ['owner_id'] })] }));
    await qr.createTable(new Table({ name: 'conversations', columns: [
      id(), ref('owner_id'), str('title', 200), { name: 'last_seq', type: 'integer', default: 0 }, at('created_at'),
    ], indices: [new TableIndex({ columnNames: ['owner_id'] })] }));
    await qr.createTable(new Table({ name: 'conversation_members', columns: [
      id('conversation_id'), id('user_id'), at('added_at'),
    ], indices: [new TableIndex({ columnNames: ['user_id'] })] }));
    await qr.createTable(new Table({ name: 'messages', columns: [
      id(), ref('conversation_id'), { name: 'seq', type: 'integer' }, ref('author_id'), str('client_msg_id', 128),
      { name: 'content', type: 'text' }, at('created_at'),
    ], uniques: [
      new TableUnique({ name: 'uq_messages_conversation_seq', columnNames: ['conversation_id', 'seq'] }),
      new TableUnique({ name: 'uq_messages_client_id', columnNames: ['conversation_id', 'author_id', 'client_msg_id'] }),
    ] }));
    await qr.createTable(new Table({ name: 'api_keys', columns: [
      id(), str('name', 100), str('prefix', 16), { ...str('key_hash', 64), isUnique: true }, ref('created_by'), at('created_at'),
      at('last_used_at', true), at('revoked_at', true),
    ] }));
    await qr.createTable(new Table({ name: 'audit_events', columns: [
      id(), str('type', 64), ref('user_id', true), ref('session_id', true), str('ip', 64, true), str('reason', 255, true),
      { name: 'detail', type: 'text', isNullable: true }, at('created_at'),
    ], indices: [
      new TableIndex({ columnNames: ['type'] }), new TableIndex({ columnNames: ['user_id'] }), new TableIndex({ columnNames: ['created_at'] }),
    ] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['audit_events', 'api_keys', 'messages', 'conversation_members', 'conversations', 'entries', 'ws_tickets', 'refresh_tokens', 'sessions', 'users']) {
      await qr.dropTable(t);
    }
  }
}
