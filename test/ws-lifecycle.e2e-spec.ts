import * as jwt from 'jsonwebtoken';
import { ADMIN_ENV, createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, expectAlive, expectServerClose, metricValue, sleep, waitFrame } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

const SECRET = 'ws-lifecycle-e2e-secret-long-enough-012345';
const LEAD_MS = 1500;

/**
 * Session life on live sockets with 3-second access tokens: the prompt, in-band
 * re-auth (users and service keys) and the close at expiry (CONTRACT §3).
 */
describe('WebSocket session lifecycle (e2e)', () => {
  jest.setTimeout(20_000);
  let t: TestApp;
  /** Admin tokens live 3 s here too: log in afresh for each admin call. */
  const adminToken = async () => {
    const { accessToken } = await loginAdmin(t);
    secrets.add(accessToken);
    return accessToken;
  };
  /** Every secret a test handed the server: none may appear in an audit row. */
  const secrets = new Set<string>();
  const user = async (): Promise<TestUser> => {
    const u = await createUser(t);
    secrets.add(u.accessToken).add(u.refreshToken);
    return u;
  };
  const conversation = async (owner: TestUser) =>
    (await t.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'lifecycle' }).expect(201)).body.id as string;
  const convUrl = (id: string) => `${t.wsUrl}/ws/conversations/${id}`;
  const refresh = async (refreshToken: string) => {
    const res = await t.http().post('/v1/auth/refresh').send({ refreshToken }).expect(200);
    secrets.add(res.body.accessToken).add(res.body.refreshToken);
    return res.body as { accessToken: string; refreshToken: string };
  };

  beforeAll(async () => {
    t = await startTestApp({ ...ADMIN_ENV, JWT_SECRET: SECRET, JWT_ACCESS_TTL: '3s', WS_REAUTH_LEAD_MS: String(LEAD_MS), JWT_LEEWAY_S: '0' });
  });
  afterAll(async () => { await t.close(); });

  it('sends auth_required {expiresAt, deadline} WS_REAUTH_LEAD_MS before expiry, not earlier', async () => {
    const alice = await user();
    const { c, ready } = await connectReady(convUrl(await conversation(alice)), alice.accessToken);
    const expiresAt = Date.parse(ready.payload.expiresAt);
    const prompt = await c.next('auth_required', 4000);
    const at = Date.now();
    expect(prompt.payload).toEqual({ expiresAt: ready.payload.expiresAt, deadline: ready.payload.expiresAt });
    expect(at).toBeGreaterThanOrEqual(expiresAt - LEAD_MS);
    expect(at).toBeLessThan(expiresAt);
    c.close();
  });

  it('closes 4001 "token expired" within a second of expiry when no re-auth comes', async () => {
    const alice = await user();
    const { c, ready } = await connectReady(convUrl(await conversation(alice)), alice.accessToken);
    const expiresAt = Date.parse(ready.payload.expiresAt);
    await c.next('auth_required', 4000);
    const closed = await expectServerClose(c, 4001, 'TOKEN_EXPIRED', expiresAt - Date.now() + 1000);
    expect(closed.reason).toBe('token expired');
    expect(c.closedAt!).toBeGreaterThanOrEqual(expiresAt);
    expect(c.closedAt! - expiresAt).toBeLessThan(1000);
  });

  it('re-auth keeps chat going past the first expiry: consecutive seq, no gap, no duplicate', async () => {
    const alice = await user();
    const url = convUrl(await conversation(alice));
    // Two sockets of one user: `sender` re-auths with a refreshed token (same session), `reader` with a second login's.
    const { c: sender, ready: r1 } = await connectReady(url, alice.accessToken);
    const second = await login(t, alice.email, alice.password);
    secrets.add(second.accessToken);
    const { c: reader, ready: r2 } = await connectReady(url, second.accessToken);
    const firstExpiry = Math.max(Date.parse(r1.payload.expiresAt), Date.parse(r2.payload.expiresAt));

    let stop = false;
    let sent = 0;
    const sending = (async () => {
      while (!stop) {
        sender.send('chat_message', { content: `m${sent++}` });
        await sleep(150);
      }
    })();

    await waitFrame(sender, (f) => f.type === 'auth_required', 4000);
    const fresh = await refresh(alice.refreshToken);
    const okId = sender.send('auth', { token: fresh.accessToken });
    const ok = await waitFrame(sender, (f) => f.type === 'auth_ok' && f.refId === okId);
    expect(Date.parse(ok.payload.expiresAt)).toBeGreaterThan(Date.parse(r1.payload.expiresAt));

    await waitFrame(reader, (f) => f.type === 'auth_required', 4000);
    const okId2 = reader.send('auth', { token: second.accessToken });
    const ok2 = await waitFrame(reader, (f) => f.type === 'auth_ok' && f.refId === okId2);
    // The same token again is a good re-auth too; it just does not extend anything.
    expect(ok2.payload.expiresAt).toBe(r2.payload.expiresAt);
    const third = await login(t, alice.email, alice.password);
    secrets.add(third.accessToken);
    const okId3 = reader.send('auth', { token: third.accessToken });
    const ok3 = await waitFrame(reader, (f) => f.type === 'auth_ok' && f.refId === okId3);
    expect(Date.parse(ok3.payload.expiresAt)).toBeGreaterThan(Date.parse(r2.payload.expiresAt));

    await sleep(firstExpiry + 700 - Date.now());
    stop = true;
    await sending;
    await waitFrame(sender, () => sender.frames.filter((f) => f.type === 'ack').length === sent, 3000);
    await waitFrame(reader, () => reader.frames.filter((f) => f.type === 'chat_message').length === sent, 3000);

    await expectAlive(sender);
    await expectAlive(reader);
    const acked = sender.frames.filter((f) => f.type === 'ack').map((f) => f.payload.seq);
    expect(acked.length).toBeGreaterThan(10);
    expect(acked).toEqual(acked.map((_, i) => acked[0] + i));
    expect(reader.frames.filter((f) => f.type === 'chat_message').map((f) => f.payload.seq)).toEqual(acked);
    for (const c of [sender, reader]) {
      expect(c.frames.filter((f) => f.type === 'error')).toEqual([]);
      // A prompt after the extending re-auth is for the new token, never the old one.
      const lastOk = c.frames.map((f) => f.type).lastIndexOf('auth_ok');
      const afterOk = c.frames.slice(lastOk);
      const oldExpiry = (c === sender ? r1 : r2).payload.expiresAt;
      expect(afterOk.filter((f) => f.type === 'auth_required' && f.payload.expiresAt === oldExpiry)).toEqual([]);
    }
    sender.close();
    reader.close();
  });

  it('re-auth at any time answers auth_ok and reschedules the prompt and the close', async () => {
    const alice = await user();
    const { c, ready } = await connectReady(convUrl(await conversation(alice)), alice.accessToken);
    const oldExpiry = Date.parse(ready.payload.expiresAt);
    await sleep(1100); // so a new token's whole-second exp is later than the first
    const next = await login(t, alice.email, alice.password);
    secrets.add(next.accessToken);
    const id = c.send('auth', { token: next.accessToken });
    const ok = await waitFrame(c, (f) => f.type === 'auth_ok' && f.refId === id);
    const newExpiry = Date.parse(ok.payload.expiresAt);
    expect(newExpiry).toBeGreaterThan(oldExpiry);
    const prompt = await waitFrame(c, (f) => f.type === 'auth_required' && f.payload.expiresAt === ok.payload.expiresAt, 4000);
    expect(Date.parse(prompt.timestamp)).toBeGreaterThanOrEqual(newExpiry - LEAD_MS);
    await sleep(oldExpiry + 400 - Date.now());
    await expectAlive(c);
    await expectServerClose(c, 4001, 'TOKEN_EXPIRED', newExpiry - Date.now() + 1000);
    expect(c.closedAt!).toBeGreaterThanOrEqual(newExpiry);
  });

  describe('a bad re-auth closes 4001 and never echoes the token', () => {
    const expectReauthClose = async (socketUser: TestUser, token: string, errorCode: string) => {
      const { c } = await connectReady(convUrl(await conversation(socketUser)), socketUser.accessToken);
      c.send('auth', { token });
      const closed = await expectServerClose(c, 4001, errorCode);
      expect(JSON.stringify(c.frames)).not.toContain(token);
      expect(closed.reason).not.toContain(token);
    };

    it("another user's token", async () => {
      const [alice, bob] = [await user(), await user()];
      await expectReauthClose(alice, bob.accessToken, 'UNAUTHENTICATED');
    });

    it("another user's token, whatever that user's state: deactivated (which alone would be 4002) or logged out", async () => {
      const [alice, dora, erin] = [await user(), await user(), await user()];
      await t.http().patch(`/v1/admin/users/${dora.id}`).set(bearer(await adminToken())).send({ active: false }).expect(200);
      await expectReauthClose(alice, dora.accessToken, 'UNAUTHENTICATED');
      await t.http().post('/v1/auth/logout').set(bearer(erin.accessToken)).expect(204);
      await expectReauthClose(alice, erin.accessToken, 'UNAUTHENTICATED');
    });

    it('an expired token of the same user and session', async () => {
      const alice = await user();
      const { sub, sid } = jwt.decode(alice.accessToken) as { sub: string; sid: string };
      const expired = jwt.sign({ sid, role: 'user' }, SECRET, { subject: sub, issuer: 'portcullis', audience: 'portcullis-clients', expiresIn: -5 });
      secrets.add(expired);
      await expectReauthClose(alice, expired, 'TOKEN_EXPIRED');
    });

    it("a revoked session's token", async () => {
      const alice = await user();
      const other = await login(t, alice.email, alice.password);
      secrets.add(other.accessToken);
      await t.http().post('/v1/auth/logout').set(bearer(other.accessToken)).expect(204);
      await expectReauthClose(alice, other.accessToken, 'SESSION_REVOKED');
    });

    it.each([['missing', {}], ['not a string', { token: 42 }]])('a token that is %s (a bad credential, not a bad frame)', async (_, payload) => {
      const alice = await user();
      const { c } = await connectReady(convUrl(await conversation(alice)), alice.accessToken);
      c.send('auth', payload);
      await expectServerClose(c, 4001, 'UNAUTHENTICATED');
    });

    it('a malformed token', async () => {
      const alice = await user();
      await expectReauthClose(alice, 'not-a-token', 'UNAUTHENTICATED');
    });
  });

  describe('service keys on /ws/live-listener', () => {
    const newKey = async () => {
      const res = await t.http().post('/v1/admin/api-keys').set(bearer(await adminToken())).send({ name: 'ingest' }).expect(201);
      secrets.add(res.body.secret);
      return res.body as { id: string; secret: string };
    };
    const listenerUrl = () => `${t.wsUrl}/ws/live-listener`;

    it('re-auth with the same key answers auth_ok {expiresAt: null}; no prompt ever comes and ingest goes on', async () => {
      const key = await newKey();
      const { c, ready } = await connectReady(listenerUrl(), key.secret);
      expect(ready.payload.expiresAt).toBeNull();
      c.send('start', { format: 'pcm16' });
      expect((await c.next('status')).payload).toMatchObject({ state: 'receiving', chunks: 0 });
      const id = c.send('auth', { token: key.secret });
      const ok = await c.next('auth_ok');
      expect(ok).toMatchObject({ refId: id, payload: { expiresAt: null } });
      c.ws.send(Buffer.alloc(100));
      expect((await c.next('status')).payload).toMatchObject({ state: 'receiving', chunks: 1, bytes: 100 });
      // Past a user token's whole lifetime (3 s): a key does not expire, so no prompt and no close.
      await sleep(3500);
      await expectAlive(c);
      c.send('stop', {});
      expect((await c.next('status')).payload).toMatchObject({ state: 'stopped', chunks: 1 });
      expect(c.frames.filter((f) => f.type === 'auth_required' || f.type === 'error')).toEqual([]);
      c.close();
    });

    it('re-auth with a revoked key closes 4001', async () => {
      const [key, revoked] = [await newKey(), await newKey()];
      await t.http().delete(`/v1/admin/api-keys/${revoked.id}`).set(bearer(await adminToken())).expect(204);
      const { c } = await connectReady(listenerUrl(), key.secret);
      c.send('auth', { token: revoked.secret });
      await expectServerClose(c, 4001, 'UNAUTHENTICATED');
      expect(JSON.stringify(c.frames)).not.toContain(revoked.secret);
    });

    it("re-auth with a user's access token closes 4001", async () => {
      const key = await newKey();
      const alice = await user();
      const { c } = await connectReady(listenerUrl(), key.secret);
      c.send('auth', { token: alice.accessToken });
      await expectServerClose(c, 4001, 'UNAUTHENTICATED');
    });
  });

  it('counts prompts, re-auths and expiry closes in /metrics', async () => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    expect(metricValue(text, 'portcullis_ws_auth_required_total')).toBeGreaterThanOrEqual(4);
    expect(metricValue(text, 'portcullis_ws_reauth_total', { result: 'ok' })).toBeGreaterThanOrEqual(5);
    expect(metricValue(text, 'portcullis_ws_reauth_total', { result: 'failed' })).toBeGreaterThanOrEqual(6);
    expect(metricValue(text, 'portcullis_ws_expiry_closes_total')).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'portcullis_ws_connections', { endpoint: '/ws/conversations/:conversationId' })).toBe(0);
    expect(metricValue(text, 'portcullis_ws_connections', { endpoint: '/ws/live-listener' })).toBe(0);
  });

  it('audits re-auth success and failure and expiry closes with user and session, never a token', async () => {
    const audit = async (type: string) =>
      (await t.http().get(`/v1/admin/audit?type=${type}&limit=1000`).set(bearer(await adminToken())).expect(200)).body.items as Array<Record<string, unknown>>;
    const ok = await audit('ws_reauth');
    const failed = await audit('ws_reauth_failed');
    const expired = await audit('ws_expired');
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(failed.length).toBeGreaterThanOrEqual(6);
    expect(expired.length).toBeGreaterThanOrEqual(2);
    for (const row of [...ok.filter((r) => r.userId), ...failed.filter((r) => r.userId), ...expired]) {
      expect(row).toMatchObject({ userId: expect.any(String), sessionId: expect.any(String) });
    }
    expect(failed.map((r) => r.reason)).toEqual(expect.arrayContaining(['other_user', 'expired', 'revoked']));
    const everything = JSON.stringify(await audit('ws_reauth')) + JSON.stringify(failed) + JSON.stringify(expired)
      + JSON.stringify((await t.http().get('/v1/admin/audit?limit=1000').set(bearer(await adminToken())).expect(200)).body);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});

describe('WebSocket re-auth within JWT_LEEWAY_S (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ JWT_SECRET: SECRET, JWT_LEEWAY_S: '30' }); });
  afterAll(async () => { await t.close(); });

  it('a token past its exp but inside the leeway is no re-auth: 4001 TOKEN_EXPIRED, never auth_ok', async () => {
    const alice = await createUser(t);
    const id = (await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'leeway' }).expect(201)).body.id;
    const { c } = await connectReady(`${t.wsUrl}/ws/conversations/${id}`, alice.accessToken);
    const { sub, sid } = jwt.decode(alice.accessToken) as { sub: string; sid: string };
    const stale = jwt.sign({ sid, role: 'user' }, SECRET, { subject: sub, issuer: 'portcullis', audience: 'portcullis-clients', expiresIn: -5 });
    // REST still takes it (skew allowance), so the refusal below is the socket's own rule.
    await t.http().get('/v1/auth/me').set(bearer(stale)).expect(200);
    c.send('auth', { token: stale });
    await expectServerClose(c, 4001, 'TOKEN_EXPIRED');
    expect(c.frames.map((f) => f.type)).toEqual(['ready', 'error']);
  });
});
