import { setTimeout as sleep } from 'node:timers/promises';
import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

/** REFRESH_REUSE_GRACE_S (CONTRACT §3): two tabs refreshing at once keep their session; a replay past the grace revokes it. */
describe('refresh reuse grace (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ REFRESH_REUSE_GRACE_S: '2' }); });
  afterAll(async () => { await t.close(); });
  const refresh = (refreshToken: string) => t.http().post('/v1/auth/refresh').send({ refreshToken });

  it('two presentations at once both get the same new pair, and the session lives on', async () => {
    const u = await createUser(t);
    const [a, b] = await Promise.all([refresh(u.refreshToken), refresh(u.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(b.body).toEqual(a.body);
    expect(a.body.refreshToken).not.toBe(u.refreshToken);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${a.body.accessToken}`).expect(200);
    // The successor works once, as any refresh token does.
    await refresh(a.body.refreshToken).expect(200);
  });

  it('a second presentation within the grace, after the first finished, returns the same pair', async () => {
    const u = await createUser(t);
    const first = (await refresh(u.refreshToken).expect(200)).body;
    const again = (await refresh(u.refreshToken).expect(200)).body;
    expect(again).toEqual(first);
  });

  it('past the grace, reuse revokes the session and closes its sockets 4001', async () => {
    const u = await createUser(t);
    const first = (await refresh(u.refreshToken).expect(200)).body;
    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${first.accessToken}`).send({ title: 'grace' }).expect(201);
    const c = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.body.id}`, { headers: { Authorization: `Bearer ${first.accessToken}` } });
    await c.next('ready');
    await sleep(2100);
    await refresh(u.refreshToken).expect(401);
    expect((await c.closedWithin()).code).toBe(4001);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${first.accessToken}`).expect(401);
    await refresh(first.refreshToken).expect(401);
  });

  it('the stored pair opens for nobody else: a forged or different token gets nothing', async () => {
    const u = await createUser(t);
    await refresh(u.refreshToken).expect(200);
    await refresh(`${u.refreshToken.slice(0, -2)}xx`).expect(401);
  });
});
