import { DataSource } from 'typeorm';
import { startTestApp } from './helpers/test-app';

describe('embedded SQLite (e2e)', () => {
  const synchronous = async (env: Record<string, string>) => {
    const t = await startTestApp(env);
    try {
      const db = t.app.get(DataSource);
      expect(db.options.type).toBe('sqlite');
      const [{ journal_mode: journal }] = await db.query('PRAGMA journal_mode');
      const [{ synchronous: level }] = await db.query('PRAGMA synchronous');
      return { journal, level };
    } finally {
      await t.close();
    }
  };

  it('runs in WAL mode with a full fsync at each commit by default', async () => {
    const got = await synchronous({});
    expect(got).toEqual({ journal: 'wal', level: 2 });
  });

  it('takes SQLITE_SYNCHRONOUS=normal', async () => {
    const got = await synchronous({ SQLITE_SYNCHRONOUS: 'normal' });
    expect(got).toEqual({ journal: 'wal', level: 1 });
  });
});
