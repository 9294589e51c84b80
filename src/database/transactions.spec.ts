import { DataSource } from 'typeorm';
import { inTransaction, isUniqueViolation } from './transactions';

describe('inTransaction on SQLite', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = await new DataSource({ type: 'sqlite', database: ':memory:' }).initialize();
    await db.query('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  });
  afterAll(async () => { await db.destroy(); });

  it('runs overlapping transactions one after another, and a failed one does not take the others down', async () => {
    const order: string[] = [];
    const tx = (name: string, fail = false) => inTransaction(db, async (m) => {
      order.push(`${name}:begin`);
      await m.query('INSERT INTO t (v) VALUES (?)', [name]);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error(`${name} failed`);
      order.push(`${name}:end`);
    });
    const results = await Promise.allSettled([tx('a'), tx('b', true), tx('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(order).toEqual(['a:begin', 'a:end', 'b:begin', 'c:begin', 'c:end']);
    expect((await db.query('SELECT v FROM t ORDER BY k')).map((r: { v: string }) => r.v)).toEqual(['a', 'c']);
  });

  it('recognises a real unique violation and nothing else', async () => {
    await db.query("INSERT INTO t (v) VALUES ('dup')");
    const err = await db.query("INSERT INTO t (v) VALUES ('dup')").catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(isUniqueViolation({ driverError: { code: '23505' } })).toBe(true);
    expect(isUniqueViolation(await db.query('SELECT * FROM missing_table').catch((e: unknown) => e))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
