import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ADMIN_ENV, loginAdmin } from './helpers/factories';
import { onPostgresServer, PG_SERVER_URL } from './helpers/scaleout-cluster';
import { logCapture, startTestApp, TestApp } from './helpers/test-app';

/**
 * Instances started at the same moment against one empty PostgreSQL database,
 * as a first deploy with several replicas does: they take turns at the
 * migrations (an advisory lock), the first admin is created once, and no
 * instance fails, retries or logs an error on the way.
 */
describe('Instances starting together on an empty PostgreSQL database (scale-out integration)', () => {
  jest.setTimeout(60_000);
  const database = `portcullis_start_${randomBytes(6).toString('hex')}`;
  const url = `${PG_SERVER_URL}/${database}`;
  const env = { ...ADMIN_ENV, DB_TYPE: 'postgres', DATABASE_URL: url, LOG_LEVEL: 'info' };
  const apps: TestApp[] = [];
  const MIGRATIONS = readdirSync(join(__dirname, '..', 'migrations')).filter((f) => f.endsWith('.ts')).length;

  beforeAll(async () => {
    await onPostgresServer(`CREATE DATABASE ${database}`).catch((err: Error) => {
      throw new Error(`This suite needs PostgreSQL at ${PG_SERVER_URL} (set PORTCULLIS_TEST_POSTGRES_SERVER_URL): ${err.message}`);
    });
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await onPostgresServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('three instances all start, migrate once between them, create the first admin once, and log no error', async () => {
    const logs = [logCapture(), logCapture(), logCapture()];
    const started = await Promise.allSettled(logs.map((l) => startTestApp(env, l.sink)));
    for (const s of started) if (s.status === 'fulfilled') apps.push(s.value);
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual(['started', 'started', 'started']);

    // pino's levels: 50 error, 60 fatal. TypeORM's "Unable to connect to the database. Retrying" is one.
    const errors = logs.flatMap((l) => l.text().split('\n').filter((line) => /"level":(50|60)/.test(line)));
    expect(errors).toEqual([]);
    expect(logs.filter((l) => l.text().includes('created the first admin user'))).toHaveLength(1);

    const ds = await new DataSource({ type: 'postgres', url }).initialize();
    try {
      const rows: Array<{ name: string }> = await ds.query('SELECT name FROM migrations ORDER BY id');
      expect(rows).toHaveLength(MIGRATIONS);
      expect(new Set(rows.map((r) => r.name)).size).toBe(MIGRATIONS);
      expect(await ds.query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [ADMIN_ENV.ADMIN_EMAIL])).toEqual([{ n: 1 }]);
    } finally {
      await ds.destroy();
    }
    for (const a of apps) await loginAdmin(a);
  });

  it('a restart finds nothing to migrate and leaves the admin as it is', async () => {
    const log = logCapture();
    const again = await startTestApp(env, log.sink);
    apps.push(again);
    expect(log.text()).not.toMatch(/"level":(50|60)/);
    expect(log.text()).not.toContain('created the first admin user');
    await loginAdmin(again);
  });
});
