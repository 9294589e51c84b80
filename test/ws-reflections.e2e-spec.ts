import { randomUUID } from 'node:crypto';
import { ADMIN_ENV, createUser, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const CONTENT = 'The zephyrine garden was calm today. I watered the zephyrine beds and felt grateful. Tomorrow the zephyrine seeds arrive.';

async function createEntry(t: TestApp, u: TestUser, content = CONTENT): Promise<string> {
  const res = await t.http().post('/v1/entries').set(auth(u.accessToken)).send({ title: 'Garden notes', content }).expect(201);
  return res.body.id;
}

describe('/ws/reflections/:entryId (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const connect = (entryId: string, u: TestUser) => WsTestClient.connect(`${t.wsUrl}/ws/reflections/${entryId}`, { headers: auth(u.accessToken) });

  beforeAll(async () => {
    t = await startTestApp({ ...ADMIN_ENV, REFLECTION_CHUNK_DELAY_MS: '0' });
    [alice, bob] = [await createUser(t), await createUser(t)];
  });
  afterAll(async () => { await t.close(); });

  it('streams ready, chunks with seq 1..n in order, reflection_done {chunks:n}, then close 1000 with no error frame (CONTRACT §3)', async () => {
    const entryId = await createEntry(t, alice);
    const c = connect(entryId, alice);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(1000);

    const types = c.frames.map((f) => f.type);
    const chunks = c.frames.filter((f) => f.type === 'reflection_chunk');
    expect(chunks.length).toBeGreaterThan(1);
    // Exactly: ready, n chunks, done. A finished stream ends with its own last frame: no error frame.
    expect(types).toEqual(['ready', ...chunks.map(() => 'reflection_chunk'), 'reflection_done']);
    expect(c.frames[0].payload).toMatchObject({ userId: alice.id, resource: { entryId } });
    expect(chunks.map((f) => f.payload.seq)).toEqual(chunks.map((_, i) => i + 1));
    for (const f of chunks) expect(typeof f.payload.text).toBe('string');
    expect(c.frames[types.length - 1].payload).toEqual({ chunks: chunks.length });
    expect(closed.error).toBeUndefined();

    const text = chunks.map((f) => f.payload.text).join('');
    expect(text).toContain('zephyrine');
    expect(text).toContain('Garden notes');
  });

  it('derives the reflection from the entry: another entry gives another text', async () => {
    const read = async (content: string) => {
      const c = connect(await createEntry(t, alice, content), alice);
      await c.closedWithin();
      return c.frames.filter((f) => f.type === 'reflection_chunk').map((f) => f.payload.text).join('');
    };
    const [a, b] = [await read('Quokkas everywhere. Quokkas smiling.'), await read('Marmalade again. Marmalade on toast.')];
    expect(a).toContain('quokkas');
    expect(a).not.toContain('marmalade');
    expect(b).toContain('marmalade');
  });

  it("closes 4003 on another user's entry, after ready and before any chunk", async () => {
    const entryId = await createEntry(t, alice);
    const c = connect(entryId, bob);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4003);
    expect(c.frames.map((f) => f.type)).toEqual(['ready', 'error']);
    expect(closed.error?.payload).toMatchObject({ code: 'FORBIDDEN', closeCode: 4003 });
    expect(JSON.stringify(c.frames)).not.toContain('zephyrine');
  });

  it('closes 4004 on an unknown entry id', async () => {
    const c = connect(randomUUID(), alice);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4004);
    expect(c.frames.map((f) => f.type)).toEqual(['ready', 'error']);
    expect(closed.error?.payload).toMatchObject({ code: 'NOT_FOUND', closeCode: 4004 });
  });

  it('closes 4002 on connect for a deactivated user', async () => {
    const carol = await createUser(t);
    const entryId = await createEntry(t, carol);
    const admin = await loginAdmin(t);
    await t.http().patch(`/v1/admin/users/${carol.id}`).set(auth(admin.accessToken)).send({ active: false }).expect(200);
    const c = connect(entryId, carol);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4002);
    expect(closed.error?.payload).toMatchObject({ code: 'USER_INACTIVE', closeCode: 4002 });
    expect(c.frames.map((f) => f.type)).toEqual(['error']);
  });
});

describe('/ws/reflections/:entryId with a slow provider (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ REFLECTION_CHUNK_DELAY_MS: '200' });
    alice = await createUser(t);
  });
  afterAll(async () => { await t.close(); });

  it('closes 4004 when the entry is deleted mid-stream, and sends nothing after', async () => {
    const entryId = await createEntry(t, alice);
    const c = WsTestClient.connect(`${t.wsUrl}/ws/reflections/${entryId}`, { headers: auth(alice.accessToken) });
    await c.next('reflection_chunk');
    await t.http().delete(`/v1/entries/${entryId}`).set(auth(alice.accessToken)).expect(204);
    const closed = await c.closedWithin(1000);
    expect(closed.code).toBe(4004);
    expect(closed.error?.payload).toMatchObject({ code: 'NOT_FOUND', closeCode: 4004 });
    const types = c.frames.map((f) => f.type);
    expect(types).not.toContain('reflection_done');
    expect(types[types.length - 1]).toBe('error');
  });
});
