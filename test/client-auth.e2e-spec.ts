/**
 * @portcullis/client against the real server, in Node: each auth method, the
 * queue before `ready`, no socket without a token, refresh on 4001, the stop
 * codes, and the 4008 fallback to the `auth` frame.
 */
import { AuthenticationError, ClosedByAdminError, ForbiddenError, FrameRejectedError, PortcullisClient } from '@portcullis/client';
import { ADMIN_ENV, createUser, loginAdmin, TestUser } from './helpers/factories';
import { authAttempts, bearer, countingWebSocket, nthState, reach, restRefresher, sdkClient } from './helpers/sdk-client';
import { startTestApp, TestApp } from './helpers/test-app';

jest.setTimeout(30_000);

async function conversationOf(t: TestApp, user: TestUser): Promise<string> {
  const res = await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title: 'sdk' });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('@portcullis/client in Node against the real server', () => {
  let t: TestApp;
  let user: TestUser;
  let conversationId: string;
  const clients: PortcullisClient[] = [];
  const track = <T extends { client: PortcullisClient }>(c: T): T => { clients.push(c.client); return c; };

  beforeAll(async () => {
    t = await startTestApp(ADMIN_ENV);
    user = await createUser(t);
    conversationId = await conversationOf(t, user);
  });
  afterEach(() => { for (const c of clients.splice(0)) c.close(); });
  afterAll(() => t.close());

  it.each(['header', 'subprotocol', 'ticket', 'message'] as const)('connects by %s and chats', async (auth) => {
    const metric = auth === 'header' ? 'header' : auth;
    const before = await authAttempts(t, metric);
    const { client, states } = track(sdkClient(t, `/ws/conversations/${conversationId}`, { auth, getToken: () => user.accessToken }));
    client.connect();
    await reach(client, 'ready');
    expect(client.session).toMatchObject({ userId: user.id, resource: { conversationId } });
    expect(await authAttempts(t, metric)).toBe(before + 1);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'authenticating', 'ready']);
    const ack = await client.chat(`by ${auth}`);
    expect(ack).toEqual({ refId: expect.any(String), messageId: expect.any(String), seq: expect.any(Number) });
  });

  it('auto uses the Authorization header in Node', async () => {
    const before = await authAttempts(t, 'header');
    const { client } = track(sdkClient(t, `/ws/conversations/${conversationId}`, { getToken: async () => user.accessToken }));
    client.connect();
    await reach(client, 'ready');
    expect(await authAttempts(t, 'header')).toBe(before + 1);
  });

  it('queues frames sent before ready and flushes them in order after it', async () => {
    const conv = await conversationOf(t, user);
    const { client } = track(sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => user.accessToken }));
    const seen: string[] = [];
    client.on('chat_message', (m) => seen.push(m.content));
    // Before connect() and while connecting: neither throws, both wait for ready.
    const acks = [client.chat('one'), client.chat('two')];
    expect(() => client.send('ping', {})).not.toThrow();
    client.connect();
    acks.push(client.chat('three'));
    expect(client.state).not.toBe('ready');
    expect((await Promise.all(acks)).map((a) => a.seq)).toEqual([1, 2, 3]);
    const history = await t.http().get(`/v1/conversations/${conv}/messages`).set(bearer(user.accessToken));
    expect(history.body.map((m: { content: string }) => m.content)).toEqual(['one', 'two', 'three']);
    await new Promise<void>((resolve) => { const off = client.on('chat_message', () => seen.length === 3 && (off(), resolve())); if (seen.length === 3) resolve(); });
    expect(seen).toEqual(['one', 'two', 'three']);
  });

  it('rejects a chat message the server refuses with FrameRejectedError, and goes on', async () => {
    const { client } = track(sdkClient(t, `/ws/conversations/${conversationId}`, { getToken: () => user.accessToken }));
    client.connect();
    await expect(client.chat('')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.chat('x'.repeat(4001))).rejects.toBeInstanceOf(FrameRejectedError);
    expect((await client.chat('fine')).seq).toBeGreaterThan(0);
    expect(client.state).toBe('ready');
  });

  it('opens no socket while getToken returns null, and connects when told the token changed', async () => {
    const counter = countingWebSocket();
    let token: string | null = null;
    let asked = 0;
    const { client } = track(sdkClient(t, `/ws/conversations/${conversationId}`, {
      WebSocket: counter.WebSocket, backoff: { initialMs: 50, maxMs: 100 }, getToken: () => { asked++; return token; },
    }));
    client.connect();
    await reach(client, 'waiting_for_token');
    // Several polls on the backoff clock, each answered "no token": still no socket.
    await nthState(client, (s) => s.state === 'waiting_for_token', 3);
    expect(asked).toBeGreaterThanOrEqual(3);
    expect(counter.opened()).toBe(0);
    token = '';
    await nthState(client, (s) => s.state === 'waiting_for_token', 1);
    expect(counter.opened()).toBe(0);
    token = user.accessToken;
    client.tokenChanged();
    await reach(client, 'ready');
    expect(counter.opened()).toBe(1);
  });

  it('on 4001 refreshes once, then reconnects with the fresh token', async () => {
    const fresh = await createUser(t);
    const conv = await conversationOf(t, fresh);
    const refresher = restRefresher(t, fresh.refreshToken);
    // The app's stored token is bad (as an expired one would be): the server closes 4001.
    const { client, states } = track(sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => 'not-a-valid-token', refreshToken: refresher.refresh }));
    const refreshed = new Promise((resolve) => client.on('refreshed', resolve));
    client.connect();
    await reach(client, 'ready');
    await refreshed;
    expect(refresher.calls()).toBe(1);
    expect(states.find((s) => s.state === 'reconnecting')).toMatchObject({ reason: 'UNAUTHENTICATED', closeCode: 4001 });
    expect((await client.chat('after refresh')).seq).toBe(1);
  });

  it('stops with AuthenticationError when the refresh is refused, without looping', async () => {
    const counter = countingWebSocket();
    const { client } = track(sdkClient(t, `/ws/conversations/${conversationId}`, {
      WebSocket: counter.WebSocket, getToken: () => 'not-a-valid-token', refreshToken: async () => null,
    }));
    client.connect();
    const closed = await reach(client, 'closed');
    expect(closed?.error).toBeInstanceOf(AuthenticationError);
    expect(client.error).toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4001 });
    expect(counter.opened()).toBe(1);
  });

  it('stops on 4003 with ForbiddenError, opens no second socket, and rejects queued chat with it', async () => {
    const stranger = await createUser(t);
    const counter = countingWebSocket();
    const { client } = track(sdkClient(t, `/ws/conversations/${conversationId}`, { WebSocket: counter.WebSocket, getToken: () => stranger.accessToken }));
    const chat = client.chat('not mine');
    client.connect();
    const closed = await reach(client, 'closed');
    expect(closed).toMatchObject({ reason: 'FORBIDDEN', closeCode: 4003 });
    expect(client.error).toBeInstanceOf(ForbiddenError);
    await expect(chat).rejects.toBeInstanceOf(ForbiddenError);
    await new Promise((r) => setTimeout(r, 300));
    expect(counter.opened()).toBe(1);
    expect(client.state).toBe('closed');
  });

  it("treats an administrator's close as final even with a reconnect code (1001)", async () => {
    const member = await createUser(t);
    const conv = await conversationOf(t, member);
    const { client } = track(sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => member.accessToken }));
    client.connect();
    await reach(client, 'ready');
    const admin = await loginAdmin(t);
    const list = await t.http().get('/v1/admin/connections').query({ userId: member.id }).set(bearer(admin.accessToken));
    const id = (list.body.items ?? list.body)[0].id;
    expect((await t.http().delete(`/v1/admin/connections/${id}`).query({ code: 1001 }).set(bearer(admin.accessToken))).status).toBe(204);
    await reach(client, 'closed');
    expect(client.error).toBeInstanceOf(ClosedByAdminError);
    expect(client.error).toMatchObject({ code: 'CLOSED_BY_ADMIN', closeCode: 1001 });
  });
});

describe('@portcullis/client against a server that accepts only the auth frame', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ WS_AUTH_METHODS: 'message', WS_AUTH_TIMEOUT_MS: '300' });
    user = await createUser(t);
  });
  afterAll(() => t.close());

  it('auto falls back to the auth frame after 4008 and stays ready', async () => {
    const conv = await conversationOf(t, user);
    const { client, states } = sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => user.accessToken });
    client.connect();
    await reach(client, 'ready');
    expect(states.find((s) => s.state === 'connecting' && s.reason === 'AUTH_TIMEOUT')).toBeDefined();
    expect(await authAttempts(t, 'message', 'timeout')).toBe(1);
    expect(await authAttempts(t, 'message')).toBe(1);
    expect((await client.chat('framed')).seq).toBe(1);
    client.close();
  });
});
