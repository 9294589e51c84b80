import { randomBytes } from 'node:crypto';
import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, metricValue, sleep } from './helpers/ws-assertions';

/**
 * Redis bus counters across two instances on one real Redis (each on its own
 * SQLite file: the bus is what is measured). Runs with the scale-out pass;
 * fails, never skips, when Redis is unreachable.
 */
const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis bus metrics (integration)', () => {
  let a: TestApp;
  let b: TestApp;
  const env = { REDIS_URL, REDIS_KEY_PREFIX: `portcullis-test-${randomBytes(6).toString('hex')}:` };
  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => { await a?.close(); await b?.close(); });

  const metrics = async (t: TestApp) => (await t.http().get('/metrics').expect(200)).text;

  it('counts what one instance publishes and the other receives', async () => {
    const u = await createUser(a);
    await a.http().post('/v1/auth/logout').set(bearer(u.accessToken)).expect(204);
    let received: number | undefined;
    for (let i = 0; i < 40 && !received; i++) {
      await sleep(50);
      received = metricValue(await metrics(b), 'portcullis_redis_bus_received_total', { kind: 'event' });
    }
    expect(received).toBeGreaterThanOrEqual(1);
    expect(metricValue(await metrics(a), 'portcullis_redis_bus_published_total', { kind: 'event' })).toBeGreaterThanOrEqual(1);
    // An instance ignores its own messages: A counts nothing received from its own logout.
    expect(metricValue(await metrics(a), 'portcullis_redis_bus_received_total', { kind: 'event' })).toBeUndefined();
    expect(await metrics(a)).toMatch(/^# TYPE portcullis_redis_bus_errors_total counter$/m);
  });
});
