import { ADMIN_ENV, createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, expectAlive, expectClosedBy, metricValue, sleep, waitFrame } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * Revocation reaches live sockets at once (CONTRACT §2, §3): each cause closes
 * exactly the affected sockets with its code within a second, nothing follows
 * the closing `error` frame, and every other socket stays open and answers.
 */
describe('WebSocket revocation (e2e)', () => {
  jest.setTimeout(20_000);
  let t: TestApp;
  let admin: string;
  const secrets = new Set<string>();
  const keep = <T extends { accessToken: string; refreshToken: string }>(x: T): T => {
    secrets.add(x.accessToken).add(x.refreshToken);
    return x;
  };
  const user = async () => keep(await createUser(t));
  const conversation = async (owner: TestUser, ...members: TestUser[]) => {
    const id = (await t.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'revocation' }).expect(201)).body.id as string;
    for (const m of members) await t.http().post(`/v1/conversations/${id}/members`).set(bearer(owner.accessToken)).send({ userId: m.id }).expect(201);
    return id;
  };
  const convUrl = (id: string) => `${t.wsUrl}/ws/conversations/${id}`;

  /** Keeps chat flowing into a conversation while a revocation lands, so "nothing after the close" is tested under load. */
  const chatter = (c: WsTestClient) => {
    let stop = false;
    const done = (async () => {
      for (let i = 0; !stop && c.ws.readyState === c.ws.OPEN; i++) {
        c.send('chat_message', { content: `busy ${i}` });
        await sleep(15);
      }
    })();
    return async () => { stop = true; await done; };
  };


  /** On PostgreSQL the database outlives a run: only this run's audit rows count. */
  let startedAt: number;
  beforeAll(async () => {
    startedAt = Date.now();
    t = await startTestApp({ ...ADMIN_ENV, REFLECTION_CHUNK_DELAY_MS: '300' });
    admin = (await loginAdmin(t)).accessToken;
    secrets.add(admin);
  });
  afterAll(async () => { await t.close(); });

  it('logout closes that session\'s sockets 4001; the same user\'s other session and other users stay open', async () => {
    const [alice, bob] = [await user(), await user()];
    const c1 = await conversation(alice, bob);
    const c2 = await conversation(alice);
    const s2 = keep(await login(t, alice.email, alice.password));
    const { c: a1 } = await connectReady(convUrl(c1), alice.accessToken);
    const { c: a1b } = await connectReady(convUrl(c2), alice.accessToken);
    const { c: a2 } = await connectReady(convUrl(c1), s2.accessToken);
    const { c: b } = await connectReady(convUrl(c1), bob.accessToken);
    const stop = chatter(b);
    await waitFrame(a1, (f) => f.type === 'chat_message');
    await expectClosedBy(() => t.http().post('/v1/auth/logout').set(bearer(alice.accessToken)).expect(204), [
      [a1, 4001, 'SESSION_REVOKED'], [a1b, 4001, 'SESSION_REVOKED'],
    ]);
    await stop();
    await expectAlive(a2);
    await expectAlive(b);
    // Chat still flows to the survivors.
    const id = a2.send('chat_message', { content: 'still here' });
    const ack = await waitFrame(a2, (f) => f.type === 'ack' && f.refId === id);
    await waitFrame(b, (f) => f.type === 'chat_message' && f.payload.seq === ack.payload.seq);
    [a2, b].forEach((c) => c.close());
  });

  it('admin DELETE /v1/admin/sessions/:id closes that session\'s sockets 4001 only', async () => {
    const alice = await user();
    const c1 = await conversation(alice);
    const s2 = keep(await login(t, alice.email, alice.password));
    const { c: a1, ready } = await connectReady(convUrl(c1), alice.accessToken);
    const { c: a2 } = await connectReady(convUrl(c1), s2.accessToken);
    await expectClosedBy(() => t.http().delete(`/v1/admin/sessions/${ready.payload.sessionId}`).set(bearer(admin)).expect(204), [
      [a1, 4001, 'SESSION_REVOKED'],
    ]);
    await expectAlive(a2);
    a2.close();
  });

  it('a spent refresh token presented again revokes the session: its sockets close 4001, others stay open', async () => {
    const alice = await user();
    const c1 = await conversation(alice);
    const other = keep(await login(t, alice.email, alice.password));
    const rotated = keep((await t.http().post('/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(200)).body);
    const { c: old } = await connectReady(convUrl(c1), alice.accessToken);
    const { c: fresh } = await connectReady(convUrl(c1), rotated.accessToken);
    const { c: survivor } = await connectReady(convUrl(c1), other.accessToken);
    const stop = chatter(survivor);
    await expectClosedBy(() => t.http().post('/v1/auth/refresh').send({ refreshToken: alice.refreshToken }).expect(401), [
      [old, 4001, 'SESSION_REVOKED'], [fresh, 4001, 'SESSION_REVOKED'],
    ]);
    await stop();
    await expectAlive(survivor);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: rotated.refreshToken }).expect(401);
    survivor.close();
  });

  it('deactivating a user closes all their sockets 4002; other users stay open', async () => {
    const [alice, carol] = [await user(), await user()];
    const c1 = await conversation(alice, carol);
    const { c: aliceSock } = await connectReady(convUrl(c1), alice.accessToken);
    const { c: carol1 } = await connectReady(convUrl(c1), carol.accessToken);
    const { c: carol2 } = await connectReady(convUrl(await conversation(carol)), carol.accessToken);
    const stop = chatter(aliceSock);
    await waitFrame(carol1, (f) => f.type === 'chat_message');
    await expectClosedBy(() => t.http().patch(`/v1/admin/users/${carol.id}`).set(bearer(admin)).send({ active: false }).expect(200), [
      [carol1, 4002, 'USER_INACTIVE'], [carol2, 4002, 'USER_INACTIVE'],
    ]);
    await stop();
    await expectAlive(aliceSock);
    aliceSock.close();
  });

  it("member removal closes that member's sockets on that conversation 4003 only", async () => {
    const [alice, bob] = [await user(), await user()];
    const c1 = await conversation(alice, bob);
    const c2 = await conversation(alice, bob);
    const { c: aliceC1 } = await connectReady(convUrl(c1), alice.accessToken);
    const { c: bobC1 } = await connectReady(convUrl(c1), bob.accessToken);
    const { c: bobC2 } = await connectReady(convUrl(c2), bob.accessToken);
    const { c: aliceC2 } = await connectReady(convUrl(c2), alice.accessToken);
    const stop = chatter(aliceC1);
    await waitFrame(bobC1, (f) => f.type === 'chat_message');
    await expectClosedBy(() => t.http().delete(`/v1/conversations/${c1}/members/${bob.id}`).set(bearer(alice.accessToken)).expect(204), [
      [bobC1, 4003, 'FORBIDDEN'],
    ]);
    await stop();
    await expectAlive(aliceC1);
    await expectAlive(bobC2);
    const id = aliceC2.send('chat_message', { content: 'c2 still live' });
    const ack = await waitFrame(aliceC2, (f) => f.type === 'ack' && f.refId === id);
    await waitFrame(bobC2, (f) => f.type === 'chat_message' && f.payload.seq === ack.payload.seq);
    // A new socket of the removed member on that conversation is refused.
    const again = WsTestClient.connect(convUrl(c1), { headers: bearer(bob.accessToken) });
    expect((await again.closedWithin()).code).toBe(4003);
    [aliceC1, bobC2, aliceC2].forEach((c) => c.close());
  });

  it('deleting an entry closes its reflection stream 4004 mid-stream; another entry\'s stream goes on', async () => {
    const alice = await user();
    const content = Array.from({ length: 12 }, (_, i) => `Today I walked along the river and felt calm number ${i}.`).join(' ');
    const entry = async () => (await t.http().post('/v1/entries').set(bearer(alice.accessToken)).send({ title: 'walk', content }).expect(201)).body.id as string;
    const [e1, e2] = [await entry(), await entry()];
    const { c: r1 } = await connectReady(`${t.wsUrl}/ws/reflections/${e1}`, alice.accessToken);
    const { c: r2 } = await connectReady(`${t.wsUrl}/ws/reflections/${e2}`, alice.accessToken);
    await waitFrame(r1, (f) => f.type === 'reflection_chunk');
    await expectClosedBy(() => t.http().delete(`/v1/entries/${e1}`).set(bearer(alice.accessToken)).expect(204), [[r1, 4004, 'NOT_FOUND']]);
    expect(r1.frames.some((f) => f.type === 'reflection_done')).toBe(false);
    const seen = r2.frames.filter((f) => f.type === 'reflection_chunk').length;
    await waitFrame(r2, () => r2.frames.filter((f) => f.type === 'reflection_chunk').length > seen, 2000);
    await expectAlive(r2);
    r2.close();
  });

  it('deleting an API key closes the listeners using it 4001; a listener on another key goes on', async () => {
    const key = async () => {
      const res = await t.http().post('/v1/admin/api-keys').set(bearer(admin)).send({ name: 'mic' }).expect(201);
      secrets.add(res.body.secret);
      return res.body as { id: string; secret: string };
    };
    const [k1, k2] = [await key(), await key()];
    const listener = `${t.wsUrl}/ws/live-listener`;
    const { c: l1 } = await connectReady(listener, k1.secret);
    const { c: l2 } = await connectReady(listener, k2.secret);
    for (const c of [l1, l2]) {
      c.send('start', { format: 'pcm16' });
      await waitFrame(c, (f) => f.type === 'status');
    }
    let stop = false;
    const feeding = (async () => { while (!stop && l1.ws.readyState === l1.ws.OPEN) { l1.ws.send(Buffer.alloc(64)); await sleep(15); } })();
    await waitFrame(l1, (f) => f.type === 'status' && f.payload.chunks > 0);
    await expectClosedBy(() => t.http().delete(`/v1/admin/api-keys/${k1.id}`).set(bearer(admin)).expect(204), [[l1, 4001, 'SESSION_REVOKED']]);
    stop = true;
    await feeding;
    l2.ws.send(Buffer.alloc(10));
    await waitFrame(l2, (f) => f.type === 'status' && f.payload.chunks === 1);
    await expectAlive(l2);
    l2.close();
  });

  it('a socket re-authed into another session follows the new session, not the old one', async () => {
    const alice = await user();
    const c1 = await conversation(alice);
    const s2 = keep(await login(t, alice.email, alice.password));
    const { c } = await connectReady(convUrl(c1), alice.accessToken);
    const id = c.send('auth', { token: s2.accessToken });
    await waitFrame(c, (f) => f.type === 'auth_ok' && f.refId === id);
    await t.http().post('/v1/auth/logout').set(bearer(alice.accessToken)).expect(204);
    await sleep(300);
    await expectAlive(c);
    await expectClosedBy(() => t.http().post('/v1/auth/logout').set(bearer(s2.accessToken)).expect(204), [[c, 4001, 'SESSION_REVOKED']]);
  });

  it('counts revocation closes by cause, the live sockets by endpoint and the revocation-to-close time', async () => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    const causes: Array<[string, number]> = [
      ['session_logout', 3], ['session_admin', 1], ['session_refresh_reuse', 2], ['user_deactivated', 2],
      ['member_removed', 1], ['entry_deleted', 1], ['api_key_revoked', 1],
    ];
    for (const [cause, n] of causes) expect([cause, metricValue(text, 'portcullis_ws_revocation_closes_total', { cause })]).toEqual([cause, n]);
    expect(metricValue(text, 'portcullis_ws_revocation_to_close_seconds_count')).toBe(11);
    expect(metricValue(text, 'portcullis_ws_revocation_to_close_seconds_bucket', { le: '1' })).toBe(11);
    expect(metricValue(text, 'portcullis_ws_connections', { endpoint: '/ws/conversations/:conversationId' })).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^portcullis_ws_connections\{endpoint="\/ws\/live-listener"\} \d+$/m);
  });

  it('audits each revocation close with user, session and cause, never a token', async () => {
    const res = await t.http().get('/v1/admin/audit?type=ws_revoked&limit=1000').set(bearer(admin)).expect(200);
    const rows = (res.body.items as Array<{ userId: string | null; sessionId: string | null; reason: string; detail: { code: number }; createdAt: string }>)
      .filter((r) => Date.parse(r.createdAt) >= startedAt);
    expect(rows).toHaveLength(11);
    for (const r of rows.filter((x) => x.reason !== 'api_key_revoked')) {
      expect(r).toMatchObject({ userId: expect.any(String), sessionId: expect.any(String) });
    }
    expect(rows.map((r) => `${r.reason}:${r.detail.code}`).sort()).toEqual([
      'api_key_revoked:4001', 'entry_deleted:4004', 'member_removed:4003',
      'session_admin:4001', 'session_logout:4001', 'session_logout:4001', 'session_logout:4001',
      'session_refresh_reuse:4001', 'session_refresh_reuse:4001', 'user_deactivated:4002', 'user_deactivated:4002',
    ]);
    const all = JSON.stringify((await t.http().get('/v1/admin/audit?limit=1000').set(bearer(admin)).expect(200)).body);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});
