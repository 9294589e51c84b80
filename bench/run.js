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
const { spawnPinned, httpJson, sleep, HAS_TASKSET } = require('./lib/proc');
const { runLoad } = require('./lib/run-load');
const { median } = require('./lib/stats');
const { calibrate } = require('./lib/calibrate');
const tail = require('./lib/tail');
const refs = require('./servers/script-server');
const portcullis = require('./servers/portcullis');
const { fmt, md, plain, buildTable, abTable } = require('./lib/report');
const { benchmarksDoc, writeBenchmarksDoc } = require('./lib/benchmarks-doc');

const ROOT = path.resolve(__dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = Number(process.env.BENCH_RUNS || 3);
// The connect rows (CPU µs a connect, connects/s) take more runs: one run of a server moves ±20% on its own on
// this machine, and a median of 3 settled the CPU rows by chance (docs/capacity.md §1, 2026-12-06).
const CONNECT_RUNS = Number(process.env.BENCH_CONNECT_RUNS || (process.env.BENCH_RUNS ? RUNS : QUICK ? 3 : 5));
const FD_HARD = Number(execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim()) || 1024;
const P = QUICK
  ? { connects: 1500, connectMs: 2500, concurrency: 32, rateMs: 2000, memSockets: 2000, fan: [[100, 300], [1000, 40]], fanMs: 3000, roomMs: 4000, verifyIters: 20000 }
  : { connects: 6000, connectMs: 6000, concurrency: 32, rateMs: 4000, memSockets: 10000, fan: [[100, 2000], [1000, 300]], fanMs: 7000, roomMs: 10000, verifyIters: 100000 };
// The room row: 20 senders × 200 subscribers of one conversation, each sender at BENCH_ROOM_RATE msg/s (default 5: 100 msg/s, 20,000 deliveries/s).
// The fixed-rate run first launches at the rate for rateWarmMs, unmeasured: the load generator is a fresh
// process each run, and BENCH_TAIL=1 traces put most of the slowest connects, of every server, in its first
// 1.5 s, and still its first 250 ms after a 1.5 s warm-up; not after 4 s (docs/capacity.md §1).
P.rateWarmMs = Number(process.env.BENCH_RATE_WARM_MS != null ? process.env.BENCH_RATE_WARM_MS : QUICK ? 1000 : 4000);
// The fixed-rate run's load generator with a 2 MB semi-space: with V8's default young generation its own
// scavenges grew to 15-28 ms within each run (most likely the closed client sockets it keeps reachable until
// its next mark-compact, as the server did), and every connect in flight during one waited for it, whatever
// the server; at 2 MB most take 1-2 ms. It then promotes more, and met 2-3 mark-compacts (4-7 ms pauses) in
// each measured window; a 512 MB old generation from the start puts its first one past the end of the run
// (docs/capacity.md §1, 2026-12-07, 11:40). BENCH_RATE_LOAD_NODE_ARGS overrides ("" for V8's defaults).
P.rateLoadNodeArgs = (process.env.BENCH_RATE_LOAD_NODE_ARGS != null ? process.env.BENCH_RATE_LOAD_NODE_ARGS : '--max-semi-space-size=2 --initial-old-space-size=512').split(' ').filter(Boolean);
P.room = { senders: 20, subscribers: 200, ratePerSender: Number(process.env.BENCH_ROOM_RATE || 5) };
// each socket needs one fd in the loader and one in the server
if (P.memSockets > FD_HARD - 500) P.memSockets = Math.max(1000, Math.floor((FD_HARD - 500) / 1000) * 1000);
const ORDER = (process.env.BENCH_SERVERS || `baseline,socketio,portcullis${process.env.BENCH_BEFORE_ROOT ? ',before' : ''}`).split(',');
// BENCH_ONLY=room,fan,...: only those scenarios (connect, rate, mem, fan, room, verify, reauth, paired); prints, leaves docs/benchmarks.md alone.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const wanted = (name) => !ONLY || ONLY.has(name.replace(/(_.*|\d+)$/, ''));
// BENCH_BEFORE_ROOT=<another checkout, built>: adds server `before` for an A/B of two Portcullis builds in one run.
const ADAPTERS = { baseline: refs.baseline, socketio: refs.socketio, portcullis, ...(process.env.BENCH_BEFORE_ROOT ? { before: portcullis.at(process.env.BENCH_BEFORE_ROOT) } : {}) };
const log = (...a) => console.log(...a);

async function mem(server) {
  const r = await httpJson('GET', `http://127.0.0.1:${server.probePort}/mem`);
  return r.json;
}


/** Machine-wide busy share of all CPUs over `ms` (other tenants' load shows up here). */
async function busyShare(ms = 1000) {
  const read = () => fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read(); await sleep(ms); const b = read();
  const d = b.map((x, i) => x - a[i]); const total = d.reduce((x, y) => x + y, 0);
  return total ? 1 - (d[3] + d[4]) / total : NaN;
}

/**
 * Runs every scenario `RUNS` times, interleaving the servers within each run
 * so slow drifts in the machine's background load spread evenly over the
 * servers compared, and starting each run one server further on (run 1: A, B,
 * C; run 2: B, C, A; run 3: C, A, B; ...), so no server always runs just after
 * the same one: the servers share a CPU, and what one still does after its run
 * (closing its sockets, its collector) falls in the next one's.
 */
async function benchAll(live, ctx) {
  const out = {}; for (const k of Object.keys(live)) out[k] = { notes: live[k].note ? [live[k].note] : [] };
  const errs = (k, label, r) => { if (r.error || r.errors || r.timedOut) out[k].notes.push(`${label}: ${r.error || `${r.errors || 0} errors${r.firstError ? ` (first: ${r.firstError})` : ''}${r.timedOut ? ', timed out' : ''}`}`); };
  const alive = (k) => live[k].child.exitCode === null && live[k].child.signalCode === null;
  async function scenario(name, makeCfg, each, summarize, opts = {}) {
    if (!wanted(name)) return;
    const runs = {}; for (const k of Object.keys(live)) runs[k] = [];
    for (let i = 0; i < (opts.runs || RUNS); i++) {
      const keys = Object.keys(live);
      for (const k of keys.map((_, j) => keys[(i + j) % keys.length])) {
        const server = live[k];
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
  // Before the connect scenarios, every server takes one unmeasured run of each kind of connect. A fresh
  // process's first thousands of connects carry V8's compiles, on its helper threads and counted in its CPU:
  // on 2026-12-06 the first two 6,000-connect runs of every server carried 30–50 µs a connect on those
  // threads, later runs 2–10 (docs/capacity.md §1). The table's CPU rows are for the steady state.
  const connectCfg = (auth, s) => ({ scenario: 'connect', count: P.connects, maxMs: P.connectMs, concurrency: P.concurrency, auth, token: s.token, conversationId: s.conversationId });
  if (wanted('connect')) {
    for (const auth of ['header', 'frame']) {
      for (const [k, server] of Object.entries(live)) {
        if (!alive(k)) continue;
        const r = await runLoad(server, connectCfg(auth, server));
        log(`  ${k} connect/${auth} warm-up (not counted): ${fmt.n(r.connectsPerSec)} /s, server ${fmt.n(r.serverCpuUs / r.ok, 1)} µs CPU/connect`);
        await sleep(500);
      }
    }
  }
  for (const auth of ['header', 'frame']) {
    await scenario(`connect_${auth}`, (k, s) => connectCfg(auth, s),
      plainRun((r) => `connect/${auth}: ${fmt.n(r.connectsPerSec)} /s, server ${fmt.n(r.serverCpuUs / r.ok, 1)} µs CPU/connect, loader CPU ${fmt.n(r.loaderCpuShare * 100)}%`),
      (runs) => ({ perSec: median(runs.map((r) => r.connectsPerSec)), cpuUs: median(runs.map((r) => r.serverCpuUs / r.ok)), loaderShare: median(runs.map((r) => r.loaderCpuShare)), runs: runs.map((r) => r.connectsPerSec), cpuRuns: runs.map((r) => r.serverCpuUs / r.ok) }),
      { runs: CONNECT_RUNS });
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
  // BENCH_RATE=<connects/s>: the fixed rate given, so BENCH_ONLY=rate needs no connect scenario first.
  if (Number(process.env.BENCH_RATE) > 0) ctx.rate = Number(process.env.BENCH_RATE);
  if (ctx.rate) {
    const rateLine = (r) => `connect→ready @${ctx.rate}/s: p50 ${fmt.n(r.latencyMs && r.latencyMs.p50, 2)} ms p99 ${fmt.n(r.latencyMs && r.latencyMs.p99, 2)} ms (achieved ${fmt.n(r.achievedRate)}/s)`;
    // BENCH_TAIL=1: each run also says what the slowest connects waited on (bench/lib/tail.js).
    const tracedRun = async (k, server, cfg, i) => {
      await httpJson('GET', `http://127.0.0.1:${server.probePort}/trace/start`);
      const r = await runLoad(server, { ...cfg, trace: true });
      const trace = (await httpJson('GET', `http://127.0.0.1:${server.probePort}/trace/stop`)).json;
      log(`  ${k} ${rateLine(r)} [run ${i + 1}]`);
      if (r.connects) log(`    ${tail.describe(k, tail.attribute({ connects: r.connects, ownCpu: r.ownCpu, ownGc: r.ownGc, server: trace }))}`);
      // BENCH_TAIL_DIR=<dir>: the raw trace of each run there too, for a closer look.
      if (r.connects && process.env.BENCH_TAIL_DIR) fs.writeFileSync(path.join(process.env.BENCH_TAIL_DIR, `rate-${k}-${i + 1}.json`), JSON.stringify({ connects: r.connects, ownGc: r.ownGc, ownGaps: r.ownGaps, ownCpu: r.ownCpu, server: trace }));
      delete r.connects; delete r.ownGc; delete r.ownGaps; delete r.ownCpu;
      return r;
    };
    await scenario('rate', (k, s) => ({ scenario: 'rate', ratePerSec: ctx.rate, durationMs: P.rateMs, warmMs: P.rateWarmMs, auth: 'header', token: s.token, conversationId: s.conversationId, nodeArgs: P.rateLoadNodeArgs }),
      process.env.BENCH_TAIL === '1' ? tracedRun : plainRun(rateLine),
      (runs) => ({ rate: ctx.rate, p50: median(runs.map((r) => r.latencyMs && r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs && r.latencyMs.p99)), p99s: runs.map((r) => r.latencyMs && r.latencyMs.p99) }));
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
  const { senders, subscribers, ratePerSender } = P.room;
  await scenario('room', (k, s) => ({ scenario: 'room', senders, subscribers, ratePerSender, durationMs: P.roomMs, bytes: 100, auth: 'header', ...s.fanout }),
    plainRun((r) => `room ${senders}×${subscribers} @${ratePerSender}/s each: ack p99 ${fmt.n(r.ackMs && r.ackMs.p99, 2)} ms, delivery p50 ${fmt.n(r.latencyMs && r.latencyMs.p50, 2)} p99 ${fmt.n(r.latencyMs && r.latencyMs.p99, 2)} ms, ${fmt.n(r.deliveredPerSec)} delivered/s of ${fmt.n(r.offeredPerSec)} offered, loader CPU ${fmt.n(r.loaderCpuShare * 100)}%`),
    (runs) => ({ ackP99: median(runs.map((r) => r.ackMs && r.ackMs.p99)), p50: median(runs.map((r) => r.latencyMs && r.latencyMs.p50)), p99: median(runs.map((r) => r.latencyMs && r.latencyMs.p99)), perSec: median(runs.map((r) => r.deliveredPerSec)), offered: median(runs.map((r) => r.offeredPerSec)), lost: median(runs.map((r) => r.expected - r.deliveries)), loaderShare: median(runs.map((r) => r.loaderCpuShare)), cpuUsPerMsg: median(runs.map((r) => r.serverCpuUs / r.sent)) }));
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
  return { product: k('fast_jwt_product'), jwtKeyObject: k('jsonwebtoken_keyobject'), jwtString: k('jsonwebtoken_string_secret'), fastJwt: k('fast_jwt') };
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

/**
 * Paired rounds for the ratios a change is judged by. This machine's speed
 * drifts (the same server measured 470 and 800 µs per connect a few minutes
 * apart), and RUNS long runs per server catch different stretches of it; so
 * each ratio here comes from BENCH_PAIRED_ROUNDS short rounds and is the median
 * of the per-round ratios. Every server a metric compares runs once in each of
 * its rounds, back to back, so each ratio (Portcullis against the baseline, and
 * the two halves of it through the baseline inside Portcullis) comes from the
 * same stretches of the machine: measured pair after pair, minutes apart, the
 * halves multiplied out to 1.03× and 1.06× while the direct ratio read 1.42×
 * and 1.19× (docs/capacity.md §1, 2026-12-07, 14:12). The order turns through
 * every rotation of the servers and of their reverse, so each server is as
 * often first as last, and each before the other of any two as often as after.
 */
const PAIRED_HEAD = ['metric', 'server', 'against', 'its value', 'server\'s value', 'ratio', 'range', 'rounds', 'target', 'status'];
// `inside`: the baseline's code run inside a Portcullis process (bench/servers/inside-baseline.js).
const PAIRED_NAMES = { portcullis: 'Portcullis', baseline: 'baseline', before: 'before', inside: 'baseline inside Portcullis' };

/** The orders a round's servers run in, turn by turn: every rotation of `keys`, then every rotation of it reversed. */
function roundOrders(keys) {
  const rotations = (list) => list.map((_, i) => [...list.slice(i), ...list.slice(0, i)]);
  return keys.length < 2 ? [keys] : [...rotations(keys), ...rotations([...keys].reverse())];
}

async function pairedRounds(live) {
  // A multiple of 6: three servers' orders come round whole.
  const rounds = Number(process.env.BENCH_PAIRED_ROUNDS || (QUICK ? 12 : 18));
  // [against, server, connect metrics only]
  const pairs = [['before', 'portcullis'], ['baseline', 'portcullis'], ['inside', 'portcullis', true], ['baseline', 'inside', true]].filter(([a, b]) => live[a] && live[b]);
  const connect = (auth) => (s) => ({ scenario: 'connect', count: QUICK ? 500 : 2000, maxMs: P.connectMs, concurrency: P.concurrency, auth, token: s.token, conversationId: s.conversationId });
  // [label, load, figure, target ratio of Portcullis against the baseline (none otherwise), a connect metric]
  const metrics = [
    ['server CPU µs / connect, header', connect('header'), (r) => r.serverCpuUs / r.ok, 1.25, true],
    ['server CPU µs / connect, first-frame', connect('frame'), (r) => r.serverCpuUs / r.ok, 1.35, true],
    ['server CPU µs / chat message (fan-out 1→100)', (s) => ({ scenario: 'fanout', subscribers: 100, messages: QUICK ? 200 : 600, maxMs: P.fanMs, window: 4, bytes: 100, auth: 'header', ...s.fanout }), (r) => r.serverCpuUs / r.sent, null, false],
  ];
  // BENCH_PAIRED_METRICS=header,first-frame: only the metrics whose label holds one of these.
  const only = process.env.BENCH_PAIRED_METRICS ? process.env.BENCH_PAIRED_METRICS.split(',') : null;
  const rows = [];
  for (const [label, makeCfg, value, target, isConnect] of metrics) {
    if (only && !only.some((m) => label.includes(m))) continue;
    const mine = pairs.filter(([, , connectsOnly]) => isConnect || !connectsOnly);
    const keys = Object.keys(PAIRED_NAMES).filter((k) => mine.some(([a, b]) => a === k || b === k));
    const orders = roundOrders(keys);
    const values = Object.fromEntries(keys.map((k) => [k, []]));
    for (let i = 0; i < rounds; i++) {
      const got = {};
      for (const k of orders[i % orders.length]) {
        const r = await runLoad(live[k], makeCfg(live[k]));
        got[k] = r.error || r.errors ? NaN : value(r);
      }
      for (const k of keys) values[k].push(got[k]);
      if (process.env.BENCH_PAIRED_VERBOSE === '1') log(`    ${label}, round ${i + 1}: ${orders[i % orders.length].map((k) => `${k} ${fmt.n(got[k])}`).join(', ')}`);
    }
    for (const [a, b] of mine) {
      const va = []; const vb = []; const ratios = [];
      for (let i = 0; i < rounds; i++) {
        const x = values[a][i]; const y = values[b][i];
        if (Number.isFinite(x) && Number.isFinite(y)) { va.push(x); vb.push(y); ratios.push(y / x); }
      }
      const sorted = [...ratios].sort((x, y) => x - y);
      log(`  paired ${b} / ${a}, ${label}: median ratio ${fmt.n(median(ratios), 2)}× (${ratios.length} rounds, ${fmt.n(sorted[0], 2)}–${fmt.n(sorted[sorted.length - 1], 2)}×)`);
      const goal = a === 'baseline' && b === 'portcullis' && target ? target : null;
      rows.push([`${label}`, PAIRED_NAMES[b], PAIRED_NAMES[a], fmt.n(median(va)), fmt.n(median(vb)), `${fmt.n(median(ratios), 2)}×`, `${fmt.n(sorted[0], 2)}–${fmt.n(sorted[sorted.length - 1], 2)}×`, String(ratios.length),
        goal ? `≤ ${goal}×` : '', goal ? (ratios.length ? (median(ratios) <= goal ? 'met' : '**missed**') : '—') : '']);
    }
  }
  return rows;
}

/**
 * A second Portcullis server with the baseline inside its process, for the
 * paired rounds (BENCH_INSIDE=0 leaves it out); null when it cannot start.
 */
async function startInside(ctx) {
  if (process.env.BENCH_INSIDE === '0' || !portcullis.available().ok) return null;
  try {
    const host = await portcullis.start({ ...ctx, inside: true });
    log(`baseline inside a Portcullis process: up (pid ${host.pid}, port ${host.inside.target.port})`);
    return host;
  } catch (e) {
    log(`baseline inside a Portcullis process: skipped — ${e.message}`);
    return null;
  }
}

async function main() {
  const started = Date.now();
  const ctx = { secret: crypto.randomBytes(36).toString('base64').slice(0, 48), issuer: 'portcullis', audience: 'portcullis-clients' };
  const cpuModel = (/model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || os.cpus()[0].model;
  log(`bench: ${QUICK ? 'QUICK' : 'full'} mode, ${RUNS} runs per figure (${CONNECT_RUNS} for the connect rows), ${os.cpus().length} CPUs (${cpuModel}), node ${process.version}, fd hard limit ${FD_HARD}, taskset ${HAS_TASKSET ? 'yes (load → CPU 0, server → CPU 1)' : 'no'}`);
  if (process.env.BENCH_BUILD === '1') { log('npm run build ...'); execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }); }
  const R = {}; const skipped = []; const live = {}; let paired = [];
  const bgStart = await busyShare();
  const speedStart = calibrate(HAS_TASKSET ? 1 : null);
  log(`machine speed (bench/lib/calibrate.js, fixed work on the server's CPU, lower is faster): ${fmt.n(speedStart)} ms`);
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
    if (wanted('paired')) {
      const host = live.portcullis ? await startInside(ctx) : null;
      try {
        paired = await pairedRounds(host ? { ...live, inside: host.inside } : live);
      } finally {
        if (host) await host.stop();
      }
    }
  } finally {
    for (const s of Object.values(live)) await s.stop();
  }
  for (const [k, v] of Object.entries(R)) for (const n of v.notes || []) log(`  note: ${k}: ${n}`);
  const bgEnd = await busyShare();
  const speedEnd = calibrate(HAS_TASKSET ? 1 : null);
  log('token verify:');
  const verify = wanted('verify') ? await verifyBench() : {};
  const t = buildTable(R, verify, P.room);
  const reauth = wanted('reauth') ? await reauthBench(R) : null;
  const elapsed = (Date.now() - started) / 1000;
  log(`\n${plain(t.head, t.rows)}\n\n${plain(t.vhead, t.vrows)}\n`);
  if (R.before && R.portcullis && !R.before.skipped && !R.portcullis.skipped) log(`${abTable(R.before, R.portcullis)}\n`);
  if (paired.length) log(`Paired rounds (median of per-round ratios, every server once a round, the order turning):\n${plain(PAIRED_HEAD, paired)}\n`);
  if (reauth) log(reauth.text);
  for (const s of skipped) log(s);
  log(`done in ${elapsed.toFixed(0)} s`);

  const doc = benchmarksDoc({ QUICK, RUNS, CONNECT_RUNS, P, ctx, R, t, reauth, paired: paired.length ? { head: PAIRED_HEAD, rows: paired } : null, elapsed, bgStart, bgEnd, speed: [speedStart, speedEnd], cpuModel, FD_HARD, HAS_TASKSET });
  if (ONLY) { log(`BENCH_ONLY=${process.env.BENCH_ONLY}: docs/benchmarks.md left as it is`); return; }
  writeBenchmarksDoc(path.join(ROOT, 'docs', 'benchmarks.md'), doc);
  log('wrote docs/benchmarks.md');
}

main().catch((e) => { console.error(e); process.exit(1); });
