import { ADMIN_ENV, createUser, uniqueEmail } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

const METRICS_TOKEN = 'metrics-token-for-tests-0123';

describe('operations (e2e)', () => {
  describe('login rate limits', () => {
    let t: TestApp;
    afterEach(async () => { await t?.close(); });

    it('answers 429 in the error shape once an address passes LOGIN_RATE_LIMIT_PER_MINUTE', async () => {
      t = await startTestApp({ LOGIN_RATE_LIMIT_PER_MINUTE: '5' });
      const u = await createUser(t); // its own login is the first of the five
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await t.http().post('/v1/auth/login').send({ email: uniqueEmail(), password: 'wrong password' })).status);
      expect(statuses).toEqual([401, 401, 401, 401]);
      // Even correct credentials are refused now: the limit is per address, not per account.
      const res = await t.http().post('/v1/auth/login').send({ email: u.email, password: u.password }).expect(429);
      expect(res.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
      // Only login is throttled.
      await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${u.accessToken}`).expect(200);
    });

    it('answers 429 for an account after LOGIN_ACCOUNT_FAILURES_PER_MINUTE failures, leaving other accounts alone', async () => {
      t = await startTestApp({ LOGIN_ACCOUNT_FAILURES_PER_MINUTE: '3' });
      const victim = await createUser(t);
      const bystander = await createUser(t);
      for (let i = 0; i < 3; i++) await t.http().post('/v1/auth/login').send({ email: victim.email, password: 'wrong password' }).expect(401);
      const res = await t.http().post('/v1/auth/login').send({ email: victim.email, password: victim.password }).expect(429);
      expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
      // Case does not dodge the counter.
      await t.http().post('/v1/auth/login').send({ email: victim.email.toUpperCase(), password: victim.password }).expect(429);
      await t.http().post('/v1/auth/login').send({ email: bystander.email, password: bystander.password }).expect(200);
    });
  });

  describe('metrics, docs and health', () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp(ADMIN_ENV); });
    afterAll(async () => { await t.close(); });

    it('/metrics serves Prometheus text with HTTP and login counters', async () => {
      const u = await createUser(t);
      await t.http().post('/v1/auth/login').send({ email: u.email, password: 'wrong password' }).expect(401);
      const res = await t.http().get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/^# TYPE portcullis_http_requests_total counter$/m);
      expect(res.text).toMatch(/^portcullis_http_requests_total\{method="POST",route="\/v1\/auth\/login",status="200"\} [1-9]/m);
      expect(res.text).toMatch(/^portcullis_auth_login_total\{result="ok"\} [1-9]/m);
      expect(res.text).toMatch(/^portcullis_auth_login_total\{result="failed"\} [1-9]/m);
    });

    it('/api/docs serves the OpenAPI UI, and its JSON documents the REST routes', async () => {
      const ui = await t.http().get('/api/docs').redirects(1).expect(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
      expect(ui.text).toMatch(/swagger-ui/i);
      const doc = await t.http().get('/api/docs-json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining([
        '/v1/auth/login', '/v1/auth/me', '/v1/admin/users', '/v1/admin/users/{id}', '/v1/admin/api-keys', '/v1/admin/audit',
      ]));
      expect(doc.body.paths['/v1/admin/users'].get.security).toEqual([{ bearer: [] }]);
    });

    it('/health answers liveness and /health/full each dependency', async () => {
      expect((await t.http().get('/health').expect(200)).body).toEqual({ status: 'ok' });
      const full = await t.http().get('/health/full').expect(200);
      expect(full.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    });
  });

  describe('METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => { t = await startTestApp({ METRICS_TOKEN }); });
    afterAll(async () => { await t.close(); });

    it('requires the token when set', async () => {
      const anon = await t.http().get('/metrics').expect(401);
      expect(anon.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      await t.http().get('/metrics').set('Authorization', 'Bearer not-the-metrics-token-000').expect(401);
      const ok = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(ok.text).toContain('portcullis_http_requests_total');
    });
  });
});
