import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** The retention job finds expired sessions and refresh tokens by expires_at (tickets and audit rows already have theirs). */
export class RetentionIndexes1795911000000 implements MigrationInterface {
  name = 'RetentionIndexes1795911000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createIndex('sessions', new TableIndex({ name: 'idx_sessions_expires_at', columnNames: ['expires_at'] }));
    await qr.createIndex('refresh_tokens', new TableIndex({ name: 'idx_refresh_tokens_expires_at', columnNames: ['expires_at'] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('refresh_tokens', 'idx_refresh_tokens_expires_at');
    await qr.dropIndex('sessions', 'idx_sessions_expires_at');
  }
}
