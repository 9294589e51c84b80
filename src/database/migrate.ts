import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';

/**
 * The key of the PostgreSQL advisory lock that start-up migrations run under
 * (an arbitrary 64-bit number: the ASCII of "portcull"). Two instances
 * started at once against one empty database would otherwise both create
 * the same tables: the loser fails, logs an error and retries.
 */
export const MIGRATION_LOCK_KEY = '8101820098873224300';

/**
 * The app's DataSource: connected, then migrated. On PostgreSQL the pending
 * migrations run inside one transaction that first takes
 * `pg_advisory_xact_lock`, so instances starting together migrate one at a
 * time: the first runs them, the others wait for its commit and find
 * nothing pending. The lock lives exactly as long as that transaction: an
 * instance that dies mid-migration rolls back and releases it, and a pooler
 * in transaction mode cannot strand it. SQLite is one instance on one file;
 * its migrations run as TypeORM's `migrationsRun` does.
 */
export async function createMigratedDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  try {
    if (options.type === 'postgres') await migrateUnderLock(dataSource);
    else await dataSource.runMigrations({ transaction: 'all' });
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
  return dataSource;
}

async function migrateUnderLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Inside the transaction just opened: all pending migrations commit together, as with `transaction: 'all'`.
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'none';
    await executor.executePendingMigrations();
    await runner.commitTransaction();
  } catch (err) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
  }
}
