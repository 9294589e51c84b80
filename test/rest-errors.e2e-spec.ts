import { PassThrough } from 'node:stream';
import { DataSource } from 'typeorm';
import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

/** CONTRACT §2: a body over the size limit gets 413, a database outage 503, both in the error shape; neither is logged as an error. */
describe('REST errors from below the controllers (e2e)', () => {
  let t: TestApp;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (d) => { for (const l of d.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l)); });
    t = await startTestApp({ LOG_LEVEL: 'info' }, sink);
  });
  afterAll(async () => { await t.close(); });

  it('answers a body over the limit with 413 in the error shape, logging no error', async () => {
    const res = await t.http().post('/v1/auth/login').set('content-type', 'application/json')
      .send(`{"email":"a@example.com","password":"${'x'.repeat(2_000_000)}"}`).expect(413);
    expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Request body too large' });
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('still answers unparsable JSON with 400', async () => {
    const res = await t.http().post('/v1/auth/login').set('content-type', 'application/json').send('{not json').expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('answers a body field that breaks a validator\'s message with 400 naming the field, not 500', async () => {
    const u = await createUser(t);
    const res = await t.http().post('/v1/entries').set('Authorization', `Bearer ${u.accessToken}`)
      .send({ title: { length: { toString: '' } }, content: 'x' }).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(JSON.stringify(res.body.message)).toContain('title');
  });

  it('answers 503 while the database is unreachable (not 500), and /health/full says so', async () => {
    const u = await createUser(t);
    await t.app.get(DataSource).destroy();
    const res = await t.http().post('/v1/auth/login').send({ email: u.email, password: u.password }).expect(503);
    expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Service temporarily unavailable: the database is not reachable' });
    await t.http().get('/v1/entries').set('Authorization', `Bearer ${u.accessToken}`).expect(503);
    await t.http().get('/health/full').expect(503);
    expect(lines.filter((l) => (l.level as number) >= 50).map((l) => JSON.stringify(l.err ?? l.msg).slice(0, 300))).toEqual([]);
  });
});
