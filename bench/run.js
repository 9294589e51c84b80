#!/usr/bin/env node
'use strict';
// `npm run bench`: runs every scenario against each server under test in turn
// (baseline first: its maximum sets the fixed arrival rate), 3 runs each,
// medians, prints a table and writes docs/benchmarks.md. Reports figures only;
// nothing here asserts on time. BENCH_QUICK=1: smaller counts (~2 min).
// BENCH_RUNS=n, BENCH_SERVERS=baseline,socketio,portcullis to choose.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { spawnPinned, cpuUs, httpJson, sleep, HAS_TASKSET } = require('./lib/proc');
const { median } = require('./lib/stats');
const refs = require('./servers/script-server');
const portcullis = require('./servers/portcullis');

const ROOT = path.resolve(__dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS || 3);
const FD_HARD = Number(execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim()) || 1024;
const P = QUICK
  ? { connects: 1500, connectMs: 2500, concurrency: 32, rateMs: 2000, memSockets: 2000, fan: [[100, 300], [1000, 40]], fanMs: 3000, verifyIters: 20000 }
  : { connects: 6000, connectMs: 6000, concurrency: 32, rateMs: 4000, memSockets: 10000, fan: [[100, 2000], [1000, 300]], fanMs: 7000, verifyIters: 100000 };
// each socket needs one fd in the loader and one in the server
if (P.memSockets > FD_HARD - 500) P.memSockets = Math.max(1000, Math.floor((FD_HARD - 500) / 1000) * 1000);
const ORDER = (process.env.BENCH_SERVERS || 'baseline,socketio,portcullis').split(',');
// BENCH_BEFORE_ROOT=<another checkout, built>: adds server `before` for an A/B of two Portcullis builds in one run.
const ADAPTERS = { baseline: refs.baseline, socketio: refs.socketio, portcullis, ...(process.env.BENCH_BEFORE_ROOT ? { before: portcullis.at(process.env.BENCH_BEFORE_ROOT) } : {}) };
const log = (...a) => console.log(...a);

/** Runs one load-generator process on CPU 0; samples server CPU at its marks. */
function runLoad(server, cfg, { onHolding, timeoutMs = 180000 } = {}) {
  return new Promise((resolve) => {
    const child = spawnPinned(0, [path.join(__dirname, 'load', 'client.js'), JSON.stringify({ ...cfg, target: server.target, deadlineMs: timeoutMs - 10000 })], { cwd: ROOT });
    let buf = ''; let err = ''; let cpuA = NaN; let cpuB = NaN; let result = null;
    const kill = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
    child.stdout.on('data', async (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        if (line === 'MARK start') cpuA = cpuUs(server.pid);
        else if (line === 'MARK end') cpuB = cpuUs(server.pid);
        else if (line.startsWith('HOLDING ')) {
          const info = JSON.parse(line.slice(8));
          try { await onHolding(info); } finally { child.stdin.write('release\n'); }
        } else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
      }
    });
    child.on('exit', () => {
      clearTimeout(kill);
      if (!result) result = { error: `load generator exited without a result: ${err.trim().split('\n').slice(-3).join(' | ')}` };
      result.serverCpuUs = cpuB - cpuA;
      resolve(result);
    });
  });
}

async function mem(server) {
  const r = await httpJson('GET', `http://127.0.0.1:${server.probePort}/mem`);
  return r.json;
}

const fmt = {
  n: (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—'),
};

/** Machine-wide busy share of all CPUs over `ms` (other tenants' load shows up here). */
async function busyShare(ms = 1000) {
  const read = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read(); await sleep(ms); const b = read();
  const d = b.map((x, i) => x - a[i]); const total = d.reduce((x, y) => x + y, 0);
  return total ? 1 - (d[3] + d[4]) / total : NaN;
}

/**
 * Runs every scenario `RUNS` times, interleaving the servers within each run
 * (run 1: A, B, C; run 2: A, B, C; ...) so slow drifts in the machine's
 * background load spread evenly over the servers compared.
 */
async function benchAll(live, ctx) {
  const out = {}; for (const k of Object.keys(live)) out[k] = { notes: live[k].note ? [live[k].note] : [] };
  const errs = (k, label, r) => { if (r.error || r.errors || r.timedOut) out[k].notes.push(`${label}: ${r.error || `${r.errors || 0} errors${r.firstError ? ` (first: ${r.firstError})` : ''}${r.timedOut ? ', timed out' : ''}`}`); };
  const alive = (k) => live[k].child.exitCode === null && live[k].child.signalCode === null;
  async function scenario(name, makeCfg, each, summarize, opts) {
    const runs = {}; for (const k of Object.keys(live)) runs[k] = [];
    for (let i = 0; i < RUNS; i++) {
      for (const [k, server] of Object.entries(live)) {
        if (!alive(k)) { errs(k, `${name} run ${i + 1}`, { error: 'server process is gone' }); continue; }
        const cfg = makeCfg(k, server);
        if (!cfg) continue;
        const r = await each(k, server, cfg, i);
        if (r) { errs(k, `${name} run ${i + 1}`, r); runs[k].push(r); }
        await sleep(500);
      }
    }
    for (const k of Object.keys(live)) if (runs[k].length) out[k][name] = summarize(runs[k]);
  }
  const plainRun = (label) => async (k, server, cfg, i) => {
    const r = await runLoad(server, cfg);
    log(`  ${k} ${label(r, cfg)} [run ${i + 1}]`);
    return r;
  };
  for (const auth of ['header', 'frame']) {
    await scenario(`connect_${auth}`, (k, s) => ({ scenario: 'connect', count: P.connects, maxMs: P.connectMs, concurrency: P.concurrency, auth, token: s.token, conversationId: s.conversationId }),
      plainRun((r) => `connect/${auth}: ${fmt.n(r.connectsPerSec)} /s, server ${fmt.n(r.serverCpuUs / r.ok, 1)} µs CPU/connect, loader CPU ${fmt.n(r.loaderCpuShare * 100)}%`),
      (runs) => ({ perSec: median(runs.map((r) => r.connectsPerSec)), cpuUs: median(runs.map((r) => r.serverCpuUs / r.ok)), loaderShare: median(runs.map((r) => r.loaderCpuShare)), runs: runs.map((r) => r.connectsPerSec) }));
  }
  // A connect figure is only as good as its runs: flag wide spread, and runs that saturated neither process.
  for (const [k, o] of Object.entries(out)) {
    for (const auth of ['header', 'frame']) {
      const c = o[`connect_${auth}`];
      if (!c) continue;
      const lo = Math.min(...c.runs); const hi = Math.max(...c.runs);
      const serverShare = (c.cpuUs * c.perSec) / 1e6;
      if (hi > 1.3 * lo || (c.loaderShare < 0.8 && serverShare < 0.8)) {
        o.notes.push(`connects/s (${auth} auth) ran ${c.runs.map((x) => fmt.n(x)).join(' / ')} across runs; server CPU share ${fmt.n(serverShare * 100)}%, load generator ${fmt.n(c.loaderShare * 100)}%: limited outside both processes part of the time, so this row's ratios are weak — the CPU µs/connect row is the steadier comparison`);
      }
    }
  }
  if (out.baseline && out.baseline.connect_header) ctx.rate = Math.max(50, Math.round(out.baseline.connect_header.perSec / 2));
  if (ctx.rate) {
    await scenario('rate', (k, s) => ({ scenario: 'rate', ratePerSec: ctx.rate, durationMs: P.rateMs, auth: 'header', token: s.token, conversationId: s.conversationId }),
      plainRun((r) => `connect→ready @${ctx.rate}/s: p50 ${fmt.n(r.latencyMs && r.latencyMs.p50, 2)} ms p99 ${fmt.n(r.latencyMs && r.latencyMs.p99, 2)} ms (achieved ${fmt.n(r.achievedRate)}/s)`),
      (runs) => ({ rate: ctx.rate, p50: median(runs.map((r) => r.latencyMs && r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs && r.latencyMs.p99)) }));
  } else log('  (no baseline: the fixed-rate latency scenario is skipped)');
  await scenario('mem', (k, s) => ({ scenario: 'hold', count: P.memSockets, concurrency: 100, auth: 'header', token: s.token, conversationId: s.conversationId }),
    async (k, old, cfg0, i) => {
      // a fresh server per run: "empty" must mean never used (RSS is not given back after a peak)
      await old.stop();
      const server = live[k] = await ADAPTERS[k].start(ctx);
      const cfg = { ...cfg0, token: server.token, conversationId: server.conversationId };
      await sleep(1000);
      const before = await mem(server);
      let after = null; let held = null;
      const r = await runLoad(server, cfg, { onHolding: async (info) => { held = info; await sleep(1000); after = await mem(server); } });
      await sleep(1000);
      if (!(held && after && held.ok > 0)) return { error: r.error || 'no memory sample' };
      const m = { rss: (after.rss - before.rss) / held.ok, heap: (after.heapUsed - before.heapUsed) / held.ok, sockets: held.ok, errors: r.errors, firstError: r.firstError };
      log(`  ${k} memory: ${held.ok} sockets, RSS ${fmt.n(m.rss / 1024, 2)} KiB/socket, heap ${fmt.n(m.heap / 1024, 2)} KiB/socket (empty: RSS ${fmt.n(before.rss / 1048576, 1)} MiB, heap ${fmt.n(before.heapUsed / 1048576, 1)} MiB) [run ${i + 1}]`);
      return m;
    },
    (runs) => ({ rss: median(runs.map((m) => m.rss)), heap: median(runs.map((m) => m.heap)), sockets: median(runs.map((m) => m.sockets)) }));
  for (const [subs, messages] of P.fan) {
    await scenario(`fan${subs}`, (k, s) => ({ scenario: 'fanout', subscribers: subs, messages, maxMs: P.fanMs, window: 4, bytes: 100, auth: 'header', ...s.fanout }),
      plainRun((r) => `fan-out 1→${subs}: p50 ${fmt.n(r.latencyMs && r.latencyMs.p50, 2)} ms p99 ${fmt.n(r.latencyMs && r.latencyMs.p99, 2)} ms, ${fmt.n(r.deliveredPerSec)} delivered/s, loader CPU ${fmt.n(r.loaderCpuShare * 100)}%`),
      (runs) => ({ p50: median(runs.map((r) => r.latencyMs && r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs && r.latencyMs.p99)), perSec: median(runs.map((r) => r.deliveredPerSec)), loaderShare: median(runs.map((r) => r.loaderCpuShare)), cpuUsPerMsg: median(runs.map((r) => r.serverCpuUs / r.sent)) }));
  }
  return out;
}

async function verifyBench() {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const child = spawnPinned(0, [path.join(__dirname, 'load', 'verify.js'), String(P.verifyIters)], { cwd: ROOT });
    let buf = '';
    child.stdout.on('data', (d) => { buf += d; });
    await new Promise((r) => child.on('exit', r));
    const m = /RESULT (.*)/.exec(buf);
    if (m) runs.push(JSON.parse(m[1]));
  }
  const k = (name) => median(runs.map((r) => r[name]));
  return { jwtKeyObject: k('jsonwebtoken_keyobject'), jwtString: k('jsonwebtoken_string_secret'), fastJwt: k('fast_jwt') };
}

/** Portcullis now against another build of it (BENCH_BEFORE_ROOT), same run, medians: the A/B a refactor is judged by. */
function abTable(before, after) {
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const rows = [
    ['server CPU µs / connect, header', 'connect_header.cpuUs', 0], ['server CPU µs / connect, first-frame', 'connect_frame.cpuUs', 0],
    ['server CPU µs / chat message (fan-out 1→100)', 'fan100.cpuUsPerMsg', 0], ['server CPU µs / chat message (fan-out 1→1000)', 'fan1000.cpuUsPerMsg', 0],
    ['fan-out 1→100 delivered msg/s', 'fan100.perSec', 0], ['RSS KiB / idle socket', 'mem.rss', 2, 1024], ['heap KiB / idle socket', 'mem.heap', 2, 1024],
    ['connect→ready p99 ms', 'rate.p99', 2],
  ].map(([label, p, d, div = 1]) => {
    const b = get(before, p); const a = get(after, p);
    return [label, fmt.n(b / div, d), fmt.n(a / div, d), Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—'];
  });
  return `A/B (before = BENCH_BEFORE_ROOT):\n${plain(['metric', 'before', 'after', 'after / before'], rows)}`;
}

function buildTable(R, verify) {
  const pc = R.portcullis; const b = R.baseline; const s = R.socketio;
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const ratio = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y !== 0 ? `${(x / y).toFixed(2)}×` : '—');
  const have = pc && !pc.skipped;
  const rows = [];
  const KiB = (x) => fmt.n(x / 1024, 2);
  const ms = (x) => fmt.n(x, 2);
  const status = (ok) => (!have ? 'pending' : ok === undefined || ok === null ? '—' : ok ? 'met' : '**missed**');
  const add = (label, p, f, target, check) => {
    const pv = have ? get(pc, p) : NaN; const bv = get(b, p); const sv = get(s, p);
    rows.push([label, f(pv), ratio(pv, bv), f(bv), f(sv), ratio(sv, bv), target || '', target ? status(check ? check(pv, bv, sv) : null) : '']);
  };
  const rate = get(b, 'rate.rate');
  add('connects/s, header auth', 'connect_header.perSec', fmt.n, '≥ 0.75× base, ≥ 1.5× peer', (p, bb, ss) => p >= 0.75 * bb && p >= 1.5 * ss);
  add('connects/s, first-frame auth', 'connect_frame.perSec', fmt.n, '≥ 0.75× base, ≥ 1.5× peer', (p, bb, ss) => p >= 0.75 * bb && p >= 1.5 * ss);
  add('server CPU µs / connect, header', 'connect_header.cpuUs', (x) => fmt.n(x, 0), '', null);
  add('server CPU µs / connect, first-frame', 'connect_frame.cpuUs', (x) => fmt.n(x, 0), '', null);
  add(`connect→ready p50 ms @ ${fmt.n(rate)}/s`, 'rate.p50', ms, '', null);
  add(`connect→ready p99 ms @ ${fmt.n(rate)}/s`, 'rate.p99', ms, '≤ 1.5× base', (p, bb) => p <= 1.5 * bb);
  add(`RSS KiB / idle socket (${fmt.n(get(b, 'mem.sockets'))})`, 'mem.rss', KiB, '≤ 2× base and ≤ 12 KiB', (p, bb) => p <= 2 * bb && p <= 12 * 1024);
  add('heap KiB / idle socket', 'mem.heap', KiB, '', null);
  for (const n of [100, 1000]) {
    add(`fan-out 1→${n} delivery p50 ms`, `fan${n}.p50`, ms, '', null);
    add(`fan-out 1→${n} delivery p99 ms`, `fan${n}.p99`, ms, '≤ 1.5× base', (p, bb) => p <= 1.5 * bb);
    add(`fan-out 1→${n} delivered msg/s`, `fan${n}.perSec`, fmt.n, '≥ 0.7× base', (p, bb) => p >= 0.7 * bb);
  }
  const head = ['metric', 'Portcullis', '× base', 'baseline', 'peer (Socket.IO)', '× base', 'target (Portcullis)', 'status'];
  const vrows = [
    ['jsonwebtoken.verify, KeyObject (product config)', fmt.n(verify.jwtKeyObject, 2), ratio(verify.jwtKeyObject, verify.fastJwt), '≤ 2× fast-jwt', verify.jwtKeyObject <= 2 * verify.fastJwt ? 'met' : '**missed**'],
    ['fast-jwt verifier (no cache)', fmt.n(verify.fastJwt, 2), '1.00×', '', ''],
    ['jsonwebtoken.verify, string secret (for reference)', fmt.n(verify.jwtString, 2), ratio(verify.jwtString, verify.fastJwt), '', ''],
  ];
  return { head, rows, vrows, vhead: ['token verify (HS256, alg pinned, iss/aud checked)', 'µs / call', '× fast-jwt', 'target', 'status'] };
}

function md(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
function plain(head, rows) {
  const all = [head, ...rows].map((r) => r.map((c) => String(c).replace(/\*\*/g, '')));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ') + (j === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : '')).join('\n');
}

/**
 * Portcullis only (nothing to compare: the others have no in-band re-auth): the
 * session clock's own cost per socket, and event-loop delay while 10% of the
 * held sockets re-authenticate within one second.
 */
async function reauthBench(R) {
  if (!R.portcullis || R.portcullis.skipped) return null;
  log('re-auth:');
  const clock = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'session-clock.bench.ts')],
    { cwd: ROOT, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } }).toString().trim();
  const sockets = QUICK ? 2000 : 10000;
  const r = await require('./reauth').run(sockets);
  const f = (x) => fmt.n(x, 2);
  const rows = [
    ['sockets held / re-authenticating within ~1 s', `${fmt.n(r.sockets)} / ${fmt.n(r.reauths)}`],
    ['auth_ok answers (closed instead)', `${fmt.n(r.ok)} (${fmt.n(r.closed)})`],
    ['time to the last answer', `${fmt.n(r.elapsed)} ms`],
    ['event-loop delay p50 / p99 / max, idle second', `${f(r.idle.p50)} / ${f(r.idle.p99)} / ${f(r.idle.max)} ms`],
    ['event-loop delay p50 / p99 / max, re-auth second', `${f(r.busy.p50)} / ${f(r.busy.p99)} / ${f(r.busy.max)} ms`],
    ['server CPU per re-auth (verify, session check, reschedule, auth_ok)', `${f(r.cpuPer)} µs`],
  ];
  const text = `${plain(['re-auth under load', 'figure'], rows)}\n\nsession clock (bench/session-clock.bench.ts):\n${clock}`;
  log(text);
  const md2 = `## Re-auth and the session clock (Portcullis only)

${md(['re-auth under load (bench/reauth.js)', 'figure'], rows)}

The session clock alone (\`node --expose-gc -r ts-node/register/transpile-only bench/session-clock.bench.ts\`):

\`\`\`
${clock}
\`\`\`
`;
  return { text, md: md2 };
}

async function main() {
  const started = Date.now();
  const ctx = { secret: crypto.randomBytes(36).toString('base64').slice(0, 48), issuer: 'portcullis', audience: 'portcullis-clients' };
  const cpuModel = (/model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || os.cpus()[0].model;
  log(`bench: ${QUICK ? 'QUICK' : 'full'} mode, ${RUNS} runs per figure, ${os.cpus().length} CPUs (${cpuModel}), node ${process.version}, fd hard limit ${FD_HARD}, taskset ${HAS_TASKSET ? 'yes (load → CPU 0, server → CPU 1)' : 'no'}`);
  if (process.env.BENCH_BUILD === '1') { log('npm run build ...'); execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }); }
  const R = {}; const skipped = []; const live = {};
  const bgStart = await busyShare();
  log(`background CPU busy (all CPUs, before starting): ${fmt.n(bgStart * 100)}%`);
  try {
    for (const key of ORDER) {
      const adapter = ADAPTERS[key];
      if (!adapter) continue;
      const a = adapter.available();
      let line = null;
      if (!a.ok) line = `${adapter.label}: skipped — ${a.reason}`;
      else {
        try { live[key] = await adapter.start(ctx); log(`${adapter.label}: up (pid ${live[key].pid}, port ${live[key].target.port})`); }
        catch (e) { line = `${adapter.label}: skipped — ${e.message}`; }
      }
      if (line) { log(line); skipped.push(line); R[key] = { skipped: line }; }
    }
    Object.assign(R, await benchAll(live, ctx));
  } finally {
    for (const s of Object.values(live)) await s.stop();
  }
  for (const [k, v] of Object.entries(R)) for (const n of v.notes || []) log(`  note: ${k}: ${n}`);
  const bgEnd = await busyShare();
  log('token verify:');
  const verify = await verifyBench();
  const t = buildTable(R, verify);
  const reauth = await reauthBench(R);
  const elapsed = (Date.now() - started) / 1000;
  log(`\n${plain(t.head, t.rows)}\n\n${plain(t.vhead, t.vrows)}\n`);
  if (R.before && R.portcullis && !R.before.skipped && !R.portcullis.skipped) log(`${abTable(R.before, R.portcullis)}\n`);
  if (reauth) log(reauth.text);
  for (const s of skipped) log(s);
  log(`done in ${elapsed.toFixed(0)} s`);

  const loaderRows = ['baseline', 'socketio', 'portcullis'].filter((k) => R[k] && !R[k].skipped).map((k) => [k,
    ...['connect_header', 'connect_frame', 'fan100', 'fan1000'].map((s) => (R[k][s] ? `${fmt.n(R[k][s].loaderShare * 100)}%` : '—'))]);
  const notes = Object.entries(R).flatMap(([k, v]) => (v.notes || []).map((n) => `- ${k}: ${n}`));
  const doc = `# Benchmarks

Generated by \`${QUICK ? 'BENCH_QUICK=1 ' : ''}npm run bench\` (bench/run.js) on ${new Date().toISOString().slice(0, 10)}${QUICK ? ' — **quick mode: smaller counts, figures are indicative only**' : ''}. Every figure is the median of ${RUNS} runs; within each run the servers take turns, so drifts in the machine's background load spread over all of them. Nothing in the test suite asserts on these numbers.

## Machine

| | |
|---|---|
| CPUs (nproc) | ${os.cpus().length} |
| CPU model | ${cpuModel} |
| Node.js | ${process.version} |
| OS | ${os.type()} ${os.release()} |
| fd limit (hard) | ${FD_HARD} |
| pinning | ${HAS_TASKSET ? 'taskset: load generator on CPU 0, server on CPU 1' : 'none (taskset missing or one CPU)'} |
| date | ${new Date().toISOString()} |
| wall time | ${elapsed.toFixed(0)} s |
| background CPU busy (other tenants; before / after the run) | ${fmt.n(bgStart * 100)}% / ${fmt.n(bgEnd * 100)}% |

## Servers under test

1. **Portcullis** — \`node dist/src/main.js\`, NODE_ENV=production, SQLite in a temp dir, LOG_LEVEL=warn, connection limits raised (bench/servers/portcullis.js).${R.portcullis && R.portcullis.skipped ? `\n   **Not measured in this run:** ${R.portcullis.skipped.replace(/^Portcullis: skipped — /, '')}.` : ''}
2. **baseline** — bare \`ws\` server, HS256 verified with fast-jwt at the upgrade (or from the first frame), one \`ready\` frame, fan-out with a plain loop (bench/servers/baseline.js): the practical ceiling of this stack.
3. **peer** — Socket.IO 4, \`io.use\` JWT middleware (fast-jwt), \`transports: ['websocket']\`, one room per conversation (bench/servers/socketio.js). "First-frame auth" for Socket.IO is \`auth.token\` in its CONNECT packet.

## Results

${md(t.head, t.rows)}

${md(t.vhead, t.vrows)}

"× base" is the figure divided by the baseline's. Status is for Portcullis against the issue's targets; "pending" means Portcullis was not measured.

${reauth ? reauth.md : ''}
## Method

- Connects/s: up to ${fmt.n(P.connects)} connections or ${P.connectMs / 1000} s per run, ${P.concurrency} in flight (closed loop); each opens, waits for \`ready\`, closes. Header auth = \`Authorization: Bearer\`; first-frame = \`{type:"auth",id,timestamp,payload:{token}}\` on a socket opened with no credential. Server CPU per connect = Δ(utime+stime) of the server process from /proc/<pid>/stat over the measured phase ÷ connects (includes the close).
- Connect→ready latency: open loop at a fixed arrival rate of half the baseline's header-auth maximum (${fmt.n(ctx.rate)}/s) for ${P.rateMs / 1000} s; latency from \`new WebSocket()\` to the \`ready\` frame.
- Memory: a freshly started server per run; ${fmt.n(P.memSockets)} authenticated idle sockets in one conversation (one user); (RSS and heapUsed after two full GCs with the sockets open) − (same, empty server), ÷ sockets. Measured in-process by bench/servers/probe.js, preloaded with \`node -r\`.
- Fan-out: one sender, N subscribers of one conversation, up to ${P.fan.map(([n, m]) => `${fmt.n(m)} messages to ${n}`).join(', ')} or ${P.fanMs / 1000} s of sending per run; 100-byte content; at most 4 messages not yet delivered to every subscriber; latency = send → each subscriber's receipt (first 20 messages excluded); msg/s = deliveries ÷ (last delivery − first send).
- Token verify: one process on CPU 0, ${fmt.n(P.verifyIters)} calls after warm-up, the same token for each verifier.
- Server CPU share during a connect run = µs/connect × connects/s; when neither it nor the load generator's share is near 100%, the limit lies outside both processes (kernel loopback work, VM CPU steal, other tenants of the machine — see "background CPU busy"): read the ratios, not the absolute figures.
- Load generator CPU share during the measured phase (≈100% means the figure is bounded by the load generator, not the server):

${md(['server', 'connect header', 'connect first-frame', 'fan-out 100', 'fan-out 1000'], loaderRows)}
${notes.length ? `\nNotes from the run:\n\n${notes.join('\n')}\n` : ''}
## Reproduce

\`\`\`
npm run build        # Portcullis is measured from dist/
npm run bench        # ~10 min; BENCH_QUICK=1 for a ~2 min smoke run
\`\`\`

Options: \`BENCH_RUNS\` (default 3), \`BENCH_SERVERS\` (default \`baseline,socketio,portcullis\`; baseline must come first for the fixed-rate figure). \`BENCH_SERVER_NODE_ARGS\` adds node flags to the Portcullis server, e.g. \`--cpu-prof --cpu-prof-dir=/tmp/prof\` to profile a run.
`;
  fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'docs', 'benchmarks.md'), doc);
  log('wrote docs/benchmarks.md');
}

main().catch((e) => { console.error(e); process.exit(1); });
