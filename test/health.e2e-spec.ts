import { DataSource } from 'typeorm';
import { startTestApp, TestApp } from './helpers/test-app';

describe('health (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close().catch(() => undefined); });

  it('reports each dependency, and answers 503 naming the one that is down', async () => {
    const up = await t.http().get('/health/full').expect(200);
    expect(up.body.details.database.status).toBe('up');
    await t.app.get(DataSource).destroy();
    const down = await t.http().get('/health/full').expect(503);
    expect(down.body.status).toBe('error');
    expect(down.body.details.database.status).toBe('down');
    await t.http().get('/health').expect(200);
  });
});
