import { AsyncLocalStorage } from 'node:async_hooks';
import { ADMIN_ENV, createUser, loginAdmin } from './helpers/factories';
import { logCapture, startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/** Everything the app logs at debug level, while secrets go through every path that could leak them. */
describe('log redaction (e2e)', () => {
  let t: TestApp;
  const log = logCapture();

  beforeAll(async () => {
    t = await startTestApp({ ...ADMIN_ENV, LOG_LEVEL: 'debug', WS_SERVICE_TOKEN: 'service-token-that-is-long-enough-0123456789' }, log.sink);
  });
  afterAll(async () => { await t.close(); });

  it('never writes a password, token, ticket or key to the log', async () => {
    const u = await createUser(t);
    const secrets = [u.password, u.accessToken, u.refreshToken, 'service-token-that-is-long-enough-0123456789'];
    await t.http().post('/v1/auth/login').send({ email: u.email, password: 'a wrong password 123' }).expect(401);
    secrets.push('a wrong password 123');
    const refreshed = await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
    secrets.push(refreshed.body.accessToken, refreshed.body.refreshToken);
    const access = refreshed.body.accessToken;
    await t.http().get(`/v1/auth/me?token=${access}`).set('Authorization', `Bearer ${access}`).expect(200);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${u.accessToken}x`).expect(401);
    secrets.push(`${u.accessToken}x`);
    const ticket = (await t.http().post('/v1/auth/ws-ticket').set('Authorization', `Bearer ${access}`).expect(201)).body.ticket;
    secrets.push(ticket);
    const admin = await loginAdmin(t);
    const key = await t.http().post('/v1/admin/api-keys').set('Authorization', `Bearer ${admin.accessToken}`).send({ name: 'logs' }).expect(201);
    secrets.push(admin.accessToken, admin.refreshToken, key.body.secret);

    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${access}`).send({ title: 'logs' }).expect(201);
    const path = `${t.wsUrl}/ws/conversations/${conv.body.id}`;
    const sockets = [
      WsTestClient.connect(`${path}?token=${access}`),
      WsTestClient.connect(`${path}?ticket=${ticket}`),
      WsTestClient.connect(path, { protocols: ['portcullis.v2', `bearer.${access}`] }),
      WsTestClient.connect(`${t.wsUrl}/ws/live-listener`, { headers: { Authorization: `Bearer ${key.body.secret}` } }),
    ];
    for (const s of sockets) await s.next('ready');
    const bad = WsTestClient.connect(path, { headers: { Authorization: 'Bearer bad-token-value-123' } });
    secrets.push('bad-token-value-123');
    await bad.closedWithin();
    sockets.forEach((s) => s.close());
    await new Promise((r) => setTimeout(r, 300));

    expect(log.text()).toContain('deprecated: token passed in the query string');
    expect(log.text()).toContain('[REDACTED]');
    for (const secret of secrets) expect(log.text()).not.toContain(secret);
  });

  it('logs each request with its id, and binds no per-request AsyncLocalStorage (it would turn on promise hooks for every promise)', async () => {
    const run = jest.spyOn(AsyncLocalStorage.prototype, 'run');
    const enter = jest.spyOn(AsyncLocalStorage.prototype, 'enterWith');
    try {
      await t.http().get('/v1/auth/me').set('X-Request-Id', 'log-line-id-1').expect(401);
      await new Promise((r) => setTimeout(r, 50));
      const line = log.text().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.req?.id === 'log-line-id-1');
      expect(line).toMatchObject({ req: { method: 'GET', url: '/v1/auth/me' }, res: { statusCode: 401 } });
      expect(run).not.toHaveBeenCalled();
      expect(enter).not.toHaveBeenCalled();
    } finally {
      run.mockRestore();
      enter.mockRestore();
    }
  });
});
