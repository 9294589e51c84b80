import type { Database, Statement } from 'sqlite3';
import { DataSource } from 'typeorm';
import { isoTime } from '../common/util/iso-time';

type Row = Record<string, unknown>;

/** A time as TypeORM writes a `datetime` column on SQLite (UTC, `YYYY-MM-DD HH:MM:SS.SSS`), for SQL written by hand. */
export const sqliteDateTime = (at: Date): string => isoTime(at).replace('T', ' ').slice(0, -1);
/** Told of each statement run: its SQL, whether it succeeded, and how long it took (seconds). */
export type StatementObserver = (sql: string, ok: boolean, seconds: number) => void;

/**
 * Prepared statements on TypeORM's one SQLite connection, prepared once and
 * reused, for the few statements that run per chat message. TypeORM's own
 * statements are kept prepared too (prepared-sqlite.ts), but still pass
 * through its runner, logger and broadcaster; these skip that as well.
 *
 * They run on the same connection, so inside a transaction opened through
 * TypeORM (`inTransaction`) they are part of it. `all()` steps a statement to
 * the end and resets it, so none is ever left half-read (that would make
 * COMMIT fail). SQLite cannot close a connection while statements are
 * prepared on it, so the DataSource's `destroy()` finalises them first; a
 * statement asked for after that (a late frame during shutdown) is prepared
 * for the one call and finalised at once.
 */
export class SqliteStatements {
  private readonly prepared = new Map<string, Statement>();
  private closed = false;

  constructor(private readonly db: DataSource, private readonly observe?: StatementObserver) {
    const destroy = db.destroy.bind(db);
    db.destroy = async () => {
      await this.finalize();
      return destroy();
    };
  }

  /** Runs `sql` with `params` and answers every row (none for a write without RETURNING). */
  all<T extends Row = Row>(sql: string, params: unknown[]): Promise<T[]> {
    const started = this.observe && process.hrtime.bigint();
    const done = (ok: boolean) => {
      if (started) this.observe!(sql, ok, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return new Promise<T[]>((resolve, reject) => {
      const callback = (err: Error | null, rows: T[]) => {
        done(!err);
        if (err) reject(err);
        else resolve(rows);
      };
      if (this.closed) this.connection.all(sql, params, callback);
      else this.statement(sql).all(params, callback);
    });
  }

  private get connection(): Database {
    return (this.db.driver as unknown as { databaseConnection: Database }).databaseConnection;
  }

  private statement(sql: string): Statement {
    let statement = this.prepared.get(sql);
    if (!statement) this.prepared.set(sql, (statement = this.connection.prepare(sql)));
    return statement;
  }

  private async finalize(): Promise<void> {
    this.closed = true;
    const statements = [...this.prepared.values()];
    this.prepared.clear();
    await Promise.all(statements.map((s) => new Promise<void>((resolve) => s.finalize(() => resolve()))));
  }
}
