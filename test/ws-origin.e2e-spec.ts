import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/** With WS_ALLOWED_ORIGINS unset, a browser may open a socket only from the service's own origin: scheme, host and port. */
describe('same-origin WebSocket upgrades (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let url: string;
  let host: string;

  beforeAll(async () => {
    t = await startTestApp();
    alice = await createUser(t);
    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${alice.accessToken}`).send({ title: 'origin' }).expect(201);
    url = `${t.wsUrl}/ws/conversations/${conv.body.id}`;
    host = new URL(t.baseUrl).host;
  });
  afterAll(async () => { await t.close(); });

  const open = (origin: string) => WsTestClient.connect(url, { headers: { Origin: origin, Authorization: `Bearer ${alice.accessToken}` } });

  it('accepts the service its own origin', async () => {
    const c = open(`http://${host}`);
    await c.next('ready');
    c.close();
  });

  it.each(['https://HOST', 'http://evil.example', 'http://HOST.evil.example'])('refuses %s with 403 before any 101', async (origin) => {
    const c = open(origin.replace('HOST', host));
    await expect(c.opened).rejects.toThrow(/403/);
    expect(c.rejectedStatus).toBe(403);
  });
});
