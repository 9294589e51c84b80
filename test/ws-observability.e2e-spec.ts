import { PassThrough } from 'node:stream';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/** WebSocket authentication shows in the logs (one line per event, never a token) and in /metrics. */
describe('WebSocket logs and metrics (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let path: string;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const sink = new PassThrough();
    let buf = '';
    sink.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) { lines.push(JSON.parse(buf.slice(0, i))); buf = buf.slice(i + 1); }
    });
    t = await startTestApp({ LOG_LEVEL: 'info', WS_AUTH_TIMEOUT_MS: '300' }, sink);
    alice = await createUser(t);
    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${alice.accessToken}`).send({ title: 'obs' }).expect(201);
    path = `${t.wsUrl}/ws/conversations/${conv.body.id}`;
  });
  afterAll(async () => { await t.close(); });

  const logged = (msg: string) => lines.filter((l) => l.msg === msg);
  const waitLogged = async (msg: string, n = 1) => {
    for (let i = 0; i < 100 && logged(msg).length < n; i++) await new Promise((r) => setTimeout(r, 20));
    return logged(msg);
  };

  it('logs authentication, each failure with its reason, origin refusals, auth timeouts and server closes — never the token', async () => {
    const ok = WsTestClient.connect(path, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await ok.next('ready');
    expect((await waitLogged('ws authenticated'))[0]).toMatchObject({ method: 'header', userId: alice.id, endpoint: '/ws/conversations/:conversationId' });

    const bad = WsTestClient.connect(path, { headers: { Authorization: 'Bearer not-a-valid-token-0123' } });
    await bad.closedWithin();
    const silent = WsTestClient.connect(path);
    await silent.closedWithin();
    const failures = await waitLogged('ws authentication failed', 2);
    expect(failures.map((f) => [f.reason, f.code])).toEqual(expect.arrayContaining([['malformed', 4001], ['timeout', 4008]]));

    const foreign = WsTestClient.connect(path, { headers: { Origin: 'https://evil.example' } });
    await foreign.opened.catch(() => undefined);
    expect((await waitLogged('ws upgrade refused: origin not allowed'))[0]).toMatchObject({ origin: 'https://evil.example' });
    expect((await waitLogged('ws closed by server', 2)).map((l) => l.code)).toEqual(expect.arrayContaining([4001, 4008]));

    ok.close();
    const all = JSON.stringify(lines);
    expect(all).not.toContain(alice.accessToken);
    expect(all).not.toContain('not-a-valid-token-0123');
  });

  it('counts frames and bytes both ways and unauthenticated sockets in /metrics', async () => {
    const c = WsTestClient.connect(path, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    await c.next('ready');
    const waiting = WsTestClient.connect(`${path}`);
    await waiting.opened;
    c.send('ping', {});
    await c.next('pong');
    const text = (await t.http().get('/metrics').expect(200)).text;
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('portcullis_ws_frames_received_total')).toBeGreaterThanOrEqual(1);
    expect(value('portcullis_ws_received_bytes_total')).toBeGreaterThan(0);
    expect(value('portcullis_ws_frames_sent_total')).toBeGreaterThanOrEqual(2);
    expect(value('portcullis_ws_sent_bytes_total')).toBeGreaterThan(value('portcullis_ws_frames_sent_total'));
    expect(value('portcullis_ws_unauthenticated_sockets')).toBe(1);
    c.close();
    waiting.close();
  });
});
