import { createUser, login } from './helpers/factories';
import { Cluster, eventually, RedisServerProcess, startCluster } from './helpers/scaleout-cluster';
import { bearer, connectReady, expectServerClose } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * Redis down at start-up does not stop an instance (issue 12, item 8): it
 * starts, serves what needs no Redis, reports 503 on /health/full, and joins
 * the bus by itself once Redis answers — after which revocation crosses
 * instances within a second again.
 */
describe('Starting while Redis is down (scale-out integration)', () => {
  jest.setTimeout(60_000);
  let redis: RedisServerProcess;
  let cluster: Cluster;
  const open: WsTestClient[] = [];

  beforeAll(async () => {
    redis = await RedisServerProcess.onSparePort(); // nothing listens there yet
    cluster = await startCluster(redis.url, 2);
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await cluster?.close();
    await redis?.stop();
  });

  it('starts, serves REST and sockets, reports Redis down; then joins once Redis answers', async () => {
    const [a, b] = cluster.apps;
    await a.http().get('/health').expect(200);
    const full = await a.http().get('/health/full').expect(503);
    expect(full.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'down' } });
    const alice = await createUser(a);
    const conv = (await a.http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'start' }).expect(201)).body.id;
    const early = await connectReady(`${a.wsUrl}/ws/conversations/${conv}`, alice.accessToken);
    open.push(early.c);

    await redis.restart();
    for (const t of [a, b]) expect((await eventually(() => t.http().get('/health/full'), (r) => r.status === 200, 15_000)).status).toBe(200);

    // The bus works both ways now: a logout through B closes alice's socket on A within a second.
    const other = await login(b, alice.email, alice.password);
    const onA = await connectReady(`${a.wsUrl}/ws/conversations/${conv}`, other.accessToken);
    open.push(onA.c);
    const start = Date.now();
    await b.http().post('/v1/auth/logout').set(bearer(other.accessToken)).expect(204);
    await expectServerClose(onA.c, 4001, 'SESSION_REVOKED', 3000);
    expect(onA.c.closedAt! - start).toBeLessThan(1000);
    expect(early.c.ws.readyState).toBe(early.c.ws.OPEN);
  });
});
