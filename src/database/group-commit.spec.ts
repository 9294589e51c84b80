import { DataSource } from 'typeorm';
import { GroupCommitter } from './group-commit';
import { inTransaction } from './transactions';

describe('GroupCommitter on SQLite', () => {
  let db: DataSource;
  let transactions: string[][];
  let committer: GroupCommitter<string, number>;

  const insert = async (m: DataSource['manager'], v: string): Promise<number> => {
    if (v.startsWith('bad')) throw new Error(`refused ${v}`);
    await m.query('INSERT INTO t (v) VALUES (?)', [v]);
    const [{ k }] = await m.query('SELECT k FROM t WHERE v = ?', [v]);
    return k as number;
  };

  beforeAll(async () => {
    db = await new DataSource({ type: 'sqlite', database: ':memory:' }).initialize();
    await db.query('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE)');
  });
  beforeEach(async () => {
    await db.query('DELETE FROM t');
    // Each transaction the committer opens, with the items written in it.
    transactions = [];
    const original = db.transaction.bind(db);
    jest.spyOn(db, 'transaction').mockImplementation(((work: never) => {
      transactions.push([]);
      return original(work);
    }) as never);
    const record = (v: string) => transactions[transactions.length - 1].push(v);
    committer = new GroupCommitter<string, number>(db, {
      maxBatch: 3,
      step: async (m, v) => { record(v); return insert(m, v); },
      alone: (v) => inTransaction(db, async (m) => { record(v); return insert(m, v); }),
    });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => { await db.destroy(); });

  const stored = async () => (await db.query('SELECT v FROM t ORDER BY k')).map((r: { v: string }) => r.v);

  it('commits a lone item at once, and what arrives meanwhile together, in submission order', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((v) => committer.submit('', v)));
    expect(transactions).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f']]);
    expect(await stored()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(results).toEqual([...results].sort((x, y) => x - y));
  });

  it('resolves each item only after the commit that holds it', async () => {
    const first = committer.submit('', 'x1');
    const second = committer.submit('', 'x2');
    const k = await second;
    expect((await db.query('SELECT k FROM t WHERE v = ?', ['x2']))[0].k).toBe(k);
    await first;
  });

  it('when a batch fails, tries each item alone: only the bad one fails', async () => {
    const outcomes = await Promise.allSettled(['p', 'q', 'bad-r', 's'].map((v) => committer.submit('', v)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('refused bad-r');
    expect(await stored()).toEqual(['p', 'q', 's']);
  });

  it('runs lanes independently, each in its own order', async () => {
    const results = await Promise.all([committer.submit('one', 'l1'), committer.submit('two', 'l2'), committer.submit('one', 'l3')]);
    expect(results).toHaveLength(3);
    expect((await stored()).sort()).toEqual(['l1', 'l2', 'l3']);
    const one = transactions.filter((tx) => tx.some((v) => v === 'l1' || v === 'l3')).flat();
    expect(one).toEqual(['l1', 'l3']);
  });

  it('reports each commit with its size', async () => {
    const commits: number[] = [];
    const observed = new GroupCommitter<string, number>(db, {
      maxBatch: 3, step: (m, v) => insert(m, v), alone: (v) => inTransaction(db, (m) => insert(m, v)),
      onCommit: (items, seconds) => { expect(seconds).toBeGreaterThanOrEqual(0); commits.push(items); },
    });
    await Promise.all(['m1', 'm2', 'm3', 'm4'].map((v) => observed.submit('', v)));
    expect(commits).toEqual([1, 3]);
  });

  it('with `together`, hands each batch over at once, and when it fails tries each item alone', async () => {
    const batches: string[][] = [];
    const oneStatement = new GroupCommitter<string, number>(db, {
      maxBatch: 3,
      together: async (items) => {
        batches.push(items);
        if (items.some((v) => v.startsWith('bad'))) throw new Error('batch refused');
        await db.query(`INSERT INTO t (v) VALUES ${items.map(() => '(?)').join(', ')}`, items);
        return Promise.all(items.map(async (v) => (await db.query('SELECT k FROM t WHERE v = ?', [v]))[0].k as number));
      },
      alone: (v) => inTransaction(db, (m) => insert(m, v)),
    });
    const outcomes = await Promise.allSettled(['g1', 'g2', 'g3', 'g4', 'bad-g5', 'g6'].map((v) => oneStatement.submit('', v)));
    expect(batches).toEqual([['g2', 'g3', 'g4'], ['bad-g5', 'g6']]);
    // Transactions only for the items alone (g1, then bad-g5 and g6 after their batch failed), none for a batch.
    expect(transactions).toHaveLength(3);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await stored()).toEqual(['g1', 'g2', 'g3', 'g4', 'g6']);
  });

  it('needs step or together', () => {
    expect(() => new GroupCommitter<string, number>(db, { alone: async () => 0 })).toThrow('step or together');
  });
});
