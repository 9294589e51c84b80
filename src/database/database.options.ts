import { join } from 'node:path';
import * as sqlite3 from 'sqlite3';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';
import { withPreparedStatements } from './prepared-sqlite';
import { prepareSqlitePath } from './sqlite-path';

/** Compiled: dist/migrations/*.js; under ts-node or jest: migrations/*.ts. */
const MIGRATIONS = [join(__dirname, '..', '..', 'migrations', '*.{js,ts}')];

/**
 * The one options object: the app (TypeOrmModule) and the migration CLI
 * (data-source.ts) both build from here, so they cannot drift apart.
 * Migrations run at start-up (migrate.ts: on PostgreSQL, under a lock, so
 * instances starting together take turns); the schema is never synchronised
 * from entities.
 */
export function buildDataSourceOptions(db: AppConfig['database']): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, migrationsRun: false, synchronize: false, logging: false } as const;
  if (db.type === 'postgres') {
    return { ...common, type: 'postgres', url: db.url, extra: { max: 20 } };
  }
  prepareSqlitePath(db.sqlitePath);
  // WAL lets readers proceed while a writer commits; busy_timeout rides out short write locks.
  // TypeORM calls sqlite3.verbose(), which wraps every call to capture a long stack trace:
  // ~8% of a chat message's CPU when profiled. Hand it the module with verbose() as a no-op.
  // Statements are prepared once and reused (prepared-sqlite.ts).
  const driver = withPreparedStatements({ ...sqlite3, verbose: () => driver } as typeof sqlite3);
  return { ...common, type: 'sqlite', database: db.sqlitePath, enableWAL: true, busyTimeout: 5000, driver };
}
