import type * as sqlite3 from 'sqlite3';

type Sqlite = typeof sqlite3;
type Callback = (this: sqlite3.Statement, err: Error | null, ...rest: unknown[]) => void;

/** Statements worth keeping prepared: the ones a request runs again and again. DDL, PRAGMA and the rest run as before. */
const REUSABLE = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
/**
 * `run` steps once: a statement that returns rows (a query, a write with
 * RETURNING) would stay mid-statement, holding its lock, until its next use.
 * So `run` keeps only writes without RETURNING and transaction control.
 */
const RUN_REUSABLE = /^\s*(?:INSERT|UPDATE|DELETE|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b/i;
const RETURNS_ROWS = /\bRETURNING\b/i;
/**
 * A statement with more parameters than this is not kept. Multi-row INSERTs
 * (the audit queue's batches, up to 800 parameters) and long `IN (?, ?, …)`
 * lists make a new text per row count or list length, each a large compiled
 * program: a hundred such statements held ~6 MiB in isolation, and in 180 s
 * soaks this limit took back about half of the ~11 MiB the cache had added
 * (docs/capacity.md §2). Their parse is a small share of writing that many
 * rows; the statements a request repeats bind one row (the widest, a
 * session, has 18 columns).
 */
export const MAX_KEPT_PARAMETERS = 32;

/** Whether `sql` has at most `limit` `?` placeholders (counting stops past the limit). */
function fewParameters(sql: string, limit = MAX_KEPT_PARAMETERS): boolean {
  let n = 0;
  for (let i = sql.indexOf('?'); i !== -1; i = sql.indexOf('?', i + 1)) if (++n > limit) return false;
  return true;
}

/** `args` with its trailing callback wrapped so that `first(err)` runs before it; undefined when there is no callback. */
function beforeCallback(args: unknown[], first: (err: Error | null) => void): unknown[] | undefined {
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback !== 'function') return undefined;
  return [...args.slice(0, last), function (this: sqlite3.Statement, err: Error | null, ...rest: unknown[]) {
    first(err);
    (callback as Callback).call(this, err, ...rest);
  }];
}

/**
 * The sqlite3 module TypeORM is handed, with a `Database` that keeps the
 * statements TypeORM runs prepared and reuses them.
 *
 * TypeORM's SQLite runner calls `Database#all` / `Database#run` for every
 * statement, and sqlite3 answers each call with a new statement: prepared on
 * the driver's thread (SQLite parses and plans the SQL again), run there, and
 * finalised on the main thread: three round trips and a parse for what, from
 * the second time on, can be one. TypeORM's SQL for a given query is the same
 * text every time (values are bound as parameters), so a request's statements
 * are prepared once per process.
 *
 * Same answers, same errors: the cached statement is run with the very
 * arguments `Database#all`/`run` would have passed to the new one, and its
 * callback gets the same `this` (the statement, with `lastID` and `changes`).
 * - A statement is cached only after it has run once the ordinary way and then
 *   prepared without error, so a call never waits on a statement that cannot
 *   be prepared (sqlite3 would drop such a call without answering it).
 * - `all` steps to the end; `run` of a write without RETURNING ends at
 *   SQLITE_DONE: neither leaves a statement holding a lock between uses.
 *   sqlite3 resets a statement before each run. A statement whose run fails
 *   is finalised and prepared again later, so no error state carries over.
 * - A schema change makes SQLite re-prepare a cached statement by itself.
 * - At most `capacity` statements are kept (least recently used goes first;
 *   TypeORM's `IN (?, ?, …)` makes a new text per list length), and none with
 *   more than MAX_KEPT_PARAMETERS parameters.
 * - `close()` finalises them first (SQLite cannot close a connection with
 *   statements still prepared on it).
 */
export function withPreparedStatements(base: Sqlite, capacity = 256): Sqlite {
  class Database extends base.Database {
    private readonly prepared = new Map<string, sqlite3.Statement>();
    private readonly preparing = new Set<string>();
    private closing = false;

    override all(sql: string, ...args: unknown[]): this {
      return this.reuse('all', sql, args) ? this : (super.all as (...a: unknown[]) => this)(sql, ...this.watch('all', sql, args));
    }

    override run(sql: string, ...args: unknown[]): this {
      return this.reuse('run', sql, args) ? this : (super.run as (...a: unknown[]) => this)(sql, ...this.watch('run', sql, args));
    }

    override close(callback?: (err: Error | null) => void): void {
      this.closing = true;
      const statements = [...this.prepared.values()];
      this.prepared.clear();
      let left = statements.length;
      const closeNow = () => { super.close(callback); };
      if (!left) return closeNow();
      for (const s of statements) s.finalize(() => { if (--left === 0) closeNow(); });
    }

    private cacheable(method: 'all' | 'run', sql: string): boolean {
      if (this.closing) return false;
      return method === 'all' ? REUSABLE.test(sql) : RUN_REUSABLE.test(sql) && !RETURNS_ROWS.test(sql);
    }

    /** Runs the call on the statement prepared for `sql`, if there is one; false when there is none (yet). */
    private reuse(method: 'all' | 'run', sql: string, args: unknown[]): boolean {
      const statement = this.cacheable(method, sql) ? this.prepared.get(sql) : undefined;
      if (!statement) return false;
      this.prepared.delete(sql);
      this.prepared.set(sql, statement);
      // A statement whose run failed leaves the cache: the next use prepares it afresh.
      const call = beforeCallback(args, (err) => {
        if (!err || this.prepared.get(sql) !== statement) return;
        this.prepared.delete(sql);
        statement.finalize();
      }) ?? args;
      (statement[method] as (...a: unknown[]) => unknown)(...call);
      return true;
    }

    /** The ordinary call, watched: once it has succeeded, the statement is prepared for next time. */
    private watch(method: 'all' | 'run', sql: string, args: unknown[]): unknown[] {
      if (!this.cacheable(method, sql) || this.preparing.has(sql) || !fewParameters(sql)) return args;
      return beforeCallback(args, (err) => { if (!err) this.prepareForReuse(sql); }) ?? args;
    }

    private prepareForReuse(sql: string): void {
      if (this.closing || this.preparing.has(sql) || this.prepared.has(sql)) return;
      this.preparing.add(sql);
      const statement: sqlite3.Statement = super.prepare(sql, (err: Error | null) => {
        this.preparing.delete(sql);
        if (err || this.closing) { if (!err) statement.finalize(); return; }
        this.prepared.set(sql, statement);
        if (this.prepared.size > capacity) {
          const [oldest, evicted] = this.prepared.entries().next().value as [string, sqlite3.Statement];
          this.prepared.delete(oldest);
          evicted.finalize();
        }
      });
    }
  }
  return { ...base, Database } as Sqlite;
}
