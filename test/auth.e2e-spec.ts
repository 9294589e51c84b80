import { createUser, uniqueEmail } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('REST auth (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(); });
  afterAll(async () => { await t.close(); });

  it('registers a user without exposing the hash, and refuses a duplicate email with 409', async () => {
    const email = uniqueEmail();
    const res = await t.http().post('/v1/auth/register').send({ email, password: 'long enough pw', displayName: 'Ada' }).expect(201);
    expect(res.body).toMatchObject({ email, displayName: 'Ada', role: 'user', active: true });
    expect(JSON.stringify(res.body)).not.toMatch(/hash|argon/i);
    const dup = await t.http().post('/v1/auth/register').send({ email, password: 'long enough pw' }).expect(409);
    expect(dup.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
  });

  it('answers 400 naming the field that failed validation', async () => {
    const res = await t.http().post('/v1/auth/register').send({ email: 'not-an-email', password: 'long enough pw' }).expect(400);
    expect(res.body.statusCode).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain('email');
  });

  it('logs in, returns a Bearer pair, and /me answers with the user', async () => {
    const u = await createUser(t);
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${u.accessToken}`).expect(200);
    expect(me.body).toMatchObject({ id: u.id, email: u.email });
    await t.http().get('/v1/auth/me').expect(401);
    await t.http().get('/v1/auth/me').set('Authorization', 'Bearer not.a.jwt').expect(401);
  });

  it('refuses a wrong password with 401', async () => {
    const u = await createUser(t);
    const res = await t.http().post('/v1/auth/login').send({ email: u.email, password: 'wrong password' }).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
  });

  it('rotates refresh tokens, and a spent one revokes the whole session', async () => {
    const u = await createUser(t);
    const first = await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);
    expect(first.body.refreshToken).not.toBe(u.refreshToken);
    expect(first.body.tokenType).toBe('Bearer');
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(200);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(401);
    // Reuse revoked the session: the rotated pair is dead too.
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${first.body.accessToken}`).expect(401);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
  });

  it('logout revokes the session at once', async () => {
    const u = await createUser(t);
    await t.http().post('/v1/auth/logout').set('Authorization', `Bearer ${u.accessToken}`).expect(204);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${u.accessToken}`).expect(401);
  });

  it('issues a single-use ws ticket with Cache-Control: no-store', async () => {
    const u = await createUser(t);
    const res = await t.http().post('/v1/auth/ws-ticket').set('Authorization', `Bearer ${u.accessToken}`).expect(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(typeof res.body.ticket).toBe('string');
    expect(res.body.expiresIn).toBeLessThanOrEqual(30);
  });
});
