import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, metricValue } from './helpers/ws-assertions';

describe('metrics (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('exports the Node defaults under their standard names, prefixed nowhere', async () => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toMatch(/portcullis_process_/);
  });

  it('times database statements by operation and chat commits', async () => {
    const u = await createUser(t);
    const conv = (await t.http().post('/v1/conversations').set(bearer(u.accessToken)).send({ title: 'metrics' }).expect(201)).body;
    const { c } = await connectReady(`${t.wsUrl}/ws/conversations/${conv.id}`, u.accessToken);
    const id = c.send('chat_message', { content: 'hello' });
    expect((await c.next('ack')).refId).toBe(id);
    c.close();

    const text = (await t.http().get('/metrics').expect(200)).text;
    expect(metricValue(text, 'portcullis_db_query_duration_seconds_count', { operation: 'select', result: 'ok' })).toBeGreaterThan(0);
    expect(metricValue(text, 'portcullis_db_query_duration_seconds_count', { operation: 'insert', result: 'ok' })).toBeGreaterThan(0);
    expect(metricValue(text, 'portcullis_chat_commit_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'portcullis_chat_commit_batch_size_sum')).toBeGreaterThanOrEqual(1);
    // Never the SQL itself.
    expect(text).not.toMatch(/SELECT|INSERT INTO/);
  });
});
