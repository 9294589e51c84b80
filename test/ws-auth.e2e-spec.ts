import * as jwt from 'jsonwebtoken';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const SECRET = 'ws-auth-e2e-secret-that-is-long-enough-0123';

describe('WebSocket handshake and message authentication (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let conversationId: string;
  const url = () => `${t.wsUrl}/ws/conversations/${conversationId}`;
  const forge = (claims: object, opts: jwt.SignOptions = {}, key: jwt.Secret = SECRET) => {
    const { sub, sid } = jwt.decode(alice.accessToken) as { sub: string; sid: string };
    return jwt.sign({ sid, role: 'user', ...claims }, key, { subject: sub, issuer: 'portcullis', audience: 'portcullis-clients', expiresIn: 60, ...opts });
  };

  beforeAll(async () => {
    t = await startTestApp({ JWT_SECRET: SECRET, WS_AUTH_TIMEOUT_MS: '400', WS_ALLOWED_ORIGINS: 'https://good.example' });
    alice = await createUser(t);
    const res = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${alice.accessToken}`).send({ title: 'auth' }).expect(201);
    conversationId = res.body.id;
  });
  afterAll(async () => { await t.close(); });

  async function expectReady(c: WsTestClient) {
    const ready = await c.next('ready');
    expect(ready.payload).toMatchObject({ userId: alice.id, resource: { conversationId } });
    expect(typeof ready.payload.sessionId).toBe('string');
    expect(Date.parse(ready.payload.expiresAt)).toBeGreaterThan(Date.now());
    // Times are ISO 8601 in UTC with milliseconds, exactly as Date#toISOString writes them.
    for (const at of [ready.timestamp, ready.payload.expiresAt]) expect(new Date(at).toISOString()).toBe(at);
    c.close();
  }

  it('accepts Authorization: Bearer', async () => {
    await expectReady(WsTestClient.connect(url(), { headers: { Authorization: `Bearer ${alice.accessToken}` } }));
  });

  it('accepts the WS_TOKEN_HEADER header', async () => {
    await expectReady(WsTestClient.connect(url(), { headers: { 'x-portcullis-token': alice.accessToken } }));
  });

  it.each([
    [['portcullis.v2', 'bearer.TOKEN']],
    [['bearer.TOKEN', 'portcullis.v2']],
  ])('accepts Sec-WebSocket-Protocol %j, selects portcullis.v2 and never echoes the token', async (offered) => {
    const c = WsTestClient.connect(url(), { protocols: offered.map((p) => p.replace('TOKEN', alice.accessToken)) });
    await c.opened;
    expect(c.ws.protocol).toBe('portcullis.v2');
    await expectReady(c);
  });

  it('accepts a single-use ticket, and refuses it the second time with 4001', async () => {
    const { body } = await t.http().post('/v1/auth/ws-ticket').set('Authorization', `Bearer ${alice.accessToken}`).expect(201);
    await expectReady(WsTestClient.connect(`${url()}?ticket=${encodeURIComponent(body.ticket)}`));
    const again = WsTestClient.connect(`${url()}?ticket=${encodeURIComponent(body.ticket)}`);
    const closed = await again.closedWithin();
    expect(closed.code).toBe(4001);
    expect(closed.error?.payload.closeCode).toBe(4001);
  });

  it('accepts ?token= while allowed', async () => {
    await expectReady(WsTestClient.connect(`${url()}?token=${alice.accessToken}`));
  });

  it('accepts a first auth frame, and holds frames sent meanwhile until the verdict', async () => {
    const c = WsTestClient.connect(url());
    await c.opened;
    c.send('auth', { token: alice.accessToken });
    const pingId = c.send('ping', {});
    const ready = await c.next();
    expect(ready.type).toBe('ready');
    const pong = await c.next('pong');
    expect(pong.refId).toBe(pingId);
    c.close();
  });

  it('two auth frames during a verify yield exactly one ready', async () => {
    const c = WsTestClient.connect(url());
    await c.opened;
    c.send('auth', { token: alice.accessToken });
    c.send('auth', { token: alice.accessToken });
    await c.next('ready');
    await c.next('auth_ok');
    expect(c.frames.filter((f) => f.type === 'ready')).toHaveLength(1);
    c.close();
  });

  it('closes 4008 when no auth frame comes within the deadline', async () => {
    const c = WsTestClient.connect(url());
    const closed = await c.closedWithin(3000);
    expect(closed.code).toBe(4008);
    expect(closed.error?.payload.code).toBe('AUTH_TIMEOUT');
  });

  it.each([
    ['missing', {}],
    ['not a string', { token: 42 }],
    ['empty', { token: '' }],
    ['malformed', { token: 'not.a.jwt' }],
  ])('closes 4001 (a bad credential, not a bad frame) when the first-frame auth token is %s', async (_, payload) => {
    const c = WsTestClient.connect(url());
    await c.opened;
    c.send('auth', payload);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4001);
    expect(closed.error?.payload).toMatchObject({ code: 'UNAUTHENTICATED', closeCode: 4001 });
    expect(c.frames.map((f) => f.type)).toEqual(['error']);
  });

  it('closes 1008 when the first frame is not auth', async () => {
    const c = WsTestClient.connect(url());
    await c.opened;
    c.send('ping', {});
    expect((await c.closedWithin()).code).toBe(1008);
  });

  it.each([
    ['alg none', () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', sid: 'y', exp: 9999999999, aud: 'portcullis-clients', iss: 'portcullis' })).toString('base64url')}.`],
    ['wrong key', () => forge({}, {}, 'another-secret-that-is-also-long-enough-0000')],
    ['expired', () => forge({}, { expiresIn: -60 })],
    ['wrong audience', () => forge({}, { audience: 'someone-else' })],
    ['wrong issuer', () => forge({}, { issuer: 'someone-else' })],
    ['garbage', () => 'not-a-token'],
  ])('closes 4001 with an error frame for a %s token, and never echoes it', async (_name, make) => {
    const token = make();
    const c = WsTestClient.connect(url(), { headers: { Authorization: `Bearer ${token}` } });
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4001);
    expect(closed.error?.type).toBe('error');
    expect(JSON.stringify(c.frames)).not.toContain(token);
    expect(closed.reason).not.toContain(token);
  });

  it('lets the first credential decide: a bad header token is not rescued by a good query token', async () => {
    const c = WsTestClient.connect(`${url()}?token=${alice.accessToken}`, { headers: { Authorization: 'Bearer nope' } });
    expect((await c.closedWithin()).code).toBe(4001);
  });

  it('passes over an Authorization header of another scheme: a proxy\'s Basic login does not stand in the way of a ticket or a first auth frame', async () => {
    const basic = { Authorization: 'Basic Zm9vOmJhcg==' };
    const { body } = await t.http().post('/v1/auth/ws-ticket').set('Authorization', `Bearer ${alice.accessToken}`).expect(201);
    await expectReady(WsTestClient.connect(`${url()}?ticket=${body.ticket}`, { headers: basic }));
    const c = WsTestClient.connect(url(), { headers: basic });
    await c.opened;
    c.send('auth', { token: alice.accessToken });
    expect((await c.next()).type).toBe('ready');
    c.close();
    // `Bearer` with no token is ours, and malformed.
    expect((await WsTestClient.connect(`${url()}?token=${alice.accessToken}`, { headers: { Authorization: 'Bearer' } }).closedWithin()).code).toBe(4001);
  });

  it('refuses a disallowed browser Origin with HTTP 403 before any upgrade, exact match only', async () => {
    for (const origin of ['https://evil.example', 'https://good.example.evil.com', 'https://evil.com/?https://good.example']) {
      const c = WsTestClient.connect(url(), { headers: { Authorization: `Bearer ${alice.accessToken}`, Origin: origin } });
      await expect(c.opened).rejects.toThrow('403');
      expect(c.rejectedStatus).toBe(403);
    }
    await expectReady(WsTestClient.connect(url(), { headers: { Authorization: `Bearer ${alice.accessToken}`, Origin: 'https://good.example' } }));
  });

  it('answers an unknown path with HTTP 404', async () => {
    const c = WsTestClient.connect(`${t.wsUrl}/ws/nowhere`);
    await expect(c.opened).rejects.toThrow('404');
  });
});
