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

/**
 * A hybrid app's WebView sends its own scheme as Origin (Capacitor on iOS `capacitor://localhost`);
 * listed in WS_ALLOWED_ORIGINS, it opens a socket like a listed web origin, and only then.
 */
describe("an app's origin at the WebSocket upgrade (e2e)", () => {
  let t: TestApp;
  let alice: TestUser;
  let url: string;

  beforeAll(async () => {
    t = await startTestApp({ WS_ALLOWED_ORIGINS: 'https://app.example.com, Capacitor://LocalHost, app://myapp:8080' });
    alice = await createUser(t);
    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${alice.accessToken}`).send({ title: 'app origin' }).expect(201);
    url = `${t.wsUrl}/ws/conversations/${conv.body.id}`;
  });
  afterAll(async () => { await t.close(); });

  const open = (origin: string) => WsTestClient.connect(url, { headers: { Origin: origin, Authorization: `Bearer ${alice.accessToken}` } });

  it.each(['capacitor://localhost', 'app://myapp:8080'])('accepts the listed %s', async (origin) => {
    const c = open(origin);
    await c.next('ready');
    c.close();
  });

  it.each(['ionic://localhost', 'capacitor://localhost:8080', 'app://myapp', 'null'])('refuses the unlisted %s with 403 before any 101', async (origin) => {
    const c = open(origin);
    await expect(c.opened).rejects.toThrow(/403/);
    expect(c.rejectedStatus).toBe(403);
  });
});
