import { DataSource, EntityManager } from 'typeorm';

/**
 * TypeORM's SQLite driver has ONE connection and ONE query runner for the whole
 * process, so two `dataSource.transaction()` calls that overlap do not isolate:
 * the second becomes a SAVEPOINT inside the first, their statements interleave,
 * and the first "commit" merely releases a savepoint (the work is not durable
 * until the outermost one commits). On SQLite we therefore queue transactions
 * one after another per DataSource. PostgreSQL has a real pool and real
 * isolation, so it runs them as they come.
 *
 * Caveat that remains on SQLite: statements issued OUTSIDE any transaction by
 * other code share the same connection and may execute inside an open one. Keep
 * transactions short and do checks before writes so they rarely roll back.
 */
const queues = new WeakMap<DataSource, Promise<unknown>>();

export function inTransaction<T>(db: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (db.options.type !== 'sqlite') return db.transaction(work);
  return queued(db, () => db.transaction(work));
}

/**
 * SQLite: runs `work` in the same queue as the transactions above, but
 * outside any transaction, so each statement commits by itself. Only for
 * work whose one write is a single statement (atomic on its own): it saves a
 * BEGIN and a COMMIT, each a hop to the driver's thread. Elsewhere: at once.
 */
export function serialized<T>(db: DataSource, work: () => Promise<T>): Promise<T> {
  return db.options.type === 'sqlite' ? queued(db, work) : work();
}

function queued<T>(db: DataSource, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(db) ?? Promise.resolve();
  const run = previous.then(task);
  // The queue must survive a failed transaction; the caller still sees the failure through `run`.
  queues.set(db, run.catch(() => undefined));
  return run;
}

/** A unique-constraint violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(err: unknown): boolean {
  const driverError = (err as { driverError?: { code?: string; message?: string } })?.driverError ?? (err as { code?: string; message?: string });
  if (!driverError) return false;
  return driverError.code === '23505' || /UNIQUE constraint failed/i.test(driverError.message ?? '');
}

/** Rewrites `?` placeholders to PostgreSQL's `$n` where needed, for the few hand-written hot-path statements. */
export function nativeSql(db: DataSource | EntityManager, sql: string): string {
  const type = (db instanceof DataSource ? db : db.connection).options.type;
  if (type !== 'postgres') return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
