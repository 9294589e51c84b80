import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, freePort, Proc, ROOT, startBuilt as start } from './helpers/built-service';
import { WsTestClient } from './helpers/ws-client';

async function waitForHealth(base: string, proc: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`exited early (${proc.child.exitCode}): ${proc.stderr()}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no 200 from /health within ${timeoutMs} ms: ${proc.stderr()}`);
}

/** Logs in as an already registered user and opens a conversation: where its sockets go, and the header they carry. */
async function conversationFor(port: number, email: string): Promise<{ url: string; headers: Record<string, string> }> {
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'long enough pw' }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const conv = await fetch(`${base}/v1/conversations`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ title: 'boot' }),
  });
  const { id } = (await conv.json()) as { id: string };
  return { url: `ws://127.0.0.1:${port}/ws/conversations/${id}`, headers: { Authorization: `Bearer ${accessToken}` } };
}

/** Logs in as an already registered user, opens a conversation and a socket on it, and waits for `ready`. */
async function openLiveSocket(port: number, email: string): Promise<WsTestClient> {
  const { url, headers } = await conversationFor(port, email);
  const socket = WsTestClient.connect(url, { headers });
  await socket.next('ready');
  return socket;
}

/** A WebSocket upgrade that then reads nothing and answers nothing, like a stalled or hostile peer. */
async function silentUpgrade(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.write(['GET /ws/conversations/silent HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
  await new Promise<void>((resolve, reject) => {
    socket.once('data', (d) => (d.toString().startsWith('HTTP/1.1 101') ? resolve() : reject(new Error(d.toString()))));
    socket.once('error', reject);
  });
  socket.pause();
  return socket;
}

describe('boot as `npm start` runs it (e2e)', () => {
  let dir: string;
  const procs: Proc[] = [];

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portcullis-boot-'));
  }, 130_000);
  const groups: number[] = [];

  /** `npm start` as a supervisor runs it: in its own process group, so the group can be signalled (and cleaned up) as one. */
  function startNpm(port: number, sqlitePath: string) {
    // --ignore-scripts skips the prestart build (done above); the start script itself still runs.
    const child = spawn('npm', ['start', '--ignore-scripts', '--silent'], {
      detached: true, cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: sqlitePath },
    });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += d; });
    child.stdout!.resume();
    const exited = new Promise<{ code: number | null }>((resolve) => child.on('exit', (code) => resolve({ code })));
    const proc: Proc = { child, stderr: () => stderr, exited: exited.then((e) => ({ ...e, signal: null })) };
    procs.push(proc);
    groups.push(child.pid!);
    return { child, proc, exited };
  }

  afterAll(() => {
    for (const g of groups) try { process.kill(-g, 'SIGKILL'); } catch { /* already gone */ }
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /health and /health/full on PORT, migrating a fresh database, and on SIGTERM closes sockets 1001 and exits 0', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'nested', 'boot.sqlite') });
    procs.push(proc);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, proc);
    const full = await fetch(`${base}/health/full`);
    expect(full.status).toBe(200);
    expect(await full.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(existsSync(join(dir, 'nested', 'boot.sqlite'))).toBe(true);
    // Migrations ran: a table they create answers.
    const reg = await fetch(`${base}/v1/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'boot@example.test', password: 'long enough pw' }),
    });
    expect(reg.status).toBe(201);

    // A live socket at SIGTERM gets SHUTTING_DOWN and 1001, and the process still exits 0.
    const socket = await openLiveSocket(port, 'boot@example.test');

    proc.child.kill('SIGTERM');
    const closed = await socket.closedWithin(10_000);
    expect(closed.code).toBe(1001);
    expect(closed.error?.payload).toMatchObject({ code: 'SHUTTING_DOWN', closeCode: 1001 });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  }, 40_000);

  it('under `npm start`, a SIGTERM sent to npm reaches the service, which exits 0', async () => {
    const port = await freePort();
    const { child, proc, exited } = startNpm(port, join(dir, 'npm.sqlite'));
    await waitForHealth(`http://127.0.0.1:${port}`, proc);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
    // The service itself is gone, not orphaned behind npm: its port is free again.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 40_000);

  it('logs one line when listening (with the address) and one when shutdown starts and finishes', async () => {
    const port = await freePort();
    const proc = start({ PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'logs.sqlite'), LOG_LEVEL: 'info' });
    procs.push(proc);
    await waitForHealth(`http://127.0.0.1:${port}`, proc);
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    const lines = proc.stdout!().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ address: { address: '127.0.0.1', port } });
    const started = lines.findIndex((l) => l.msg === 'shutdown started' && l.signal === 'SIGTERM');
    const finished = lines.findIndex((l) => l.msg === 'shutdown finished' && typeof l.durationMs === 'number');
    expect(started).toBeGreaterThan(-1);
    expect(finished).toBeGreaterThan(started);
  }, 30_000);

  // systemd (KillMode=control-group), `docker stop` of an `npm start` container and `kill -TERM -<pgid>` signal npm
  // and node alike, and npm forwards its own: the service sees SIGTERM more than once and must not die of a repeat.
  it('under `npm start`, SIGTERM to the whole process group, and again during shutdown, still closes sockets 1001 and exits 0', async () => {
    const port = await freePort();
    const { child, proc, exited } = startNpm(port, join(dir, 'group.sqlite'));
    await waitForHealth(`http://127.0.0.1:${port}`, proc);
    await fetch(`http://127.0.0.1:${port}/v1/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'group@example.test', password: 'long enough pw' }),
    });
    const socket = await openLiveSocket(port, 'group@example.test');
    // A peer that never answers the close handshake keeps the shutdown open (up to its 2 s wait), so the
    // repeated signal below lands while the service is still shutting down, on every run.
    const silent = await silentUpgrade(port);
    process.kill(-child.pid!, 'SIGTERM');
    await socket.next('error', 10_000);
    process.kill(-child.pid!, 'SIGTERM');
    const closed = await socket.closedWithin(10_000);
    expect({ code: closed.code, error: closed.error?.payload.code }).toEqual({ code: 1001, error: 'SHUTTING_DOWN' });
    expect((await exited).code).toBe(0);
    silent.destroy();
  }, 40_000);

  it('under a low open-files limit, says so at start and turns sockets past it away with 1013 instead of leaving them unanswered', async () => {
    const port = await freePort();
    // 128 files: a quarter (32) is kept for the database, REST connections and Node's own, so 96 sockets.
    const env = { PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'fds.sqlite'), WS_MAX_CONNECTIONS_PER_USER: '1000', LOG_LEVEL: 'info' };
    const proc = start(env, { openFiles: 128 });
    procs.push(proc);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, proc);
    const lines = proc.stdout!().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    // WS_MAX_CONNECTIONS unset: its default gives way to the limit, said at info (set above the limit, it is a warning).
    expect(lines.find((l) => String(l.msg).startsWith('sockets held at most'))).toMatchObject({ level: 30, openFilesLimit: 128, maxSockets: 96 });
    await fetch(`${base}/v1/auth/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'fds@example.test', password: 'long enough pw' }),
    });
    const { url, headers } = await conversationFor(port, 'fds@example.test');
    const held: WsTestClient[] = [];
    for (let i = 0; i < 96; i++) {
      held.push(WsTestClient.connect(url, { headers }));
      await held[i].next('ready');
    }
    // One at a time: each turned-away socket holds a descriptor until its close completes.
    for (let i = 0; i < 10; i++) {
      const closed = await WsTestClient.connect(url, { headers }).closedWithin();
      expect({ code: closed.code, error: closed.error?.payload.code }).toEqual({ code: 1013, error: 'SERVER_BUSY' });
    }
    // A socket that leaves makes room for one more (once the server has seen it go).
    held.pop()!.close();
    let next = WsTestClient.connect(url, { headers });
    for (let tries = 0; (await next.next('ready').then(() => 'ready', () => 'closed')) !== 'ready'; tries++) {
      expect(tries).toBeLessThan(20);
      next = WsTestClient.connect(url, { headers });
    }
    for (const s of [...held, next]) s.close();
    expect((await fetch(`${base}/health`)).status).toBe(200);
  }, 40_000);

  it('refuses to start with a short JWT_SECRET, naming it', async () => {
    const proc = start({ PORT: String(await freePort()), SQLITE_PATH: join(dir, 'bad.sqlite'), JWT_SECRET: 'short' });
    procs.push(proc);
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(proc.stderr()).toContain('JWT_SECRET');
    expect(existsSync(join(dir, 'bad.sqlite'))).toBe(false);
  }, 20_000);
});
