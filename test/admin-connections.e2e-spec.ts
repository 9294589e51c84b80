import { randomUUID } from 'node:crypto';
import { ADMIN_ENV, createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, expectAlive, expectServerClose, sleep } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

const FIELDS = ['authMethod', 'connectedAt', 'endpoint', 'id', 'remoteAddress', 'resource', 'sessionId', 'tokenExpiresAt', 'userId'];

/** GET/DELETE /v1/admin/connections: live sockets, and closing one by hand (CONTRACT §2). */
describe('Admin connections (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;
  let key: { id: string; secret: string };
  const convUrl = () => `${t.wsUrl}/ws/conversations/${conversationId}`;
  const list = async (query = '') => (await t.http().get(`/v1/admin/connections${query}`).set(bearer(admin)).expect(200)).body as Array<Record<string, any>>;
  const open: WsTestClient[] = [];
  const connect = async (token: string, url = convUrl()) => {
    const r = await connectReady(url, token);
    open.push(r.c);
    return r;
  };

  beforeAll(async () => {
    t = await startTestApp(ADMIN_ENV);
    admin = (await loginAdmin(t)).accessToken;
    adminId = (await t.http().get('/v1/auth/me').set(bearer(admin)).expect(200)).body.id;
    [alice, bob] = [await createUser(t), await createUser(t)];
    conversationId = (await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'admin' }).expect(201)).body.id;
    await t.http().post(`/v1/conversations/${conversationId}/members`).set(bearer(alice.accessToken)).send({ userId: bob.id }).expect(201);
    key = (await t.http().post('/v1/admin/api-keys').set(bearer(admin)).send({ name: 'listener' }).expect(201)).body;
  });
  // Wait for each close, so the next test's listing starts empty.
  afterEach(async () => { await Promise.all(open.splice(0).map((c) => { c.close(); return c.closed; })); });
  afterAll(async () => { await t.close(); });

  it.each([['get', '/v1/admin/connections'], ['delete', `/v1/admin/connections/${randomUUID()}`]] as const)(
    '%s %s: 401 without a token, 403 for a non-admin', async (method, path) => {
      await t.http()[method](path).expect(401);
      const res = await t.http()[method](path).set(bearer(alice.accessToken));
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });

  it('lists every live authenticated socket with exactly the documented fields', async () => {
    const before = Date.now() - 1000;
    const { ready } = await connect(alice.accessToken);
    const sub = WsTestClient.connect(convUrl(), { protocols: ['portcullis.v2', `bearer.${bob.accessToken}`] });
    open.push(sub);
    await sub.next('ready');
    const first = WsTestClient.connect(convUrl());
    open.push(first);
    await first.opened;
    first.send('auth', { token: bob.accessToken });
    await first.next('ready');
    await connect(key.secret, `${t.wsUrl}/ws/live-listener`);
    // Still authenticating: not listed.
    const pending = WsTestClient.connect(convUrl());
    open.push(pending);
    await pending.opened;

    const rows = await list();
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(FIELDS);
    const mine = rows.find((r) => r.userId === alice.id)!;
    expect(mine).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), userId: alice.id, sessionId: ready.payload.sessionId,
      endpoint: '/ws/conversations/:conversationId', resource: { conversationId }, authMethod: 'header',
      connectedAt: expect.any(String), tokenExpiresAt: ready.payload.expiresAt, remoteAddress: '127.0.0.1',
    });
    expect(Date.parse(mine.connectedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(mine.connectedAt)).toBeLessThanOrEqual(Date.now());
    expect(rows.filter((r) => r.userId === bob.id).map((r) => r.authMethod).sort()).toEqual(['message', 'subprotocol']);
    expect(rows.find((r) => r.endpoint === '/ws/live-listener')).toMatchObject({
      userId: null, sessionId: null, authMethod: 'header', tokenExpiresAt: null, resource: {},
    });
    expect(JSON.stringify(rows)).not.toContain(key.secret);
    expect(JSON.stringify(rows)).not.toContain(alice.accessToken);
  });

  it('filters by user, and refuses a userId that is not a UUID with 400', async () => {
    await connect(alice.accessToken);
    await connect(alice.accessToken);
    await connect(bob.accessToken);
    expect((await list(`?userId=${alice.id}`)).map((r) => r.userId)).toEqual([alice.id, alice.id]);
    expect((await list(`?userId=${bob.id}`)).map((r) => r.userId)).toEqual([bob.id]);
    expect(await list(`?userId=${randomUUID()}`)).toEqual([]);
    const bad = await t.http().get('/v1/admin/connections?userId=nope').set(bearer(admin)).expect(400);
    expect(bad.body.message).toEqual(expect.arrayContaining([expect.stringContaining('userId')]));
  });

  it('DELETE closes that one socket 4001 with an error frame, "closed by an administrator"; the rest stay open', async () => {
    const { c: target, ready } = await connect(alice.accessToken);
    const second = await login(t, alice.email, alice.password);
    const { c: sibling } = await connect(second.accessToken);
    const { c: other } = await connect(bob.accessToken);
    const row = (await list(`?userId=${alice.id}`)).find((r) => r.sessionId === ready.payload.sessionId)!;
    const start = Date.now();
    await t.http().delete(`/v1/admin/connections/${row.id}`).set(bearer(admin)).expect(204);
    const closed = await expectServerClose(target, 4001, 'CLOSED_BY_ADMIN');
    expect(target.closedAt! - start).toBeLessThan(1000);
    expect(closed.reason).toBe('closed by an administrator');
    await expectAlive(sibling);
    await expectAlive(other);
    await waitUntil(async () => !(await list()).some((r) => r.id === row.id));
    expect(await list(`?userId=${alice.id}`)).toHaveLength(1);
  });

  it('DELETE ?code= closes with a chosen documented code', async () => {
    for (const code of [4003, 1000, 4002]) {
      const { c } = await connect(bob.accessToken);
      const [row] = await list(`?userId=${bob.id}`);
      await t.http().delete(`/v1/admin/connections/${row.id}?code=${code}`).set(bearer(admin)).expect(204);
      await expectServerClose(c, code, 'CLOSED_BY_ADMIN');
      await waitUntil(async () => (await list(`?userId=${bob.id}`)).length === 0);
    }
  });

  it('DELETE with an undocumented or malformed code is 400 naming code, and closes nothing', async () => {
    const { c } = await connect(alice.accessToken);
    const [row] = await list(`?userId=${alice.id}`);
    for (const code of ['4999', '1006', '3000', 'abc', '4001.5']) {
      const res = await t.http().delete(`/v1/admin/connections/${row.id}?code=${code}`).set(bearer(admin)).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('code');
    }
    await expectAlive(c);
  });

  it('DELETE of an unknown or malformed id is 404', async () => {
    await t.http().delete(`/v1/admin/connections/${randomUUID()}`).set(bearer(admin)).expect(404);
    await t.http().delete('/v1/admin/connections/not-a-uuid').set(bearer(admin)).expect(404);
  });

  it('closes a service socket by hand too, and audits every admin close with user, session, code and admin', async () => {
    const { c } = await connect(key.secret, `${t.wsUrl}/ws/live-listener`);
    const row = (await list()).find((r) => r.endpoint === '/ws/live-listener')!;
    await t.http().delete(`/v1/admin/connections/${row.id}`).set(bearer(admin)).expect(204);
    await expectServerClose(c, 4001, 'CLOSED_BY_ADMIN');
    const audit = (await t.http().get('/v1/admin/audit?type=ws_admin_close&limit=100').set(bearer(admin)).expect(200)).body.items as Array<{ userId: string | null; sessionId: string | null; detail: Record<string, unknown> }>;
    expect(audit.length).toBeGreaterThanOrEqual(5);
    for (const a of audit) expect(a.detail).toMatchObject({ code: expect.any(Number), by: adminId });
    expect(audit.filter((a) => a.userId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ userId: alice.id, sessionId: expect.any(String), detail: expect.objectContaining({ code: 4001 }) }),
      expect.objectContaining({ userId: bob.id, sessionId: expect.any(String), detail: expect.objectContaining({ code: 4003 }) }),
    ]));
    expect(audit.find((a) => a.userId === null)).toMatchObject({ detail: { code: 4001, apiKeyId: key.id } });
    expect(JSON.stringify(audit)).not.toContain(key.secret);
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
