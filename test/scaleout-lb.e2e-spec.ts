import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_ENV, createUser, loginAdmin } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, sleep, waitFrame } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * deploy/nginx.conf, as compose.yaml runs it, in front of two instances on the
 * real PostgreSQL and Redis with TRUST_PROXY=1: only the upstream addresses and
 * the listen port are changed. Needs nginx on PATH (CI installs nginx-light);
 * fails, never skips, without it.
 */
const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_SERVER_URL = process.env.PORTCULLIS_TEST_POSTGRES_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';

async function onPostgresServer(sql: string): Promise<void> {
  const ds = await new DataSource({ type: 'postgres', url: `${PG_SERVER_URL}/postgres`, connectTimeoutMS: 3000 }).initialize();
  try { await ds.query(sql); } finally { await ds.destroy(); }
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const srv = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

describe('two instances behind deploy/nginx.conf (integration)', () => {
  jest.setTimeout(30_000);
  const database = `portcullis_lb_${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-nginx-'));
  let a: TestApp;
  let b: TestApp;
  let nginx: ChildProcess;
  let lb: string;

  beforeAll(async () => {
    await onPostgresServer(`CREATE DATABASE ${database}`);
    const env = { ...ADMIN_ENV, DB_TYPE: 'postgres', DATABASE_URL: `${PG_SERVER_URL}/${database}`, REDIS_URL, REDIS_KEY_PREFIX: `${database}:`, TRUST_PROXY: '1' };
    a = await startTestApp(env);
    b = await startTestApp(env);
    const port = await freePort();
    const conf = readFileSync(join(__dirname, '..', 'deploy', 'nginx.conf'), 'utf8')
      .replace('server api1:3000', `server ${new URL(a.baseUrl).host}`)
      .replace('server api2:3000', `server ${new URL(b.baseUrl).host}`)
      .replace('listen 80;', `listen 127.0.0.1:${port};`);
    writeFileSync(join(dir, 'nginx.conf'), conf);
    nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir, '-g', `daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;`], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => { nginx.once('error', reject); nginx.once('spawn', () => resolve()); });
    lb = `127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      if (await fetch(`http://${lb}/health`).then((r) => r.ok, () => false)) return;
      await sleep(100);
    }
    throw new Error('nginx did not come up');
  });
  afterAll(async () => {
    nginx?.kill('SIGQUIT');
    await a?.close();
    await b?.close();
    await onPostgresServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes X-Request-Id through, upgrades sockets on both instances, and a message crosses them', async () => {
    const http = () => request(`http://${lb}`);
    const res = await http().get('/health').set('X-Request-Id', 'through-nginx-1').expect(200);
    expect(res.headers['x-request-id']).toBe('through-nginx-1');

    const admin = (await loginAdmin(a)).accessToken;
    const alice = await createUser(a);
    const conv = (await http().post('/v1/conversations').set(bearer(admin)).send({ title: 'lb' }).expect(201)).body;
    await http().post(`/v1/conversations/${conv.id}/members`).set(bearer(admin)).send({ email: alice.email }).expect(201);

    // Round robin: among a few sockets, both instances get some.
    const sockets: WsTestClient[] = [];
    for (let i = 0; i < 4; i++) sockets.push((await connectReady(`ws://${lb}/ws/conversations/${conv.id}`, i % 2 ? alice.accessToken : admin)).c);
    const listed = (await http().get('/v1/admin/connections').set(bearer(admin)).expect(200)).body as Array<{ instanceId: string; remoteAddress: string }>;
    expect(new Set(listed.map((c) => c.instanceId)).size).toBe(2);

    sockets[0].send('chat_message', { content: 'across the balancer' });
    for (const s of sockets.slice(1)) expect((await waitFrame(s, (f) => f.type === 'chat_message')).payload.content).toBe('across the balancer');
    sockets.forEach((s) => s.close());
  });

  it('takes the client address nginx appends, not one the client forged', async () => {
    const admin = (await loginAdmin(a)).accessToken;
    const conv = (await request(`http://${lb}`).post('/v1/conversations').set(bearer(admin)).send({ title: 'forged' }).expect(201)).body;
    const forged = WsTestClient.connect(`ws://${lb}/ws/conversations/${conv.id}`, { headers: { ...bearer(admin), 'X-Forwarded-For': '6.6.6.6' } });
    await forged.next('ready');
    const listed = (await request(`http://${lb}`).get('/v1/admin/connections').set(bearer(admin)).expect(200)).body as Array<{ remoteAddress: string }>;
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((c) => c.remoteAddress))).toEqual(new Set(['127.0.0.1']));
    forged.close();
  });
});
