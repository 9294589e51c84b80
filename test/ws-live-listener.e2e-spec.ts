import { randomBytes } from 'node:crypto';
import { ADMIN_ENV, createUser, loginAdmin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const SERVICE_TOKEN = 'svc-token-0123456789-abcdefghij-ABCDEFGH';

describe('/ws/live-listener (e2e)', () => {
  let t: TestApp;
  let admin: { accessToken: string };
  const sockets: WsTestClient[] = [];
  const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
  const connect = (secret: string) => {
    const c = WsTestClient.connect(`${t.wsUrl}/ws/live-listener`, { headers: bearer(secret) });
    sockets.push(c);
    return c;
  };
  const createKey = async () => (await t.http().post('/v1/admin/api-keys').set(bearer(admin.accessToken)).send({ name: 'ingest' }).expect(201)).body as { id: string; secret: string };

  beforeAll(async () => {
    expect(SERVICE_TOKEN).toHaveLength(40);
    t = await startTestApp({ ...ADMIN_ENV, WS_SERVICE_TOKEN: SERVICE_TOKEN });
    admin = await loginAdmin(t);
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it('runs an ingest with an admin-issued API key: ready, start, binary chunks counted, stop', async () => {
    const key = await createKey();
    const c = connect(key.secret);
    const ready = await c.next('ready');
    expect(ready.payload).toMatchObject({ userId: null, sessionId: null, resource: {} });

    const startId = c.send('start', { format: 'pcm16' });
    const started = await c.next('status');
    expect(started.refId).toBe(startId);
    expect(started.payload).toEqual({ state: 'receiving', format: 'pcm16', chunks: 0, bytes: 0 });

    const sizes = [320, 640, 17];
    let bytes = 0;
    for (const [i, size] of sizes.entries()) {
      c.ws.send(randomBytes(size), { binary: true });
      bytes += size;
      expect((await c.next('status')).payload).toEqual({ state: 'receiving', format: 'pcm16', chunks: i + 1, bytes });
    }

    const stopId = c.send('stop', {});
    const stopped = await c.next('status');
    expect(stopped.refId).toBe(stopId);
    expect(stopped.payload).toEqual({ state: 'stopped', format: 'pcm16', chunks: 3, bytes });
    expect(c.frames.some((f) => f.type === 'error')).toBe(false);
  });

  it('answers binary before start, and stop before start, with BAD_REQUEST and stays open', async () => {
    const c = connect((await createKey()).secret);
    await c.next('ready');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await c.next('error')).payload.code).toBe('BAD_REQUEST');
    c.send('stop', {});
    expect((await c.next('error')).payload.code).toBe('BAD_REQUEST');
    c.send('start', { format: 'pcm16' });
    expect((await c.next('status')).payload.state).toBe('receiving');
  });

  it('accepts WS_SERVICE_TOKEN', async () => {
    const c = connect(SERVICE_TOKEN);
    await c.next('ready');
    c.send('start', { format: 'pcm16' });
    expect((await c.next('status')).payload).toMatchObject({ state: 'receiving', format: 'pcm16' });
  });

  it('refuses a user JWT with 4001', async () => {
    const user: TestUser = await createUser(t);
    const c = connect(user.accessToken);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4001);
    expect(c.frames.map((f) => f.type)).toEqual(['error']);
    // Not even an admin's token opens it.
    expect((await connect(admin.accessToken).closedWithin()).code).toBe(4001);
  });

  it('refuses an unknown key, and a near-miss of WS_SERVICE_TOKEN, with 4001', async () => {
    const key = await createKey();
    for (const secret of [`pk_${randomBytes(32).toString('base64url')}`, `${key.secret}x`, SERVICE_TOKEN.slice(0, -1) + 'Z']) {
      const c = connect(secret);
      const closed = await c.closedWithin();
      expect(closed.code).toBe(4001);
      expect(closed.error?.payload.closeCode).toBe(4001);
    }
  });

  it('closes a live socket 4001 within one second when its key is deleted, and the key no longer opens one', async () => {
    const key = await createKey();
    const other = await createKey();
    const c = connect(key.secret);
    const bystander = connect(other.secret);
    await Promise.all([c.next('ready'), bystander.next('ready')]);
    await t.http().delete(`/v1/admin/api-keys/${key.id}`).set(bearer(admin.accessToken)).expect(204);
    const closed = await c.closedWithin(1000);
    expect(closed.code).toBe(4001);
    expect(closed.error?.payload.closeCode).toBe(4001);
    // Only that key's sockets.
    bystander.send('start', { format: 'pcm16' });
    expect((await bystander.next('status')).payload.state).toBe('receiving');
    expect((await connect(key.secret).closedWithin()).code).toBe(4001);
  });
});
