import type { Database } from 'sqlite3';
import { DataSource } from 'typeorm';
import { SqliteStatements } from './sqlite-statements';
import { inTransaction } from './transactions';

describe('SqliteStatements', () => {
  let db: DataSource;
  let seen: Array<{ sql: string; ok: boolean }>;
  let statements: SqliteStatements;

  const connection = () => (db.driver as unknown as { databaseConnection: Database }).databaseConnection;
  const values = async () => (await db.query('SELECT v FROM t ORDER BY k')).map((r: { v: string }) => r.v);

  beforeEach(async () => {
    db = await new DataSource({ type: 'sqlite', database: ':memory:' }).initialize();
    await db.query('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)');
    seen = [];
    statements = new SqliteStatements(db, (sql, ok, seconds) => {
      expect(seconds).toBeGreaterThanOrEqual(0);
      seen.push({ sql, ok });
    });
  });
  afterEach(async () => {
    if (db.isInitialized) await db.destroy();
  });

  it('prepares each statement once and reuses it, answering rows (RETURNING included)', async () => {
    const prepare = jest.spyOn(connection(), 'prepare');
    const insert = 'INSERT INTO t (v) VALUES (?) RETURNING k';
    const keys = [];
    for (const v of ['a', 'b', 'c']) keys.push((await statements.all(insert, [v]))[0].k);
    expect(keys).toEqual([1, 2, 3]);
    expect(await statements.all('SELECT v FROM t WHERE k > ? ORDER BY k', [1])).toEqual([{ v: 'b' }, { v: 'c' }]);
    expect(prepare).toHaveBeenCalledTimes(2);
    expect(seen).toEqual([...Array(3).fill({ sql: insert, ok: true }), { sql: 'SELECT v FROM t WHERE k > ? ORDER BY k', ok: true }]);
  });

  it('runs in the TypeORM transaction that is open on the connection: committed with it, rolled back with it', async () => {
    await inTransaction(db, async () => {
      await statements.all('INSERT INTO t (v) VALUES (?)', ['kept']);
    });
    await expect(inTransaction(db, async () => {
      await statements.all('INSERT INTO t (v) VALUES (?)', ['undone']);
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(await values()).toEqual(['kept']);
  });

  it('rejects a failing statement, reports it, and the statement still works afterwards', async () => {
    const insert = 'INSERT INTO t (v) VALUES (?)';
    await statements.all(insert, ['x']);
    await expect(statements.all(insert, ['x'])).rejects.toThrow(/UNIQUE/);
    await statements.all(insert, ['y']);
    expect(seen.map((s) => s.ok)).toEqual([true, false, true]);
    expect(await values()).toEqual(['x', 'y']);
  });

  it('finalises its statements when the DataSource is destroyed, so the connection closes', async () => {
    await statements.all('SELECT COUNT(*) AS n FROM t WHERE v = ?', ['a']);
    await expect(db.destroy()).resolves.toBeUndefined();
    expect(db.isInitialized).toBe(false);
  });
});
