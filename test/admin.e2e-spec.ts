import { randomUUID } from 'node:crypto';
import { ApiKeysService } from '../src/api-keys/api-keys.service';
import { DomainEvents } from '../src/events/domain-events';
import { ADMIN, ADMIN_ENV, createUser, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('Admin REST (e2e)', () => {
  let t: TestApp;
  let admin: { accessToken: string; refreshToken: string };
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp(ADMIN_ENV);
    admin = await loginAdmin(t);
  });
  afterAll(async () => { await t.close(); });

  describe('access', () => {
    const routes: Array<[method: 'get' | 'patch' | 'delete' | 'post', path: string]> = [
      ['get', '/v1/admin/users'], ['patch', `/v1/admin/users/${randomUUID()}`],
      ['get', '/v1/admin/sessions'], ['delete', `/v1/admin/sessions/${randomUUID()}`],
      ['post', '/v1/admin/api-keys'], ['get', '/v1/admin/api-keys'], ['delete', `/v1/admin/api-keys/${randomUUID()}`],
      ['get', '/v1/admin/audit'],
    ];
    let user: TestUser;
    beforeAll(async () => { user = await createUser(t); });

    it.each(routes)('%s %s: 401 without a token, 403 for a non-admin', async (method, path) => {
      const anon = await t.http()[method](path).send({ name: 'x', active: true });
      expect(anon.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      const res = await t.http()[method](path).set(as(user.accessToken)).send({ name: 'x', active: true });
      expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    });
  });

  describe('users', () => {
    it('lists users with paging and never a password hash', async () => {
      const u = await createUser(t);
      const all = await t.http().get('/v1/admin/users?limit=1000').set(as(admin.accessToken)).expect(200);
      const emails = all.body.items.map((x: { email: string }) => x.email);
      expect(emails).toEqual(expect.arrayContaining([ADMIN.email, u.email]));
      expect(JSON.stringify(all.body)).not.toMatch(/hash|argon/i);
      const page = await t.http().get('/v1/admin/users?limit=1&offset=1').set(as(admin.accessToken)).expect(200);
      expect(page.body).toMatchObject({ total: all.body.total, limit: 1, offset: 1 });
      expect(page.body.items).toHaveLength(1);
      expect(page.body.items[0].email).toBe(all.body.items[1].email);
    });

    it('deactivating a user stops their token and their login', async () => {
      const u = await createUser(t);
      await t.http().get('/v1/auth/me').set(as(u.accessToken)).expect(200);
      const res = await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ active: false }).expect(200);
      expect(res.body).toMatchObject({ id: u.id, active: false });
      const me = await t.http().get('/v1/auth/me').set(as(u.accessToken));
      expect([401, 403]).toContain(me.status);
      const login = await t.http().post('/v1/auth/login').send({ email: u.email, password: u.password });
      expect([401, 403]).toContain(login.status);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(403);
      // Reactivation restores the same session: it was kept, not revoked.
      await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ active: true }).expect(200);
      await t.http().get('/v1/auth/me').set(as(u.accessToken)).expect(200);
    });

    it('promotes and demotes, and a demotion takes effect on tokens already issued', async () => {
      const u = await createUser(t);
      await t.http().get('/v1/admin/users').set(as(u.accessToken)).expect(403);
      const up = await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ role: 'admin' }).expect(200);
      expect(up.body.role).toBe('admin');
      await t.http().get('/v1/admin/users').set(as(u.accessToken)).expect(200);
      await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ role: 'user' }).expect(200);
      await t.http().get('/v1/admin/users').set(as(u.accessToken)).expect(403);
    });

    it('answers 400 naming the field for a bad body, and 404 for an unknown user', async () => {
      const u = await createUser(t);
      const bad = await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ active: 'yes' }).expect(400);
      expect(bad.body.statusCode).toBe(400);
      expect(JSON.stringify(bad.body.message)).toContain('active');
      const role = await t.http().patch(`/v1/admin/users/${u.id}`).set(as(admin.accessToken)).send({ role: 'root' }).expect(400);
      expect(JSON.stringify(role.body.message)).toContain('role');
      await t.http().patch(`/v1/admin/users/${randomUUID()}`).set(as(admin.accessToken)).send({ active: false }).expect(404);
      await t.http().get('/v1/admin/users?limit=abc').set(as(admin.accessToken)).expect(400);
    });
  });

  describe('sessions', () => {
    it('lists a user\'s sessions; DELETE revokes one and its token dies', async () => {
      const u = await createUser(t);
      const list = await t.http().get(`/v1/admin/sessions?userId=${u.id}&limit=10`).set(as(admin.accessToken)).expect(200);
      expect(list.body).toHaveLength(1);
      expect(list.body[0]).toMatchObject({ userId: u.id });
      const sessionId = list.body[0].id;
      await t.http().delete(`/v1/admin/sessions/${sessionId}`).set(as(admin.accessToken)).expect(204);
      await t.http().get('/v1/auth/me').set(as(u.accessToken)).expect(401);
      await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
      const after = await t.http().get(`/v1/admin/sessions?userId=${u.id}`).set(as(admin.accessToken)).expect(200);
      expect(after.body).toHaveLength(0);
      const audit = await t.http().get(`/v1/admin/audit?type=admin_revoke_session&userId=${u.id}`).set(as(admin.accessToken)).expect(200);
      expect(audit.body.items).toHaveLength(1);
      expect(audit.body.items[0]).toMatchObject({ sessionId, userId: u.id });
    });

    it('404 for an unknown session, 400 for a bad query', async () => {
      await t.http().delete(`/v1/admin/sessions/${randomUUID()}`).set(as(admin.accessToken)).expect(404);
      const bad = await t.http().get('/v1/admin/sessions?userId=nope').set(as(admin.accessToken)).expect(400);
      expect(JSON.stringify(bad.body.message)).toContain('userId');
    });
  });

  describe('api keys', () => {
    it('shows the secret once, never lists it, and revokes', async () => {
      const created = await t.http().post('/v1/admin/api-keys').set(as(admin.accessToken)).send({ name: 'ingest' }).expect(201);
      const { id, secret, prefix } = created.body;
      expect(created.headers['cache-control']).toBe('no-store');
      expect(secret).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
      expect(prefix).toBe(secret.slice(0, 10));
      const list = await t.http().get('/v1/admin/api-keys').set(as(admin.accessToken)).expect(200);
      expect(list.body.find((k: { id: string }) => k.id === id)).toMatchObject({ id, name: 'ingest', prefix });
      const listed = JSON.stringify(list.body);
      expect(listed).not.toContain(secret);
      expect(listed).not.toContain(secret.slice(10));
      expect(listed).not.toMatch(/hash|secret/i);
      await t.http().delete(`/v1/admin/api-keys/${id}`).set(as(admin.accessToken)).expect(204);
      const after = await t.http().get('/v1/admin/api-keys').set(as(admin.accessToken)).expect(200);
      expect(after.body.map((k: { id: string }) => k.id)).not.toContain(id);
      await t.http().delete(`/v1/admin/api-keys/${id}`).set(as(admin.accessToken)).expect(404);
    });

    it('verify() resolves a live secret for the live listener, records its use, and refuses it once revoked', async () => {
      const keys = t.app.get(ApiKeysService);
      const { id, secret } = (await t.http().post('/v1/admin/api-keys').set(as(admin.accessToken)).send({ name: 'listener' }).expect(201)).body;
      await expect(keys.verify(secret)).resolves.toEqual({ apiKeyId: id, name: 'listener' });
      await expect(keys.isActive(id)).resolves.toBe(true);
      await expect(keys.verify(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).resolves.toBeNull();
      await expect(keys.verify(admin.refreshToken)).resolves.toBeNull();
      let listed: { id: string; lastUsedAt: string | null } | undefined;
      for (let i = 0; i < 20 && !listed?.lastUsedAt; i++) {
        await new Promise((r) => setTimeout(r, 25));
        listed = (await t.http().get('/v1/admin/api-keys').set(as(admin.accessToken))).body.find((k: { id: string }) => k.id === id);
      }
      expect(listed?.lastUsedAt).toEqual(expect.any(String));
      const revoked: string[] = [];
      const off = t.app.get(DomainEvents).on('api_key.revoked', ({ apiKeyId }) => revoked.push(apiKeyId));
      await t.http().delete(`/v1/admin/api-keys/${id}`).set(as(admin.accessToken)).expect(204);
      off();
      expect(revoked).toEqual([id]);
      await expect(keys.verify(secret)).resolves.toBeNull();
      await expect(keys.isActive(id)).resolves.toBe(false);
      await expect(keys.isActive(randomUUID())).resolves.toBe(false);
    });

    it('400 naming name for a missing or empty name', async () => {
      const res = await t.http().post('/v1/admin/api-keys').set(as(admin.accessToken)).send({ name: '' }).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('name');
      await t.http().post('/v1/admin/api-keys').set(as(admin.accessToken)).send({}).expect(400);
    });
  });

  describe('audit', () => {
    it('records login, login_failed, refresh and logout, and never a token or password', async () => {
      const u = await createUser(t);
      await t.http().post('/v1/auth/login').send({ email: u.email, password: 'wrong password!' }).expect(401);
      const refreshed = await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
      await t.http().post('/v1/auth/logout').set(as(refreshed.body.accessToken)).expect(204);
      const key = await t.http().post('/v1/admin/api-keys').set(as(admin.accessToken)).send({ name: 'audit-probe' }).expect(201);

      const res = await t.http().get(`/v1/admin/audit?userId=${u.id}&limit=50`).set(as(admin.accessToken)).expect(200);
      const types = res.body.items.map((e: { type: string }) => e.type);
      expect(types).toEqual(expect.arrayContaining(['login', 'login_failed', 'refresh', 'logout']));
      expect(res.body.items.every((e: { userId: string }) => e.userId === u.id)).toBe(true);

      const failed = await t.http().get('/v1/admin/audit?type=login_failed').set(as(admin.accessToken)).expect(200);
      expect(failed.body.items.length).toBeGreaterThan(0);
      expect(failed.body.items.every((e: { type: string }) => e.type === 'login_failed')).toBe(true);

      const everything = JSON.stringify((await t.http().get('/v1/admin/audit?limit=1000').set(as(admin.accessToken)).expect(200)).body);
      for (const secret of [u.accessToken, u.refreshToken, refreshed.body.accessToken, refreshed.body.refreshToken,
        admin.accessToken, admin.refreshToken, u.password, 'wrong password!', ADMIN.password, key.body.secret]) {
        expect(everything).not.toContain(secret);
      }
    });

    it('400 naming the field for a bad filter', async () => {
      const res = await t.http().get('/v1/admin/audit?limit=0').set(as(admin.accessToken)).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('limit');
      const type = await t.http().get('/v1/admin/audit?type=DROP%20TABLE').set(as(admin.accessToken)).expect(400);
      expect(JSON.stringify(type.body.message)).toContain('type');
    });
  });
});
