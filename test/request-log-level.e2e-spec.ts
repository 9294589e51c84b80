import { createUser } from './helpers/factories';
import { logCapture, startTestApp, TestApp } from './helpers/test-app';
import { bearer } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

// Its own file: Nest's static Logger follows the first app a test file creates, so lines of a later app's services would go to the earlier one's sink.
describe('request lines at LOG_LEVEL=warn (e2e)', () => {
  let t: TestApp;
  const log = logCapture();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'warn' }, log.sink);
  });
  afterAll(async () => { await t.close(); });

  it('writes no request line but still echoes the request id, and the service\'s own warnings still reach the log', async () => {
    const res = await t.http().get('/v1/auth/me').set('X-Request-Id', 'warn-level-id-1').expect(401);
    expect(res.headers['x-request-id']).toBe('warn-level-id-1');
    expect((await t.http().get('/health').expect(200)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // A query-string token is a warning (deprecated credential transport): written at warn, after the requests above.
    const u = await createUser(t);
    const conv = await t.http().post('/v1/conversations').set(bearer(u.accessToken)).send({ title: 'warn' }).expect(201);
    const ws = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.body.id}?token=${u.accessToken}`);
    await ws.next('ready');
    ws.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(log.text()).not.toContain('warn-level-id-1');
    expect(log.text()).not.toMatch(/request (completed|errored)/);
    expect(log.text()).toContain('deprecated: token passed in the query string');
  });
});
