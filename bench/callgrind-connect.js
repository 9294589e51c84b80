#!/usr/bin/env node
'use strict';
// Instructions per authenticated connect-and-close (CG_AUTH: header, the default, or first-frame), counted by valgrind's callgrind
// in the server (all its threads; kernel time is not in it), so the machine's
// speed and its neighbours do not enter: the same build gives the same count
// within what GC timing moves. For an A/B of builds whose CPU difference is
// inside this machine's noise (docs/capacity.md §1).
//
//   taskset -c 0 node bench/callgrind-connect.js <built checkout>... [baseline] [socketio]
//
// Each server runs under callgrind on CPU 1 with instrumentation off; CG_WARM
// connects (default 3000; at 1,500 the JIT is still warming and a connect
// reads ~1.2M) warm it, then CG_CONNECTS (1500) are counted, CG_RUNS
// (2) times per server. `baseline` is bench/servers/baseline.js (bare ws +
// fast-jwt), `socketio` bench/servers/socketio.js (Socket.IO 4 over ws, first-frame
// auth in its CONNECT packet). Prints instructions a connect, and of them: building errors
// (v8 ErrorUtils::Construct), incremental marking and mark-compact, scavenges,
// and V8's optimizing compiles on its background threads (TurboFan, Maglev),
// with the total without them: those still run thousands of connects after
// start, and when they land moves a run's total by ±15k.
// A run with a mark-compact cycle in its window reads ~100k higher: compare
// runs without one. The product's start flags but --memory-balancer and its floor (see run()).
// About 2 minutes a run. Prints figures; asserts nothing.
const { execFileSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { wsDriver, sioDriver } = require('./load/drivers');
const { productNodeFlags } = require('./servers/portcullis');
const { FROM_V8_13 } = require('../scripts/node-flags');
const { freePort, httpJson, sleep } = require('./lib/proc');

const WARM = Number(process.env.CG_WARM || 3000);
const COUNTED = Number(process.env.CG_CONNECTS || 1500);
const RUNS = Number(process.env.CG_RUNS || 2);
const CONCURRENCY = 4;
// `header` (default) or `first-frame`: how each connect authenticates (CONTRACT §3).
const AUTH = process.env.CG_AUTH || 'header';
// CG_TOP=n: also print each server's n costliest functions by their own instructions a connect, V8's compiled
// JavaScript named from the map node writes with --perf-basic-prof (/tmp/perf-<pid>.map, removed after).
const TOP = Number(process.env.CG_TOP || 0);
// CG_KEEP=<dir>: keep each run's callgrind dumps (and, with CG_TOP, V8's perf map) there, for callgrind_annotate --tree=caller.
const KEEP = process.env.CG_KEEP;
// CG_CACHE_SIM=1: also simulate the caches (valgrind --cache-sim=yes; ~2x slower) and print misses a connect (L1 instruction and data, last level).
const CACHE_SIM = process.env.CG_CACHE_SIM === '1';
if (!['header', 'first-frame'].includes(AUTH)) throw new Error(`CG_AUTH is header or first-frame, not ${AUTH}`);
// valgrind names its control pipes after HOST; the service reads HOST too, so both sides are given the same.
const HOST = '127.0.0.1';
const SECRET = crypto.randomBytes(36).toString('base64').slice(0, 48);
const ADMIN = { email: 'cg-admin@example.com', password: `Cg-${crypto.randomBytes(12).toString('hex')}` };

/** One connect to `ready` (authenticated as CG_AUTH says), then a client close answered by the server's. */
async function connectOnce(target, token, conversationId) {
  const socket = await (target.sio ? sioDriver : wsDriver)(target).connect({ token, conversationId, auth: AUTH });
  await new Promise((resolve) => { socket.on('close', resolve); socket.close(); });
}

async function connects(n, target, token, conversationId) {
  let started = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (started++ < n) await connectOnce(target, token, conversationId); }));
}

const control = (pid, ...args) => execFileSync('callgrind_control', [...args, String(pid)], { env: { ...process.env, HOST }, stdio: 'pipe' });

async function waitFor(check, what, ms = 300_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function run(target, dir) {
  const out = path.join(dir, 'cg.out');
  const port = await freePort();
  const peer = target === 'baseline' || target === 'socketio';
  const root = peer ? path.join(__dirname, '..') : path.resolve(target);
  // Without --memory-balancer: it sets the heap limit from rates measured against the clock, and under valgrind
  // (~50x slower, and not evenly so) it held the limit near the live heap: marking ran every few connects,
  // 341k instructions a connect of it, against 0 in the same window without the flag. Its floor goes with it (both or neither).
  const script = peer ? [path.join(__dirname, 'servers', `${target}.js`)] : [...productNodeFlags(root).filter((f) => !FROM_V8_13.includes(f)), 'dist/src/main.js'];
  const env = peer
    ? { PORT: String(port), JWT_SECRET: SECRET, JWT_ISSUER: 'portcullis', JWT_AUDIENCE: 'portcullis-clients', NODE_ENV: 'production' }
    : {
      NODE_ENV: 'production', PORT: String(port), DB_TYPE: 'sqlite', SQLITE_PATH: path.join(dir, 'db.sqlite'), JWT_SECRET: SECRET, LOG_LEVEL: 'warn',
      WS_MAX_CONNECTIONS: '100000', WS_MAX_CONNECTIONS_PER_USER: '100000', WS_MAX_UNAUTHENTICATED: '100000', WS_AUTH_FAILURES_PER_MINUTE: '100000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '100000', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password,
    };
  const merged = { ...process.env, ...env, HOST };
  delete merged.REDIS_URL;
  delete merged.DATABASE_URL;
  const server = spawn('taskset', ['-c', '1', 'valgrind', '--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', ...(CACHE_SIM ? ['--cache-sim=yes'] : []), `--callgrind-out-file=${out}`, process.execPath, ...(TOP ? ['--perf-basic-prof'] : []), ...script],
    { cwd: root, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (d) => { log += d; });
  server.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => server.on('exit', r));
  try {
    let token; let conversationId;
    if (peer) {
      await waitFor(async () => /LISTENING/.test(log), `${target} to listen`);
      token = jwt.sign({ sid: crypto.randomUUID(), role: 'user' }, SECRET, { algorithm: 'HS256', subject: crypto.randomUUID(), issuer: 'portcullis', audience: 'portcullis-clients', expiresIn: '2h' });
      conversationId = 'bench-connect';
    } else {
      const base = `http://${HOST}:${port}`;
      await waitFor(async () => (await httpJson('GET', `${base}/health`)).status === 200, `${root} to answer /health`);
      token = (await httpJson('POST', `${base}/v1/auth/login`, ADMIN)).json.accessToken;
      conversationId = (await httpJson('POST', `${base}/v1/conversations`, { title: 'callgrind' }, { authorization: `Bearer ${token}` })).json.id;
    }
    const endpoint = { port, wsPath: '/ws/conversations/:id', sio: target === 'socketio' };
    await connects(WARM, endpoint, token, conversationId);
    control(server.pid, '-i', 'on');
    await connects(COUNTED, endpoint, token, conversationId);
    control(server.pid, '-i', 'off');
    control(server.pid, '-d');
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
  const dumps = fs.readdirSync(dir).filter((f) => f.startsWith('cg.out.')).map((f) => path.join(dir, f));
  if (KEEP) { fs.mkdirSync(KEEP, { recursive: true }); for (const f of dumps) fs.copyFileSync(f, path.join(KEEP, `${peer ? target : path.basename(root)}.${path.basename(f)}`)); }
  const total = dumps.reduce((s, f) => s + Number((/^totals: (\d+)/m.exec(fs.readFileSync(f, 'utf8')) || [0, 0])[1]), 0);
  // With CG_CACHE_SIM: every event of the dumps summed (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw), a connect.
  const events = {};
  if (CACHE_SIM) {
    for (const f of dumps) {
      const text = fs.readFileSync(f, 'utf8');
      const names = ((/^events: (.*)$/m.exec(text) || [])[1] || '').trim().split(/\s+/);
      const counts = ((/^totals: (.*)$/m.exec(text) || [])[1] || '').trim().split(/\s+/).map(Number);
      names.forEach((n, i) => { events[n] = (events[n] || 0) + (counts[i] || 0); });
    }
  }
  const cache = CACHE_SIM ? `cache misses a connect: L1 instruction ${Math.round(events.I1mr / COUNTED)}, L1 data ${Math.round((events.D1mr + events.D1mw) / COUNTED)} (reads ${Math.round(events.D1mr / COUNTED)}), last level ${Math.round((events.ILmr + events.DLmr + events.DLmw) / COUNTED)} (data ${Math.round((events.DLmr + events.DLmw) / COUNTED)}); data accesses ${Math.round((events.Dr + events.Dw) / COUNTED / 1000)}k` : null;
  const annotate = dumps.map((f) => execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', f], { maxBuffer: 1 << 28 }).toString()).join('\n');
  const inclusive = (re) => {
    const line = annotate.split('\n').find((l) => re.test(l));
    return line ? Number(line.trim().split(/\s+/)[0].replace(/,/g, '')) : 0;
  };
  const per = (n) => `${Math.round(n / COUNTED / 1000)}k`;
  const own = new Map();
  if (TOP) {
    for (const f of dumps) {
      for (const [name, n] of topFunctions(f)) { const key = name.split(`${root}/`).join(''); own.set(key, (own.get(key) || 0) + n); }
    }
  }
  const top = [...own].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([name, n]) => `${(n / COUNTED / 1000).toFixed(1)}k\t${name}`);
  const compiling = inclusive(/OptimizingCompileTaskExecutor::CompileTask::Run\(/) + inclusive(/MaglevConcurrentDispatcher::JobTask::Run\(/);
  return {
    total: per(total),
    withoutCompiling: per(total - compiling),
    // The four-handle overload, the outer of the two (V8 13, Node 24, passes DirectHandle where 11.3 passed Handle).
    errors: per(inclusive(/ErrorUtils::Construct\(v8::internal::Isolate\*, v8::internal::(?:Direct)?Handle<v8::internal::JSFunction>, v8::internal::(?:Direct)?Handle<v8::internal::Object>, v8::internal::(?:Direct)?Handle<v8::internal::Object>, v8::internal::(?:Direct)?Handle<v8::internal::Object>\) /)),
    marking: per(inclusive(/IncrementalMarking::Step\(/) + inclusive(/MarkCompactCollector::CollectGarbage\(\)/)),
    scavenges: per(inclusive(/ScavengerCollector::CollectGarbage\(\)/)),
    compiling: per(compiling),
    cache,
    top,
  };
}

/** Self instructions by function in one dump; `???:0x…` (JIT code) named from V8's perf map of the same process. */
function topFunctions(dump) {
  const pid = (/^pid: (\d+)/m.exec(fs.readFileSync(dump, 'utf8').slice(0, 4096)) || [])[1];
  const mapFile = `/tmp/perf-${pid}.map`;
  const code = fs.existsSync(mapFile) ? fs.readFileSync(mapFile, 'utf8').split('\n').map((l) => /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(l)).filter(Boolean)
    .map((m) => [parseInt(m[1], 16), parseInt(m[2], 16), m[3]]).sort((a, b) => a[0] - b[0]) : [];
  if (pid && KEEP && fs.existsSync(mapFile)) fs.copyFileSync(mapFile, path.join(KEEP, path.basename(mapFile)));
  if (pid) fs.rmSync(mapFile, { force: true });
  const nameOf = (addr) => {
    let lo = 0; let hi = code.length - 1; let at = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (code[mid][0] <= addr) { at = mid; lo = mid + 1; } else hi = mid - 1; }
    return at >= 0 && addr < code[at][0] + code[at][1] ? code[at][2] : 'JIT code, unnamed';
  };
  const byName = new Map();
  for (const line of execFileSync('callgrind_annotate', ['--threshold=100', dump], { maxBuffer: 1 << 28 }).toString().split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2].includes('PROGRAM TOTALS')) continue;
    const jit = /^\?\?\?:0x([0-9a-f]+)/.exec(m[2]);
    const name = jit ? nameOf(parseInt(jit[1], 16)) : m[2].replace(/ \[.*\]$/, '').replace(/^\?\?\?:/, '');
    byName.set(name, (byName.get(name) || 0) + Number(m[1].replace(/,/g, '')));
  }
  return [...byName];
}

(async () => {
  const targets = process.argv.slice(2);
  if (!targets.length) throw new Error('usage: node bench/callgrind-connect.js <built checkout>... [baseline] [socketio]');
  execFileSync('valgrind', ['--version']);
  console.log(`callgrind: ${COUNTED} ${AUTH} connect-and-close cycles counted after ${WARM}, ${RUNS} run(s) each, node ${process.version}`);
  console.log(['server', 'run', 'instructions a connect', 'without JIT compiling', 'errors built', 'marking + mark-compact', 'scavenges', 'JIT compiling'].join('\t'));
  for (let r = 1; r <= RUNS; r++) {
    for (const target of targets) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'callgrind-connect-'));
      try {
        const f = await run(target, dir);
        console.log([target, r, f.total, f.withoutCompiling, f.errors, f.marking, f.scavenges, f.compiling].join('\t'));
        if (f.cache) console.log(`  ${f.cache}`);
        for (const line of f.top) console.log(`  ${line}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
})().catch((err) => { console.error(err); process.exit(1); });
