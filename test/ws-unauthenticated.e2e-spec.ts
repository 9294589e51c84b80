import WebSocket from 'ws';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/**
 * Silent sockets (no credential yet, first-frame auth pending) hold the
 * WS_MAX_UNAUTHENTICATED slots; one address may hold at most a quarter of
 * them, and a socket that shows a credential at the upgrade holds none.
 */
describe('unauthenticated slots (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let conversationId: string;
  const sockets: WsTestClient[] = [];
  const open = (from: string, headers: Record<string, string> = {}) => {
    const c = new WsTestClient(new WebSocket(`${t.wsUrl}/ws/conversations/${conversationId}`, [], { headers, localAddress: from }));
    sockets.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_UNAUTHENTICATED: '40', WS_AUTH_TIMEOUT_MS: '20000' });
    alice = await createUser(t);
    ({ body: { id: conversationId } } = await t.http().post('/v1/conversations').set({ Authorization: `Bearer ${alice.accessToken}` }).send({ title: 'slots' }).expect(201));
  });
  afterAll(async () => {
    for (const c of sockets) c.ws.terminate();
    await t.close();
  });

  it('45 silent sockets from one address get 10 slots; a header-authenticated and a first-frame client from elsewhere still get in', async () => {
    const silent = Array.from({ length: 45 }, () => open('127.0.0.1'));
    const outcomes = await Promise.all(silent.map((c) => Promise.race([
      c.closedWithin(3000).then((closed) => closed.code),
      c.opened.then(() => new Promise<string>((resolve) => setTimeout(() => resolve('open'), 1000))),
    ])));
    expect(outcomes.filter((o) => o === 'open')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 1013)).toHaveLength(35);

    const withHeader = open('127.0.0.2', { Authorization: `Bearer ${alice.accessToken}` });
    expect((await withHeader.next('ready')).payload.userId).toBe(alice.id);

    const firstFrame = open('127.0.0.3');
    await firstFrame.opened;
    firstFrame.send('auth', { token: alice.accessToken });
    expect((await firstFrame.next('ready')).payload.userId).toBe(alice.id);
  });
});
