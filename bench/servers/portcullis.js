'use strict';
// Portcullis adapter (plug-in point). Runs the BUILT service (`node
// dist/src/main.js`, i.e. `npm run build` first) with production settings and
// SQLite, prepares a conversation over REST, and checks that
// /ws/conversations/:id answers with `ready`. If the build or the endpoint is
// not there yet, start() throws a SkipError and the runner prints one line.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { spawnPinned, freePort, httpJson, sleep, logToFile } = require('../lib/proc');
const jwt = require('jsonwebtoken');
const { wsDriver } = require('../load/drivers');

const ROOT = path.resolve(__dirname, '..', '..');

class SkipError extends Error {}

function randomChars(n) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.randomBytes(n), (b) => abc[b % abc.length]).join('');
}

/**
 * The node flags the build in `root` runs with in production, on the node
 * running the bench: those of its `start:prod` script (`exec node <flags>
 * dist/src/main.js`, or `exec node $(node scripts/node-flags.js) ...`, whose
 * flags depend on the Node.js version), so the bench measures the service as
 * deployed, and an A/B measures each build with its own.
 */
function productNodeFlags(root) {
  const script = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts['start:prod'] || '';
  const m = /\bnode\s+(.*?)\s*dist\/src\/main\.js/.exec(script);
  if (!m || !m[1]) return [];
  const printed = /^\$\(node (scripts\/node-flags\.js)\)$/.exec(m[1]);
  const flags = printed ? execFileSync(process.execPath, [path.join(root, printed[1])], { encoding: 'utf8' }).trim() : m[1];
  return flags.split(/\s+/).filter(Boolean);
}

/** "K=V K2=V2" as an object. */
const envList = (list) => Object.fromEntries((list || '').split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));

/** The adapter for the build in `root` (this checkout; or, for an A/B, another one: BENCH_BEFORE_ROOT). */
const makePortcullis = (root, key, label) => ({
  key, label, SkipError,
  available() {
    const MAIN = path.join(root, 'dist', 'src', 'main.js');
    if (!fs.existsSync(MAIN)) return { ok: false, reason: `${path.relative(ROOT, MAIN)} not found (run \`npm run build\` once the WebSocket gateways have landed)` };
    return { ok: true };
  },
  async start(ctx) {
    const MAIN = path.join(root, 'dist', 'src', 'main.js');
    const port = await freePort();
    const probePort = await freePort();
    // ctx.inside: the baseline also runs inside this process, on its own port (bench/servers/inside-baseline.js)
    const insidePort = ctx && ctx.inside ? await freePort() : null;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-bench-'));
    const adminEmail = 'bench-admin@example.com';
    // ctx.adminPassword / ctx.jwtSecret: a second instance on the same PostgreSQL shares the first one's (bench/unit-costs.js --pg)
    const adminPassword = (ctx && ctx.adminPassword) || `Bench-${randomChars(20)}`;
    const jwtSecret = (ctx && ctx.jwtSecret) || randomChars(48);
    const env = {
      NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret, JWT_ISSUER: 'portcullis', JWT_AUDIENCE: 'portcullis-clients', JWT_ACCESS_TTL: '2h',
      DB_TYPE: 'sqlite', SQLITE_PATH: path.join(dir, 'portcullis.sqlite'), LOG_LEVEL: 'warn',
      WS_MAX_CONNECTIONS: '100000', WS_MAX_CONNECTIONS_PER_USER: '100000', WS_MAX_UNAUTHENTICATED: '100000',
      WS_AUTH_FAILURES_PER_MINUTE: '100000', LOGIN_RATE_LIMIT_PER_MINUTE: '100000', REGISTRATION_OPEN: 'true',
      ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword,
      BENCH_PROBE_PORT: String(probePort),
      ...(insidePort ? { BENCH_INSIDE_PORT: String(insidePort) } : {}),
      // ctx.env: settings a scenario needs on top (the soak: JWT_ACCESS_TTL, WS_REAUTH_LEAD_MS, ...).
      ...(ctx && ctx.env),
      // BENCH_SERVER_ENV="K=V K2=V2": environment for the server only, e.g. an allocator (LD_PRELOAD, MALLOC_*).
      ...envList(process.env.BENCH_SERVER_ENV),
      // BENCH_BEFORE_ENV: the same, for the `before` server only (an A/B of one build under two environments).
      ...(key === 'before' ? envList(process.env.BENCH_BEFORE_ENV) : {}),
    };
    // single instance, embedded SQLite, unless the scenario names a PostgreSQL / Redis (bench/unit-costs.js --pg)
    for (const k of ['REDIS_URL', 'DATABASE_URL']) if (!(ctx && ctx.env && ctx.env[k])) env[k] = undefined;
    // BENCH_SERVER_NODE_ARGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run.
    const extra = (process.env.BENCH_SERVER_NODE_ARGS || '').split(' ').filter(Boolean);
    const child = spawnPinned(ctx && ctx.cpu != null ? ctx.cpu : 1, [...productNodeFlags(root), ...extra, '--expose-gc', '-r', path.join(__dirname, 'probe.js'), ...(insidePort ? ['-r', path.join(__dirname, 'inside-baseline.js')] : []), MAIN], { env, cwd: root });
    let log = '';
    const keep = (d) => { log = (log + d).slice(-4000); };
    child.stdout.on('data', keep); child.stderr.on('data', keep);
    // BENCH_SERVER_LOG=<file>: the server's whole stdout and stderr there too (e.g. with BENCH_SERVER_NODE_ARGS=--trace-gc).
    const logWritten = logToFile(child);
    let exited = null;
    child.on('exit', (c) => { exited = c; });
    const stop = async () => {
      if (exited === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(() => { child.kill('SIGKILL'); r(); }, 12000); });
      }
      await logWritten;
      fs.rmSync(dir, { recursive: true, force: true });
    };
    const base = `http://127.0.0.1:${port}`;
    try {
      // 1. up: GET /health → 200
      const t0 = Date.now();
      for (;;) {
        if (exited !== null) throw new Error(`exited with ${exited}: ${log.trim().split('\n').slice(-5).join(' | ')}`);
        if (Date.now() - t0 > 60000) throw new Error('no 200 from GET /health within 60 s');
        try { if ((await httpJson('GET', `${base}/health`)).status === 200) break; } catch {}
        await sleep(250);
      }
      // 2. log in as the admin: the access token is the credential
      const login = async (email, password) => {
        const r = await httpJson('POST', `${base}/v1/auth/login`, { email, password });
        if (r.status !== 200 || !r.json || !r.json.accessToken) throw new Error(`POST /v1/auth/login → ${r.status} ${r.text.slice(0, 200)}`);
        return r.json.accessToken;
      };
      const adminToken = await login(adminEmail, adminPassword);
      const auth = { authorization: `Bearer ${adminToken}` };
      // 3. conversations: one for connect/memory scenarios, one for fan-out
      const createConversation = async (title) => {
        const r = await httpJson('POST', `${base}/v1/conversations`, { title }, auth);
        if (r.status >= 300 || !r.json || !r.json.id) throw new SkipError(`POST /v1/conversations → ${r.status}: the conversations API is not there yet`);
        return r.json.id;
      };
      const connectConv = await createConversation('bench connect');
      const fanConv = await createConversation('bench fan-out');
      // 4. a second member: subscribers are that user (many sockets), the sender is the admin
      let subscriberToken = adminToken; let memberNote = 'subscribers and sender are the admin user';
      try {
        const email = `bench-sub-${randomChars(8).toLowerCase()}@example.com`; const password = `Sub-${randomChars(20)}`;
        const reg = await httpJson('POST', `${base}/v1/auth/register`, { email, password, displayName: 'bench subscriber' });
        if (reg.status !== 201 || !reg.json || !reg.json.id) throw new Error(`register → ${reg.status}`);
        const add = await httpJson('POST', `${base}/v1/conversations/${fanConv}/members`, { userId: reg.json.id }, auth);
        if (add.status >= 300) throw new Error(`add member → ${add.status}`);
        subscriberToken = await login(email, password);
        memberNote = 'sender: admin; subscribers: one member user with many sockets';
      } catch (e) { memberNote += ` (second member not added: ${e.message})`; }
      // 5. the WebSocket endpoint must answer with `ready`
      const target = { driver: 'ws', port, wsPath: '/ws/conversations/:id' };
      try {
        const s = await wsDriver(target).connect({ token: adminToken, conversationId: connectConv, auth: 'header', timeoutMs: 5000 });
        s.close();
      } catch (e) {
        throw new SkipError(`/ws/conversations/:id did not answer with a ready frame (${e.message}): the gateway is not there yet`);
      }
      return {
        pid: child.pid, child, probePort, target, note: memberNote, base, jwtSecret, adminToken, adminEmail, adminPassword,
        token: adminToken, conversationId: connectConv,
        // A second login: a new token (and session) for the same user, as a client re-authenticating would present.
        freshToken: () => login(adminEmail, adminPassword),
        fanout: { conversationId: fanConv, senderToken: adminToken, subscriberToken },
        // The baseline inside this process: a server of its own for runLoad (same pid), with a token it accepts.
        inside: insidePort ? {
          pid: child.pid, target: { driver: 'ws', port: insidePort, wsPath: '/ws/conversations/:id' }, conversationId: 'bench-connect',
          token: jwt.sign({ sid: crypto.randomUUID(), role: 'user' }, jwtSecret, { algorithm: 'HS256', subject: crypto.randomUUID(), issuer: 'portcullis', audience: 'portcullis-clients', expiresIn: '2h' }),
        } : undefined,
        stop,
      };
    } catch (e) {
      await stop();
      throw e;
    }
  },
});

module.exports = makePortcullis(ROOT, 'portcullis', 'Portcullis');
module.exports.productNodeFlags = productNodeFlags;
module.exports.at = (root) => makePortcullis(path.resolve(root), 'before', `Portcullis before (${root})`);
