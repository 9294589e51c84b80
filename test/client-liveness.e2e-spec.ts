/**
 * @portcullis/client noticing a connection that went quiet without closing
 * (a laptop asleep, a changed network, a proxy or NAT that dropped the flow):
 * the socket stays "open" at both ends and TCP says nothing. Through a proxy
 * that loses every byte of a path on command, the client's watchdog pings
 * after a quiet spell, gives up when nothing answers, reconnects, and the chat
 * sent into the dark is stored once and acked after the resume.
 */
import { ServerFrames } from '@portcullis/client';
import { BlackholeProxy, startBlackholeProxy } from './helpers/blackhole-proxy';
import { createUser } from './helpers/factories';
import { bearer, nthEvent, nthState, reach, sdkClient } from './helpers/sdk-client';
import { startTestApp, TestApp } from './helpers/test-app';

jest.setTimeout(30_000);

describe('@portcullis/client liveness watchdog', () => {
  let t: TestApp;
  let proxy: BlackholeProxy;
  beforeAll(async () => {
    t = await startTestApp();
    proxy = await startBlackholeProxy(Number(new URL(t.baseUrl).port));
  });
  afterAll(async () => {
    await proxy.close();
    await t.close();
  });
  afterEach(() => proxy.hangNew(false));

  async function conversation(title: string) {
    const user = await createUser(t);
    const id = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title })).body.id as string;
    return { user, id };
  }

  it('pings a quiet, healthy connection and stays on the same socket while the pongs come', async () => {
    const { user, id } = await conversation('quiet');
    const { client, states } = sdkClient(t, `/ws/conversations/${id}`, { getToken: () => user.accessToken, liveness: { idleMs: 150, pongTimeoutMs: 5000 } });
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    client.connect();
    await reach(client, 'ready');
    const before = states.length;
    try {
      await nthEvent(client, 'pong', 4);
    } finally {
      client.close();
    }
    expect(states.slice(before).map((s) => s.state)).toEqual(['closed']); // nothing between ready and our close()
    expect(closes).toEqual([]);
  });

  it('gives up on a connection that went dark, reconnects, and stores the chat sent into it once', async () => {
    const { user, id } = await conversation('dark');
    const { client, states } = sdkClient({ wsUrl: proxy.wsUrl }, `/ws/conversations/${id}`, {
      getToken: () => user.accessToken,
      liveness: { idleMs: 200, pongTimeoutMs: 300 },
      backoff: { initialMs: 50, maxMs: 100 },
    });
    const closes: Array<{ code: number; reason: string }> = [];
    client.on('close', (c) => closes.push({ code: c.code, reason: c.reason }));
    const delivered: Array<ServerFrames['chat_message']> = [];
    client.on('chat_message', (m) => delivered.push(m));
    client.connect();
    await reach(client, 'ready');
    expect((await client.chat('before')).seq).toBe(1);

    expect(proxy.darkenOpen()).toBe(1);
    const dropped = nthState(client, (s) => s.state === 'reconnecting');
    const intoTheDark = client.chat('into the dark'); // written to the dark socket: lost on the way
    const change = await dropped;
    expect(change).toMatchObject({ previous: 'ready', reason: 'no answer to ping within 300 ms', closeCode: 1006 });
    expect(closes).toEqual([{ code: 1006, reason: 'no answer to ping within 300 ms' }]);

    await reach(client, 'ready');
    expect((await intoTheDark).seq).toBe(2);
    expect((await client.chat('after')).seq).toBe(3);
    if (delivered.length < 3) await nthEvent(client, 'chat_message', 3 - delivered.length);
    expect(delivered.map((m) => [m.seq, m.content])).toEqual([[1, 'before'], [2, 'into the dark'], [3, 'after']]);
    const stored = (await t.http().get(`/v1/conversations/${id}/messages`).set(bearer(user.accessToken))).body as Array<{ content: string }>;
    expect(stored.map((m) => m.content)).toEqual(['before', 'into the dark', 'after']);
    expect(states.filter((s) => s.state === 'ready')).toHaveLength(2);
    client.close();
  });

  it('abandons an attempt whose upgrade is never answered, and gets in once the path works', async () => {
    const { user, id } = await conversation('hang');
    proxy.hangNew(true);
    const accepted = proxy.accepted();
    const { client } = sdkClient({ wsUrl: proxy.wsUrl }, `/ws/conversations/${id}`, {
      getToken: () => user.accessToken,
      liveness: { connectTimeoutMs: 300 },
      backoff: { initialMs: 50, maxMs: 100 },
    });
    client.connect();
    const gaveUp = await nthState(client, (s) => s.state === 'reconnecting', 2);
    expect(gaveUp).toMatchObject({ previous: 'connecting', reason: 'no ready within 300 ms', closeCode: 1006 });
    expect(proxy.accepted() - accepted).toBeGreaterThanOrEqual(2);
    proxy.hangNew(false);
    await reach(client, 'ready');
    expect((await client.chat('got in')).seq).toBe(1);
    client.close();
  });
});
