import { ADMIN_ENV, createUser, loginAdmin, TestUser, uniqueEmail } from './helpers/factories';
import { logCapture, startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const A = '203.0.113.10';
const B = '198.51.100.20';

async function badLogin(t: TestApp, headers: Record<string, string>): Promise<number> {
  return (await t.http().post('/v1/auth/login').set(headers).send({ email: uniqueEmail(), password: 'wrong password' })).status;
}

function socket(t: TestApp, path: string, token: string, headers: Record<string, string>): WsTestClient {
  return WsTestClient.connect(`${t.wsUrl}${path}`, { headers: { ...bearer(token), ...headers } });
}

describe('TRUST_PROXY (e2e)', () => {
  describe('on (trusting the loopback balancer)', () => {
    let t: TestApp;
    const log = logCapture();
    let alice: TestUser;
    let path: string;

    beforeAll(async () => {
      t = await startTestApp({
        ...ADMIN_ENV, TRUST_PROXY: 'loopback', LOG_LEVEL: 'info', LOGIN_RATE_LIMIT_PER_MINUTE: '3', WS_AUTH_FAILURES_PER_MINUTE: '2',
      }, log.sink);
      alice = await createUser(t);
      const conv = await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'proxy' }).expect(201);
      path = `/ws/conversations/${conv.body.id}`;
    });
    afterAll(async () => { await t.close(); });

    it('limits REST logins per forwarded address: A is refused 429, B is not', async () => {
      const fromA = { 'X-Forwarded-For': `1.2.3.4, ${A}` };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await badLogin(t, fromA));
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(await badLogin(t, { 'X-Forwarded-For': B })).toBe(401);
    });

    it('writes the forwarded address into audit rows and request log lines', async () => {
      await t.http().post('/v1/auth/login').set({ 'X-Forwarded-For': '192.0.2.77' }).send({ email: 'nobody@example.test', password: 'wrong password' });
      const admin = await loginAdmin(t);
      const audit = await t.http().get('/v1/admin/audit?type=login_failed&limit=1000').set(bearer(admin.accessToken)).expect(200);
      expect(JSON.stringify(audit.body)).toContain('"ip":"192.0.2.77"');
      const line = log.text().split('\n').find((l) => l.includes('"remoteAddress":"192.0.2.77"'));
      expect(line).toBeDefined();
    });

    it('limits WebSocket auth failures per forwarded address: A gets 4029, B still authenticates', async () => {
      const fromA = { 'X-Forwarded-For': A };
      for (let i = 0; i < 2; i++) expect((await socket(t, path, 'bad-token', fromA).closedWithin()).code).toBe(4001);
      const refused = await socket(t, path, alice.accessToken, fromA).closedWithin();
      expect(refused.code).toBe(4029);
      const b = socket(t, path, alice.accessToken, { 'X-Forwarded-For': B });
      await b.next('ready');
      b.close();
      // Forwarded is not read while TRUST_PROXY_HEADER is x-forwarded-for: this socket is keyed on the balancer, not on A.
      const viaForwarded = socket(t, path, alice.accessToken, { Forwarded: `for=${A}` });
      await viaForwarded.next('ready');
      viaForwarded.close();
    });
  });

  describe('on, reading the Forwarded header', () => {
    let t: TestApp;
    let alice: TestUser;
    let path: string;
    beforeAll(async () => {
      t = await startTestApp({ TRUST_PROXY: '1', TRUST_PROXY_HEADER: 'forwarded', WS_AUTH_FAILURES_PER_MINUTE: '2' });
      alice = await createUser(t);
      const conv = await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'proxy' }).expect(201);
      path = `/ws/conversations/${conv.body.id}`;
    });
    afterAll(async () => { await t.close(); });

    it('keys the WebSocket failure limit on Forwarded: for=', async () => {
      const fromA = { Forwarded: `for="${A}:5555";proto=https` };
      for (let i = 0; i < 2; i++) expect((await socket(t, path, 'bad-token', fromA).closedWithin()).code).toBe(4001);
      expect((await socket(t, path, alice.accessToken, fromA).closedWithin()).code).toBe(4029);
      // X-Forwarded-For is not what this deployment's proxy writes: forging it changes nothing.
      expect((await socket(t, path, alice.accessToken, { ...fromA, 'X-Forwarded-For': B }).closedWithin()).code).toBe(4029);
      const b = socket(t, path, alice.accessToken, { Forwarded: `for=${B}` });
      await b.next('ready');
      b.close();
    });
  });

  describe('off (the default)', () => {
    let t: TestApp;
    let alice: TestUser;
    let path: string;
    beforeAll(async () => {
      t = await startTestApp({ ...ADMIN_ENV, LOGIN_RATE_LIMIT_PER_MINUTE: '3', WS_AUTH_FAILURES_PER_MINUTE: '2' });
      alice = await createUser(t); // one login of the three
      const conv = await t.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'proxy' }).expect(201);
      path = `/ws/conversations/${conv.body.id}`;
    });
    afterAll(async () => { await t.close(); });

    it('forged forwarding headers change nothing: every request counts against the socket address', async () => {
      expect(await badLogin(t, { 'X-Forwarded-For': A })).toBe(401);
      expect(await badLogin(t, { Forwarded: `for=${B}` })).toBe(401);
      expect(await badLogin(t, { 'X-Forwarded-For': '192.0.2.1' })).toBe(429);

      for (const h of [{ 'X-Forwarded-For': A }, { Forwarded: `for=${B}` }] as Array<Record<string, string>>) {
        expect((await socket(t, path, 'bad-token', h).closedWithin()).code).toBe(4001);
      }
      expect((await socket(t, path, alice.accessToken, { 'X-Forwarded-For': '192.0.2.1' }).closedWithin()).code).toBe(4029);
    });
  });
});

describe('X-Request-Id (e2e)', () => {
  let t: TestApp;
  const log = logCapture();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'info' }, log.sink);
  });
  afterAll(async () => { await t.close(); });

  it('echoes the caller\'s id and carries it on the request\'s log line', async () => {
    const res = await t.http().get('/v1/auth/me').set('X-Request-Id', 'trace-abc.123').expect(401);
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    await new Promise((r) => setTimeout(r, 50));
    const line = log.text().split('\n').find((l) => l.includes('"id":"trace-abc.123"'));
    expect(line).toMatch(/"url":"\/v1\/auth\/me"/);
  });

  it('generates a random id when none (or an unusable one) is given', async () => {
    const a = (await t.http().get('/health').expect(200)).headers['x-request-id'];
    const b = (await t.http().get('/health').set('X-Request-Id', 'bad id\twith spaces').expect(200)).headers['x-request-id'];
    for (const id of [a, b]) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});
