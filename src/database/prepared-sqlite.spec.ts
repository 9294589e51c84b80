import * as sqlite3 from 'sqlite3';
import { DataSource } from 'typeorm';
import { MAX_KEPT_PARAMETERS, withPreparedStatements } from './prepared-sqlite';
import { inTransaction } from './transactions';

type Db = sqlite3.Database & { prepared: Map<string, sqlite3.Statement>; preparing: Set<string> };

function open(capacity?: number): Db {
  const module = withPreparedStatements(sqlite3, capacity);
  return new module.Database(':memory:') as Db;
}
const call = (db: sqlite3.Database, method: 'all' | 'run', sql: string, params: unknown[] = []) =>
  new Promise<{ rows?: unknown[]; lastID?: number; changes?: number }>((resolve, reject) => {
    (db[method] as (sql: string, params: unknown[], cb: (this: sqlite3.RunResult, err: Error | null, rows?: unknown[]) => void) => void)(sql, params, function (err, rows) {
      if (err) reject(err);
      else resolve(method === 'run' ? { lastID: this.lastID, changes: this.changes } : { rows });
    });
  });
const closed = (db: sqlite3.Database) => new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
/** Statements are cached from the callback of a background prepare: wait until none is being prepared. */
async function settle(db: sqlite3.Database): Promise<void> {
  const preparing = (db as unknown as { preparing: Set<string> }).preparing;
  for (let i = 0; preparing.size > 0; i++) {
    if (i > 1000) throw new Error('a prepare never answered');
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('withPreparedStatements', () => {
  let db: Db;
  let prepare: jest.SpyInstance;

  beforeEach(async () => {
    prepare = jest.spyOn(sqlite3.Database.prototype, 'prepare');
    db = open();
    await call(db, 'run', 'CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  });
  afterEach(async () => {
    prepare.mockRestore();
    await closed(db).catch(() => undefined);
  });

  it('answers as sqlite3 does (rows, lastID, changes), preparing a statement once after its first run and reusing it', async () => {
    const insert = 'INSERT INTO t (v) VALUES (?)';
    const results = [];
    for (const v of ['a', 'b', 'c', 'd']) { results.push(await call(db, 'run', insert, [v])); await settle(db); }
    expect(results).toEqual([1, 2, 3, 4].map((k) => ({ lastID: k, changes: 1 })));
    const select = 'SELECT k, v FROM t WHERE k > ? ORDER BY k';
    for (let i = 0; i < 3; i++) { expect((await call(db, 'all', select, [2])).rows).toEqual([{ k: 3, v: 'c' }, { k: 4, v: 'd' }]); await settle(db); }
    expect(await call(db, 'run', 'UPDATE t SET v = v || ? WHERE k <= ?', ['!', 2])).toEqual({ lastID: 4, changes: 2 });
    expect(prepare.mock.calls.map(([sql]) => sql).filter((sql) => sql === insert || sql === select)).toEqual([insert, select]);
    expect([...db.prepared.keys()]).toEqual(expect.arrayContaining([insert, select]));
    expect(db.prepared.has('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)')).toBe(false);
    for (let i = 0; i < 2; i++) { await call(db, 'all', 'PRAGMA user_version'); await settle(db); }
    expect(db.prepared.has('PRAGMA user_version')).toBe(false);
  });

  it('answers a failed run with sqlite3\'s own error, drops that statement, and prepares it again afterwards', async () => {
    const insert = 'INSERT INTO t (v) VALUES (?)';
    await call(db, 'run', insert, ['x']);
    await settle(db);
    expect(db.prepared.has(insert)).toBe(true);
    await expect(call(db, 'run', insert, ['x'])).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT', message: expect.stringContaining('UNIQUE constraint failed: t.v') });
    expect(db.prepared.has(insert)).toBe(false);
    expect(await call(db, 'run', insert, ['y'])).toEqual({ lastID: 2, changes: 1 });
    await settle(db);
    expect(db.prepared.has(insert)).toBe(true);
    expect((await call(db, 'all', 'SELECT v FROM t ORDER BY k')).rows).toEqual([{ v: 'x' }, { v: 'y' }]);
  });

  it('answers SQL that cannot be prepared with its error every time, and never caches it', async () => {
    for (let i = 0; i < 2; i++) await expect(call(db, 'all', 'SELECT nope FROM t')).rejects.toThrow(/no such column: nope/);
    expect(db.prepared.size).toBe(0);
  });

  it('does not keep a statement that returns rows for `run` (it would stay mid-statement), and keeps it for `all`', async () => {
    const sql = 'INSERT INTO t (v) VALUES (?) RETURNING k';
    await call(db, 'run', sql, ['r1']);
    await call(db, 'run', 'SELECT k FROM t WHERE v = ?', ['r1']);
    await settle(db);
    expect(db.prepared.has(sql)).toBe(false);
    expect(db.prepared.has('SELECT k FROM t WHERE v = ?')).toBe(false);
    expect((await call(db, 'all', sql, ['r2'])).rows).toEqual([{ k: 2 }]);
    await settle(db);
    expect((await call(db, 'all', sql, ['r3'])).rows).toEqual([{ k: 3 }]);
    expect(db.prepared.has(sql)).toBe(true);
  });

  it('keeps at most `capacity` statements, dropping the least recently used', async () => {
    await closed(db);
    db = open(2);
    await call(db, 'run', 'CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
    const q = (n: number) => `SELECT ${n} AS n FROM t`;
    for (const n of [1, 2, 1, 3]) { await call(db, 'all', q(n)); await settle(db); }
    expect([...db.prepared.keys()]).toEqual([q(1), q(3)]);
    expect((await call(db, 'all', q(2))).rows).toEqual([]);
  });

  it(`does not keep a statement with more than ${MAX_KEPT_PARAMETERS} parameters (a multi-row INSERT), and answers it as sqlite3 does every time`, async () => {
    const rows = (n: number) => `INSERT INTO t (v) VALUES ${Array(n).fill('(?)').join(', ')}`;
    const values = (n: number, from: number) => Array.from({ length: n }, (_, i) => `v${from + i}`);
    let next = 0;
    for (let i = 0; i < 3; i++) {
      for (const n of [MAX_KEPT_PARAMETERS, MAX_KEPT_PARAMETERS + 1]) {
        expect(await call(db, 'run', rows(n), values(n, next))).toEqual({ lastID: next + n, changes: n });
        next += n;
        await settle(db);
      }
    }
    expect(db.prepared.has(rows(MAX_KEPT_PARAMETERS))).toBe(true);
    expect(db.prepared.has(rows(MAX_KEPT_PARAMETERS + 1))).toBe(false);
    expect(prepare.mock.calls.filter(([sql]) => sql === rows(MAX_KEPT_PARAMETERS + 1))).toHaveLength(0);
    expect((await call(db, 'all', 'SELECT count(*) AS n FROM t')).rows).toEqual([{ n: next }]);
  });

  it('closes with statements prepared (finalising them first)', async () => {
    await call(db, 'all', 'SELECT * FROM t');
    await settle(db);
    expect(db.prepared.size).toBeGreaterThan(0);
    await expect(closed(db)).resolves.toBeUndefined();
  });

  it('runs TypeORM on top unchanged: transactions commit and roll back, writes report what they changed', async () => {
    const module = withPreparedStatements({ ...sqlite3, verbose: () => module } as typeof sqlite3);
    const ds = await new DataSource({ type: 'sqlite', database: ':memory:', driver: module }).initialize();
    try {
      await ds.query('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)');
      for (let i = 0; i < 3; i++) {
        await inTransaction(ds, (m) => m.query('INSERT INTO t (v) VALUES (?)', [`kept${i}`]));
        await expect(inTransaction(ds, async (m) => { await m.query('INSERT INTO t (v) VALUES (?)', [`undone${i}`]); throw new Error('refused'); })).rejects.toThrow('refused');
      }
      const update = await ds.createQueryBuilder().update('t').set({ v: 'changed' }).where('k = :k', { k: 1 }).execute();
      expect(update.affected).toBe(1);
      expect(await ds.query('SELECT v FROM t ORDER BY k')).toEqual([{ v: 'changed' }, { v: 'kept1' }, { v: 'kept2' }]);
      const connection = (ds.driver as unknown as { databaseConnection: Db }).databaseConnection;
      await settle(connection);
      expect([...connection.prepared.keys()]).toEqual(expect.arrayContaining(['BEGIN TRANSACTION', 'COMMIT', 'ROLLBACK']));
    } finally {
      await ds.destroy();
    }
  });
});
