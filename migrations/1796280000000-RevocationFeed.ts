import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * A feed of revocations that instances read from the database, so a revocation
 * reaches every instance even when the Redis message announcing it is lost.
 * Each revocation takes the next value of one counter row, under that row's
 * lock, so values commit in increasing order: an instance that has seen N and
 * reads "revocation_seq > N" can never skip one that commits later.
 */
export class RevocationFeed1796280000000 implements MigrationInterface {
  name = 'RevocationFeed1796280000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createTable(new Table({ name: 'counters', columns: [
      { name: 'name', type: 'varchar', length: '64', isPrimary: true }, { name: 'value', type: 'bigint', default: 0 },
    ] }));
    await qr.query(`INSERT INTO counters (name, value) VALUES ('revocation', 0)`);
    await qr.addColumn('sessions', new TableColumn({ name: 'revocation_seq', type: 'bigint', isNullable: true }));
    await qr.createIndex('sessions', new TableIndex({ columnNames: ['revocation_seq'] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    const table = await qr.getTable('sessions');
    const index = table?.indices.find((i) => i.columnNames.length === 1 && i.columnNames[0] === 'revocation_seq');
    if (index) await qr.dropIndex('sessions', index);
    await qr.dropColumn('sessions', 'revocation_seq');
    await qr.dropTable('counters');
  }
}
