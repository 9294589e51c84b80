import { ADMIN_ENV, createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * Writes arriving together must not trip over each other's transactions (on
 * SQLite all of them share one connection): registrations, entries and keys
 * written at the same moment as conversations and logins all succeed.
 */
describe('concurrent REST writes (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  beforeAll(async () => {
    t = await startTestApp({ ...ADMIN_ENV, LOGIN_RATE_LIMIT_PER_MINUTE: '10000' });
    alice = await createUser(t);
  });
  afterAll(async () => { await t.close(); });

  it('entries, keys and registrations written while conversations and sessions are being created: every one succeeds', async () => {
    const auth = { Authorization: `Bearer ${alice.accessToken}` };
    const admin = (await t.http().post('/v1/auth/login').send({ email: ADMIN_ENV.ADMIN_EMAIL, password: ADMIN_ENV.ADMIN_PASSWORD }).expect(200)).body.accessToken;
    const statuses: number[] = [];
    // Four loops side by side, each one request after another, as clients do.
    const loop = (write: (i: number) => Promise<{ status: number }>) => (async () => {
      for (let i = 0; i < 25; i++) statuses.push((await write(i)).status);
    })();
    await Promise.all([
      loop((i) => t.http().post('/v1/entries').set(auth).send({ title: `e${i}`, content: 'x' })),
      loop((i) => t.http().post('/v1/conversations').set(auth).send({ title: `c${i}` })),
      loop((i) => t.http().post('/v1/admin/api-keys').set({ Authorization: `Bearer ${admin}` }).send({ name: `k${i}` })),
      loop((i) => t.http().post('/v1/auth/register').send({ email: `c${i}-${Date.now()}@example.com`, password: 'a long enough password' })),
    ]);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
  });
});
