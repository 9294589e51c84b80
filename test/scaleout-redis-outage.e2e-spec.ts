import { createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { Cluster, eventually, RedisServerProcess, startCluster } from './helpers/scaleout-cluster';
import { TestApp } from './helpers/test-app';
import { bearer, connectReady, expectAlive, expectClosedBy, expectServerClose } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * Revocation never depends on Redis alone (CONTRACT §3: every socket of a
 * revoked session closes 4001, and its tokens are refused, on every instance
 * within 1 s, and within 5 s while Redis is unreachable). Two instances on a
 * redis-server of this test's own, which it stops and starts again; the
 * database is the only path left during the outage.
 */
const OUTAGE_BOUND_MS = 5000;

describe('Revocation while Redis is down (scale-out integration)', () => {
  jest.setTimeout(60_000);
  let redis: RedisServerProcess;
  let cluster: Cluster;
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  const open: WsTestClient[] = [];

  const conversation = async (owner: TestUser) =>
    (await a.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'outage' }).expect(201)).body.id as string;
  const connect = async (t: TestApp, conversationId: string, token: string) => {
    const r = await connectReady(`${t.wsUrl}/ws/conversations/${conversationId}`, token);
    open.push(r.c);
    return r;
  };
  /** Within `ms` of `start`: the socket closed 4001, and `t` refuses the token over REST and for a new socket. */
  const expectRevokedOn = async (t: TestApp, socket: WsTestClient, token: string, conversationId: string, start: number, ms: number) => {
    await expectServerClose(socket, 4001, 'SESSION_REVOKED', Math.max(1, start + ms - Date.now()));
    expect(socket.closedAt! - start).toBeLessThan(ms);
    await t.http().get('/v1/auth/me').set(bearer(token)).expect(401);
    const again = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conversationId}`, { headers: bearer(token) });
    open.push(again);
    expect((await again.closedWithin(ms)).code).toBe(4001);
    expect(Date.now() - start).toBeLessThan(ms);
  };
  const redisUp = async (t: TestApp) => (await t.http().get('/health/full')).status === 200;

  beforeAll(async () => {
    redis = await RedisServerProcess.start();
    cluster = await startCluster(redis.url, 2);
    [a, b] = cluster.apps;
    admin = (await loginAdmin(a)).accessToken;
  });
  afterEach(async () => { await Promise.all(open.splice(0).map((c) => { c.close(); return c.closed; })); });
  afterAll(async () => {
    await redis?.restart().catch(() => undefined);
    await cluster?.close();
    await redis?.stop();
  });

  it('a logout through A while Redis is down closes the session\'s socket on B 4001 within 5 s, and B refuses its token', async () => {
    const alice = await createUser(a);
    const other = await login(a, alice.email, alice.password);
    const c = await conversation(alice);
    const { c: aliceOnB } = await connect(b, c, alice.accessToken);
    const { c: otherOnB } = await connect(b, c, other.accessToken);
    await b.http().get('/v1/auth/me').set(bearer(alice.accessToken)).expect(200);

    await redis.stop();
    const start = Date.now();
    await a.http().post('/v1/auth/logout').set(bearer(alice.accessToken)).expect(204);
    await expectRevokedOn(b, aliceOnB, alice.accessToken, c, start, OUTAGE_BOUND_MS);
    await expectAlive(otherOnB);
    await b.http().get('/v1/auth/me').set(bearer(other.accessToken)).expect(200);
  });

  it('an admin revocation through B while Redis is down closes the session\'s socket on A 4001 within 5 s, and A refuses its token', async () => {
    const bob = await createUser(a);
    const c = await conversation(bob);
    const { c: bobOnA, ready } = await connect(a, c, bob.accessToken);
    await redis.stop();
    const start = Date.now();
    await b.http().delete(`/v1/admin/sessions/${ready.payload.sessionId}`).set(bearer(admin)).expect(204);
    await expectRevokedOn(a, bobOnA, bob.accessToken, c, start, OUTAGE_BOUND_MS);
  });

  it('after Redis restarts empty: revocation crosses instances within a second again, and the directory lists exactly the live sockets', async () => {
    await redis.restart();
    for (const t of [a, b]) expect(await eventually(() => redisUp(t), (up) => up, 10_000)).toBe(true);
    const carol = await createUser(a);
    const other = await login(a, carol.email, carol.password);
    const c = await conversation(carol);
    const { c: carolOnB } = await connect(b, c, carol.accessToken);
    const { c: otherOnB, ready: otherReady } = await connect(b, c, other.accessToken);
    const listedSessions = async () =>
      ((await a.http().get(`/v1/admin/connections?userId=${carol.id}`).set(bearer(admin)).expect(200)).body as Array<{ sessionId: string }>)
        .map((v) => v.sessionId).sort();
    expect(await eventually(listedSessions, (l) => l.length === 2)).toHaveLength(2);

    // Nothing persisted: the directory B wrote is gone, and B must write its live sockets again by itself.
    await redis.stop();
    await redis.restart();
    for (const t of [a, b]) expect(await eventually(() => redisUp(t), (up) => up, 10_000)).toBe(true);
    await expectClosedBy(() => a.http().post('/v1/auth/logout').set(bearer(carol.accessToken)).expect(204), [
      [carolOnB, 4001, 'SESSION_REVOKED'],
    ]);
    await expectAlive(otherOnB);
    expect(await eventually(listedSessions, (l) => l.length === 1, 10_000)).toEqual([otherReady.payload.sessionId]);
  });
});
