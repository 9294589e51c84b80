import WebSocket from 'ws';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_ENV, createUser, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { Frame, WsTestClient } from './helpers/ws-client';
import { waitFrame as waitFor } from './helpers/ws-assertions';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

async function conversationWith(t: TestApp, owner: TestUser, ...members: TestUser[]): Promise<string> {
  const { body } = await t.http().post('/v1/conversations').set(auth(owner.accessToken)).send({ title: 'limits' }).expect(201);
  for (const m of members) await t.http().post(`/v1/conversations/${body.id}/members`).set(auth(owner.accessToken)).send({ userId: m.id }).expect(201);
  return body.id;
}

function tracked(sockets: WsTestClient[]) {
  return (t: TestApp, path: string, token: string) => {
    const c = WsTestClient.connect(`${t.wsUrl}${path}`, { headers: auth(token) });
    sockets.push(c);
    return c;
  };
}

describe('WS_MAX_PAYLOAD_BYTES (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let path: string;
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_PAYLOAD_BYTES: '1024' });
    alice = await createUser(t);
    path = `/ws/conversations/${await conversationWith(t, alice)}`;
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  const frameOf = (bytes: number) => {
    const base = JSON.stringify({ type: 'chat_message', id: 'big', timestamp: new Date().toISOString(), payload: { content: '' } });
    return base.replace('"content":""', `"content":"${'x'.repeat(bytes - base.length)}"`);
  };

  it('accepts a frame of exactly the limit', async () => {
    const c = connect(t, path, alice.accessToken);
    await c.next('ready');
    const frame = frameOf(1024);
    expect(Buffer.byteLength(frame)).toBe(1024);
    c.ws.send(frame);
    expect((await c.next('ack')).refId).toBe('big');
  });

  it('answers a frame over the limit with error FRAME_TOO_LARGE, then closes 1009', async () => {
    const c = connect(t, path, alice.accessToken);
    await c.next('ready');
    c.ws.send(frameOf(1025));
    const closed = await c.closedWithin();
    expect(closed.code).toBe(1009);
    expect(closed.error?.payload).toMatchObject({ code: 'FRAME_TOO_LARGE', closeCode: 1009 });
    expect(c.frames.some((f) => f.type === 'ack')).toBe(false);
  });

  it('closes 1009 on an oversized binary frame too, and on one far over the limit', async () => {
    const c = connect(t, path, alice.accessToken);
    await c.next('ready');
    c.ws.send(Buffer.alloc(2048), { binary: true });
    expect((await c.closedWithin()).code).toBe(1009);
    const huge = connect(t, path, alice.accessToken);
    await huge.next('ready');
    huge.ws.send('x'.repeat(100_000));
    const closed = await huge.closedWithin();
    expect(closed.code).toBe(1009);
    expect(closed.error?.payload.code).toBe('FRAME_TOO_LARGE');
    // Past the hard cap (16x the limit, at least 1 MiB) ws refuses the frame before any frame of ours can go out.
    const beyond = connect(t, path, alice.accessToken);
    await beyond.next('ready');
    beyond.ws.send('x'.repeat((1 << 20) + 1));
    expect((await beyond.closedWithin()).code).toBe(1009);
  });
});

describe('slow consumer: WS_MAX_BUFFERED_BYTES (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let admin: { accessToken: string };
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ ...ADMIN_ENV, WS_MAX_BUFFERED_BYTES: '4096' });
    [alice, bob] = [await createUser(t), await createUser(t)];
    admin = await loginAdmin(t);
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  const bobsConnections = async () =>
    (await t.http().get(`/v1/admin/connections?userId=${bob.id}`).set(auth(admin.accessToken)).expect(200)).body as Array<{ id: string }>;

  it('closes a socket that stops reading with error SLOW_CONSUMER and 1008; the sender is unaffected', async () => {
    const path = `/ws/conversations/${await conversationWith(t, alice, bob)}`;
    const sender = connect(t, path, alice.accessToken);
    const reader = connect(t, path, bob.accessToken);
    await Promise.all([sender.next('ready'), reader.next('ready')]);
    expect(await bobsConnections()).toHaveLength(1);

    // Stop reading: the kernel buffers fill, then the server's own send buffer grows.
    (reader.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const content = '😀'.repeat(4000); // 16 KB per frame
    let cut = false;
    for (let round = 0; round < 100 && !cut; round++) {
      const ids = Array.from({ length: 20 }, () => sender.send('chat_message', { content }));
      for (const id of ids) await waitFor(sender, (f) => f.type === 'ack' && f.refId === id);
      // The admin list shows live sockets only: a socket being closed has left it.
      cut = (await bobsConnections()).length === 0;
    }
    expect(cut).toBe(true);

    // A reader that comes back a few seconds later (a tab in the background, a phone on a slow link) still
    // finds its error frame and the close behind what was queued for it: CLOSE_GRACE_MS, not 2 s.
    await sleep(3000);
    (reader.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await reader.closedWithin();
    expect(closed.code).toBe(1008);
    expect(closed.error?.payload).toMatchObject({ code: 'SLOW_CONSUMER', closeCode: 1008 });
    await waitUntil(async () => (await bobsConnections()).length === 0);

    expect(sender.ws.readyState).toBe(WebSocket.OPEN);
    const ping = sender.send('ping', {});
    expect((await waitFor(sender, (f) => f.type === 'pong' && f.refId === ping)).type).toBe('pong');
  }, 30_000);
});

describe('WS_MAX_CONNECTIONS (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let path: string;
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_CONNECTIONS: '3' });
    [alice, bob] = [await createUser(t), await createUser(t)];
    path = `/ws/conversations/${await conversationWith(t, alice, bob)}`;
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it('closes the 4th socket 1013 with error SERVER_BUSY; a freed slot can be used again', async () => {
    const three = [connect(t, path, alice.accessToken), connect(t, path, bob.accessToken), connect(t, path, bob.accessToken)];
    await Promise.all(three.map((c) => c.next('ready')));
    const fourth = connect(t, path, alice.accessToken);
    const closed = await fourth.closedWithin();
    expect(closed.code).toBe(1013);
    expect(closed.error?.payload).toMatchObject({ code: 'SERVER_BUSY', closeCode: 1013 });
    expect(fourth.frames.map((f) => f.type)).toEqual(['error']);

    three[0].close();
    await three[0].closed;
    const again = await retryUntilReady(() => connect(t, path, alice.accessToken));
    expect(again.type).toBe('ready');
  });
});

describe('WS_MAX_CONNECTIONS_PER_USER (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let path: string;
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_CONNECTIONS_PER_USER: '2' });
    [alice, bob] = [await createUser(t), await createUser(t)];
    path = `/ws/conversations/${await conversationWith(t, alice, bob)}`;
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it("closes a user's third socket 4029 with TOO_MANY_CONNECTIONS; other users are not affected", async () => {
    const two = [connect(t, path, alice.accessToken), connect(t, path, alice.accessToken)];
    await Promise.all(two.map((c) => c.next('ready')));
    const third = connect(t, path, alice.accessToken);
    const closed = await third.closedWithin();
    expect(closed.code).toBe(4029);
    expect(closed.error?.payload).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', closeCode: 4029 });
    expect(third.frames.some((f) => f.type === 'ready')).toBe(false);
    await connect(t, path, bob.accessToken).next('ready');
    // The two that were let in are still working.
    for (const c of two) {
      const id = c.send('ping', {});
      expect((await waitFor(c, (f) => f.type === 'pong' && f.refId === id)).refId).toBe(id);
    }
  });
});

describe('WS_AUTH_FAILURES_PER_MINUTE (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let path: string;
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ WS_AUTH_FAILURES_PER_MINUTE: '3' });
    alice = await createUser(t);
    path = `/ws/conversations/${await conversationWith(t, alice)}`;
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it('after 3 failed authentications from 127.0.0.1, even a valid token gets 4029', async () => {
    for (let i = 0; i < 2; i++) expect((await connect(t, path, 'bad-token').closedWithin()).code).toBe(4001);
    // Under the limit, a good token still gets in.
    await connect(t, path, alice.accessToken).next('ready');
    expect((await connect(t, path, 'bad-token').closedWithin()).code).toBe(4001);

    const refused = connect(t, path, alice.accessToken);
    const closed = await refused.closedWithin();
    expect(closed.code).toBe(4029);
    expect(closed.error?.payload).toMatchObject({ code: 'TOO_MANY_AUTH_FAILURES', closeCode: 4029 });
    expect(refused.frames.some((f) => f.type === 'ready')).toBe(false);
  });
});

describe('ping and heartbeat (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let path: string;
  const sockets: WsTestClient[] = [];
  const connect = tracked(sockets);

  beforeAll(async () => {
    t = await startTestApp({ WS_HEARTBEAT_MS: '200' });
    alice = await createUser(t);
    path = `/ws/conversations/${await conversationWith(t, alice)}`;
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it('answers an app-level ping with pong carrying refId', async () => {
    const c = connect(t, path, alice.accessToken);
    await c.next('ready');
    const id = c.send('ping', {});
    const pong = await c.next('pong');
    expect(pong.refId).toBe(id);
    expect(pong.payload).toEqual({});
    expect(typeof pong.id).toBe('string');
    expect(Number.isNaN(Date.parse(pong.timestamp))).toBe(false);
  });

  it("answers a client's protocol ping with a pong carrying its payload, before and after the socket's first frame", async () => {
    const c = connect(t, path, alice.accessToken);
    await c.opened;
    const pongs: string[] = [];
    c.ws.on('pong', (data: Buffer) => pongs.push(data.toString()));
    c.ws.ping('before ready');
    await c.next('ready');
    c.ws.ping('after ready');
    await waitUntil(async () => pongs.length === 2);
    expect(pongs).toEqual(['before ready', 'after ready']);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('terminates a socket that does not answer protocol pings, and keeps one that does', async () => {
    const answering = connect(t, path, alice.accessToken);
    const silent = new WsTestClient(new WebSocket(`${t.wsUrl}${path}`, [], { headers: auth(alice.accessToken), autoPong: false }));
    sockets.push(silent);
    let pings = 0;
    silent.ws.on('ping', () => { pings++; });
    await Promise.all([answering.next('ready'), silent.next('ready')]);

    const closed = await silent.closedWithin(3000);
    expect(pings).toBeGreaterThanOrEqual(1);
    // Terminated, not closed: there is no close handshake with a dead peer.
    expect(closed.code).toBe(1006);

    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    await sleep(600);
    const id = answering.send('ping', {});
    expect((await waitFor(answering, (f) => f.type === 'pong' && f.refId === id)).refId).toBe(id);
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

async function retryUntilReady(open: () => WsTestClient, attempts = 10): Promise<Frame> {
  for (let i = 0; ; i++) {
    const c = open();
    try {
      return await c.next('ready', 2000);
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(50);
    }
  }
}
