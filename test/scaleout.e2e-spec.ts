import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisBus } from '../src/scaleout/redis-bus';
import { ADMIN_ENV, createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { eventually, onPostgresServer, PG_SERVER_URL, REDIS_URL } from './helpers/scaleout-cluster';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, expectAlive, expectClosedBy, expectServerClose, sleep, waitFrame } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * Scale-out (CONTRACT §1, §2 admin connections, §3 session life) against the
 * real PostgreSQL and Redis: two instances on one database and one Redis, and
 * every cross-instance promise proved through real sockets and HTTP. Both
 * services are required: when one is unreachable this suite fails, it never skips.
 */
describe('Scale-out on PostgreSQL + Redis (integration)', () => {
  jest.setTimeout(30_000);
  const run = randomBytes(6).toString('hex');
  const database = `portcullis_scaleout_${run}`;
  const prefix = `portcullis-test-${run}:`;
  let redis: Redis;
  let env: Record<string, string>;
  let a: TestApp;
  let b: TestApp;
  let admin: string;
  const open: WsTestClient[] = [];

  const connect = async (t: TestApp, conversationId: string, token: string) => {
    const r = await connectReady(`${t.wsUrl}/ws/conversations/${conversationId}`, token);
    open.push(r.c);
    return r;
  };
  const conversation = async (t: TestApp, owner: TestUser, ...members: TestUser[]) => {
    const id = (await t.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'scale-out' }).expect(201)).body.id as string;
    for (const m of members) await t.http().post(`/v1/conversations/${id}/members`).set(bearer(owner.accessToken)).send({ userId: m.id }).expect(201);
    return id;
  };
  const listOn = async (t: TestApp, query = '') =>
    (await t.http().get(`/v1/admin/connections${query}`).set(bearer(admin)).expect(200)).body as Array<Record<string, any>>;
  const keysOf = (pattern: string) => redis.keys(`${prefix}${pattern}`);

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect().then(() => redis.ping()).catch((err: Error) => {
      throw new Error(`The scale-out suite needs Redis at ${REDIS_URL} (set PORTCULLIS_TEST_REDIS_URL): ${err.message}`);
    });
    await onPostgresServer(`CREATE DATABASE ${database}`).catch((err: Error) => {
      throw new Error(`The scale-out suite needs PostgreSQL at ${PG_SERVER_URL} (set PORTCULLIS_TEST_POSTGRES_SERVER_URL): ${err.message}`);
    });
    env = { ...ADMIN_ENV, DB_TYPE: 'postgres', DATABASE_URL: `${PG_SERVER_URL}/${database}`, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    // One after the other: the first runs the migrations and creates the admin.
    a = await startTestApp(env);
    b = await startTestApp(env);
    admin = (await loginAdmin(a)).accessToken;
  });
  afterEach(async () => { await Promise.all(open.splice(0).map((c) => { c.close(); return c.closed; })); });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (redis?.status === 'ready') {
      const left = await keysOf('*');
      if (left.length) await redis.del(...left);
      await redis.quit();
    }
    await onPostgresServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('/health/full reports the database and redis up on both instances', async () => {
    for (const t of [a, b]) {
      const res = await t.http().get('/health/full').expect(200);
      expect(res.body.info).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });
    }
  });

  // Not last: terminus leaves its 1.5 s database ping timer running, which would hold jest open after the run.
  it('an instance that loses Redis reports it down (503) on /health/full, and still shuts down', async () => {
    const c3 = await startTestApp(env);
    try {
      await c3.http().get('/health/full').expect(200);
      c3.app.get(RedisBus).client.disconnect();
      const res = await c3.http().get('/health/full').expect(503);
      expect(res.body.status).toBe('error');
      expect(res.body.details).toEqual({ database: { status: 'up' }, redis: { status: 'down', message: 'Redis did not answer PING' } });
    } finally {
      await c3.close();
    }
  });

  it('logout through A closes the session\'s socket on B 4001 within a second; B refuses the token; others stay open', async () => {
    const [alice, bob] = [await createUser(a), await createUser(a)];
    const c = await conversation(a, alice, bob);
    const other = await login(a, alice.email, alice.password);
    const { c: aliceOnB } = await connect(b, c, alice.accessToken);
    const { c: aliceOnA } = await connect(a, c, alice.accessToken);
    const { c: otherSessionOnB } = await connect(b, c, other.accessToken);
    const { c: bobOnB } = await connect(b, c, bob.accessToken);
    await expectClosedBy(() => a.http().post('/v1/auth/logout').set(bearer(alice.accessToken)).expect(204), [
      [aliceOnB, 4001, 'SESSION_REVOKED'], [aliceOnA, 4001, 'SESSION_REVOKED'],
    ]);
    await expectAlive(otherSessionOnB);
    await expectAlive(bobOnB);
    await b.http().get('/v1/auth/me').set(bearer(alice.accessToken)).expect(401);
    await b.http().get('/v1/auth/me').set(bearer(other.accessToken)).expect(200);
  });

  it('refresh-token reuse through A closes the session\'s socket on B 4001', async () => {
    const alice = await createUser(a);
    const c = await conversation(a, alice);
    const rotated = (await a.http().post('/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(200)).body;
    const { c: onB } = await connect(b, c, rotated.accessToken);
    await expectClosedBy(() => a.http().post('/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(401), [
      [onB, 4001, 'SESSION_REVOKED'],
    ]);
  });

  it('admin deactivation through A closes the user\'s sockets on B 4002; other users stay open', async () => {
    const [carol, dave] = [await createUser(a), await createUser(a)];
    const c = await conversation(a, carol, dave);
    const { c: carol1 } = await connect(b, c, carol.accessToken);
    const { c: carol2 } = await connect(b, await conversation(a, carol), carol.accessToken);
    const { c: daveOnB } = await connect(b, c, dave.accessToken);
    await b.http().get('/v1/auth/me').set(bearer(carol.accessToken)).expect(200);
    await expectClosedBy(() => a.http().patch(`/v1/admin/users/${carol.id}`).set(bearer(admin)).send({ active: false }).expect(200), [
      [carol1, 4002, 'USER_INACTIVE'], [carol2, 4002, 'USER_INACTIVE'],
    ]);
    await expectAlive(daveOnB);
    // B's cached "carol is active" was corrected by the relayed event.
    await b.http().get('/v1/auth/me').set(bearer(carol.accessToken)).expect(403);
  });

  it('member removal through A closes that member\'s socket on B 4003 and leaves the others open', async () => {
    const [owner, member] = [await createUser(a), await createUser(a)];
    const c1 = await conversation(a, owner, member);
    const c2 = await conversation(a, owner, member);
    const { c: memberC1 } = await connect(b, c1, member.accessToken);
    const { c: memberC2 } = await connect(b, c2, member.accessToken);
    const { c: ownerC1 } = await connect(b, c1, owner.accessToken);
    await expectClosedBy(() => a.http().delete(`/v1/conversations/${c1}/members/${member.id}`).set(bearer(owner.accessToken)).expect(204), [
      [memberC1, 4003, 'FORBIDDEN'],
    ]);
    await expectAlive(memberC2);
    await expectAlive(ownerC1);
    // B's membership cache heard of it too: a new socket there is refused.
    const again = WsTestClient.connect(`${b.wsUrl}/ws/conversations/${c1}`, { headers: bearer(member.accessToken) });
    open.push(again);
    expect((await again.closedWithin()).code).toBe(4003);
  });

  it('a member added through A may connect on B at once (no instance caches a "not a member")', async () => {
    const [owner, late] = [await createUser(a), await createUser(a)];
    const c = await conversation(a, owner);
    const refused = WsTestClient.connect(`${b.wsUrl}/ws/conversations/${c}`, { headers: bearer(late.accessToken) });
    expect((await refused.closedWithin()).code).toBe(4003);
    await a.http().post(`/v1/conversations/${c}/members`).set(bearer(owner.accessToken)).send({ userId: late.id }).expect(201);
    await connect(b, c, late.accessToken);
  });

  it('chat crosses instances once each way, with one shared seq', async () => {
    const [alice, bob] = [await createUser(a), await createUser(a)];
    const c = await conversation(a, alice, bob);
    const { c: onA } = await connect(a, c, alice.accessToken);
    const { c: onB } = await connect(b, c, bob.accessToken);
    const id1 = onA.send('chat_message', { content: 'from A' });
    const ack1 = await waitFrame(onA, (f) => f.type === 'ack' && f.refId === id1);
    const id2 = onB.send('chat_message', { content: 'from B' });
    const ack2 = await waitFrame(onB, (f) => f.type === 'ack' && f.refId === id2);
    expect([ack1.payload.seq, ack2.payload.seq]).toEqual([1, 2]);
    for (const sock of [onA, onB]) {
      await waitFrame(sock, (f) => f.type === 'chat_message' && f.payload.seq === 2);
    }
    await sleep(200);
    for (const sock of [onA, onB]) {
      const chat = sock.frames.filter((f) => f.type === 'chat_message').map((f) => [f.payload.seq, f.payload.content]);
      expect(chat).toEqual([[1, 'from A'], [2, 'from B']]);
    }
  });

  it('GET /v1/admin/connections on A lists B\'s sockets (with instanceId), and filters by userId', async () => {
    const [alice, bob] = [await createUser(a), await createUser(a)];
    const c = await conversation(a, alice, bob);
    const { ready: onB } = await connect(b, c, alice.accessToken);
    const { ready: onA } = await connect(a, c, bob.accessToken);
    const mine = (l: Array<Record<string, any>>) => l.filter((v) => v.userId === alice.id || v.userId === bob.id);
    const all = mine(await eventually(() => listOn(a), (l) => mine(l).length === 2));
    expect(all).toHaveLength(2);
    const aliceView = all.find((v) => v.userId === alice.id)!;
    expect(aliceView).toMatchObject({ sessionId: onB.payload.sessionId, endpoint: '/ws/conversations/:conversationId', resource: { conversationId: c } });
    const bobView = all.find((v) => v.userId === bob.id)!;
    expect(bobView.sessionId).toBe(onA.payload.sessionId);
    expect(aliceView.instanceId).not.toBe(bobView.instanceId);
    // B's own listing agrees about whose socket is where.
    const fromB = mine(await listOn(b));
    expect(fromB.find((v) => v.userId === alice.id)!.instanceId).toBe(aliceView.instanceId);
    expect(await listOn(a, `?userId=${alice.id}`)).toEqual([aliceView]);
  });

  it('DELETE /v1/admin/connections/:id on A closes a socket on B; 404 when no instance has it', async () => {
    const alice = await createUser(a);
    const c = await conversation(a, alice);
    const { c: onB } = await connect(b, c, alice.accessToken);
    const { c: survivor } = await connect(b, c, alice.accessToken);
    const listed = await eventually(() => listOn(a, `?userId=${alice.id}`), (l) => l.length === 2);
    const target = listed.find((v) => v.id !== undefined && v.connectedAt)!;
    // Which listed id is onB's is unknown to the client: close one, then check exactly one socket closed.
    await a.http().delete(`/v1/admin/connections/${target.id}?code=4002`).set(bearer(admin)).expect(204);
    const closed = await Promise.race([onB.closed.then(() => onB), survivor.closed.then(() => survivor)]);
    const other = closed === onB ? survivor : onB;
    await expectServerClose(closed, 4002, 'CLOSED_BY_ADMIN');
    await expectAlive(other);
    const after = await eventually(() => listOn(a, `?userId=${alice.id}`), (l) => l.length === 1);
    expect(after.map((v) => v.id)).toEqual(listed.filter((v) => v.id !== target.id).map((v) => v.id));
    await a.http().delete(`/v1/admin/connections/${target.id}`).set(bearer(admin)).expect(404);
  });

  it('a dead instance\'s entries drop out of the listing (its liveness key expired) and are pruned', async () => {
    const ghost = 'ghost-instance';
    const view = { id: '00000000-0000-4000-8000-000000000000', userId: null, sessionId: null, endpoint: '/ws/live-listener', resource: {} };
    await redis.multi().sadd(`${prefix}instances`, ghost).hset(`${prefix}connections:${ghost}`, view.id, JSON.stringify(view)).exec();
    const listed = await listOn(a);
    expect(listed.map((v) => v.id)).not.toContain(view.id);
    expect(await redis.sismember(`${prefix}instances`, ghost)).toBe(0);
    await a.http().delete(`/v1/admin/connections/${view.id}`).set(bearer(admin)).expect(404);
    await redis.del(`${prefix}connections:${ghost}`);
  });

  it('a third instance shuts down cleanly: its sockets close 1001, its directory keys go, the others stop listing it', async () => {
    const c3 = await startTestApp(env);
    const alice = await createUser(a);
    const c = await conversation(a, alice);
    const { c: onC } = await connect(c3, c, alice.accessToken);
    const id = c3.app.get(RedisBus).instanceId;
    await eventually(() => listOn(a, `?userId=${alice.id}`), (l) => l.length === 1);
    const present = async () => [
      await redis.exists(`${prefix}instance:${id}`), await redis.hlen(`${prefix}connections:${id}`), await redis.sismember(`${prefix}instances`, id),
    ];
    expect(await present()).toEqual([1, 1, 1]);
    await c3.close();
    await expectServerClose(onC, 1001, 'SHUTTING_DOWN');
    expect(await present()).toEqual([0, 0, 0]);
    expect(await listOn(a, `?userId=${alice.id}`)).toEqual([]);
  });
});
