import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * REFRESH_REUSE_GRACE_S: a spent refresh token keeps the pair it was exchanged
 * for, sealed under a key derived from the spent token itself, so a second
 * presentation within the grace returns that same pair. Null when the grace is 0.
 */
export class RefreshReplay1796300000000 implements MigrationInterface {
  name = 'RefreshReplay1796300000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.addColumn('refresh_tokens', new TableColumn({ name: 'replay', type: 'text', isNullable: true }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('refresh_tokens', 'replay');
  }
}
