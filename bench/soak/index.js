#!/usr/bin/env node
'use strict';
// `npm run bench:soak`: one Portcullis instance (the built service, production
// settings, SQLite: bench/servers/portcullis.js) holding SOAK_SOCKETS
// authenticated sockets from SOAK_CLIENTS client processes on 127.0.0.2.. for
// SOAK_DURATION_S, with re-auths, churn, heartbeats and a chatty room (see
// bench/soak/README.md). Loopback only; every phase bounded in time; every
// child process ended on exit or error. Prints figures and writes the soak
// section of docs/benchmarks.md; asserts nothing.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { execFileSync } = require('node:child_process');
const portcullis = require('../servers/portcullis');
const { spawnPinned, httpJson, sleep, cpuUs, freePort, HAS_TASKSET } = require('../lib/proc');
const { hist, addEncoded } = require('../lib/stats');
const { writeSoakSection } = require('../lib/benchmarks-doc');
const { makePopulation } = require('./setup');
const { summarize: summarizeRun, render, warmChurnText } = require('./report');
const { anatomy, render: renderAnatomy } = require('./gc-anatomy');
const { calibrate } = require('../lib/calibrate');

const ROOT = path.resolve(__dirname, '..', '..');
const env = (k, d) => (process.env[k] === undefined || process.env[k] === '' ? d : Number(process.env[k]));
const FD_HARD = Number(execFileSync('bash', ['-c', 'ulimit -Hn']).toString().trim()) || 1024;
const S = {
  sockets: env('SOAK_SOCKETS', 19000), clients: env('SOAK_CLIENTS', 4), durationS: env('SOAK_DURATION_S', 720), warmupS: env('SOAK_WARMUP_S', 180),
  windowS: env('SOAK_WINDOW_S', 10), reauthPerS: env('SOAK_REAUTH_PER_S', 30), churnPerS: env('SOAK_CHURN_PER_S', 0.01), room: env('SOAK_ROOM', 1000),
  chatPerS: env('SOAK_CHAT_PER_S', 5), leadMs: env('SOAK_REAUTH_LEAD_MS', 60000), heartbeatMs: env('SOAK_HEARTBEAT_MS', undefined),
};
S.users = env('SOAK_USERS', Math.min(S.room, S.sockets));
// The warm-up churns faster first: by default SOAK_CHURN_PER_S × 4 for its first half, then × 2 for a third
// (180 s: 4%/s for 90 s, then 2%/s for 60 s), then SOAK_CHURN_PER_S for the rest and for the measured span.
// The ramp opens every socket at once, so V8's old space starts densely packed and spreads out only as that
// first cohort closes, which at 1%/s takes ~13 minutes (README, "Warm-up"); a faster churn first turns the
// population over sooner. SOAK_WARMUP_CHURN="rate:seconds,..." sets the steps instead (absolute rates, e.g.
// "0.04:90,0.02:60"); SOAK_WARMUP_CHURN= (empty) churns at SOAK_CHURN_PER_S from the start.
S.warmChurn = process.env.SOAK_WARMUP_CHURN === undefined
  ? [{ rate: 4 * S.churnPerS, seconds: Math.round(S.warmupS / 2) }, { rate: 2 * S.churnPerS, seconds: Math.round(S.warmupS / 3) }].filter((x) => x.rate > 0 && x.seconds > 0)
  : process.env.SOAK_WARMUP_CHURN.split(',').filter(Boolean).map((step) => {
    const [rate, seconds] = step.split(':').map(Number);
    if (!(rate >= 0 && seconds > 0)) throw new Error(`SOAK_WARMUP_CHURN: "${step}" is not rate:seconds`);
    return { rate, seconds };
  });
if (S.warmChurn.reduce((a, x) => a + x.seconds, 0) > S.warmupS) throw new Error('SOAK_WARMUP_CHURN runs past the warm-up');
// Every socket re-auths once per (TTL − lead): this TTL gives SOAK_REAUTH_PER_S across the population.
S.ttlS = Math.round(S.sockets / S.reauthPerS + S.leadMs / 1000);
const log = (...a) => console.log(...a);
// "old 120.3/98.1 ..." : MiB V8 has committed / uses in each space that holds more than 1 MiB.
const spacesText = (sp) => (sp ? `; by space ${Object.entries(sp).filter(([, [c]]) => c > 1048576).map(([n, [c, u]]) => `${n} ${(c / 1048576).toFixed(1)}/${(u / 1048576).toFixed(1)}`).join(', ')}` : '');

const children = []; let server = null; let control = null; let cleaning = null;
async function cleanup() {
  if (!cleaning) {
    cleaning = (async () => {
      for (const c of [...children, ...(control ? [control] : [])]) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      if (server) await server.stop();
    })();
  }
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { log(`\n${sig}: stopping clients and server`); cleanup().finally(() => process.exit(130)); });

/**
 * The control: an idle node process with the same probe, pinned to the server's CPU. Its event-loop delay is
 * what the machine alone does to a process there (other tenants' work, the hypervisor): a server stall that
 * the control shows in the same window is not the service's.
 */
async function startControl() {
  const probePort = await freePort();
  const child = spawnPinned(1, ['-r', path.join(__dirname, '..', 'servers', 'probe.js'), '-e', 'setInterval(() => {}, 1 << 30)'], { env: { BENCH_PROBE_PORT: String(probePort) }, stdio: ['ignore', 'ignore', 'ignore'] });
  for (let i = 0; i < 100; i++) { try { await httpJson('GET', `http://127.0.0.1:${probePort}/eld`); break; } catch { await sleep(100); } }
  return { child, get: async (p) => (await httpJson('GET', `http://127.0.0.1:${probePort}${p}`)).json };
}

/** One client process: line protocol over stdin/stdout (bench/soak/client.js). */
function startClient(i, cfg) {
  const child = spawnPinned(0, [path.join(__dirname, 'client.js')], { cwd: ROOT });
  const waiters = []; let stderr = '';
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const sp = line.indexOf(' '); const tag = sp < 0 ? line : line.slice(0, sp);
    if (tag === 'ERROR') { log(`  client ${i}: ${line}`); return; }
    const w = waiters.findIndex((x) => x.tag === tag);
    if (w >= 0) waiters.splice(w, 1)[0].resolve(sp < 0 ? null : JSON.parse(line.slice(sp + 1)));
  });
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  child.on('exit', (code) => { while (waiters.length) waiters.shift().reject(new Error(`client ${i} exited (${code}): ${stderr.trim().slice(-400)}`)); });
  child.stdin.on('error', () => {});
  const wait = (tag, ms) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`client ${i}: no ${tag} within ${ms} ms`)), ms);
    waiters.push({ tag, resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
  });
  const send = (cmd) => { if (child.exitCode === null) child.stdin.write(`${cmd}\n`); };
  send(JSON.stringify(cfg));
  return { i, child, wait, send };
}
const ask = (cmd, tag, ms = 30000) => Promise.all(children.map((c) => { const p = c.wait(tag, ms); c.send(cmd); return p; }));

function sumStats(list) {
  const out = { closeCodes: {}, errorCodes: {}, firstError: null };
  for (const s of list) {
    for (const [k, v] of Object.entries(s)) if (typeof v === 'number') out[k] = (out[k] || 0) + v;
    for (const f of ['closeCodes', 'errorCodes']) for (const [k, v] of Object.entries(s[f])) out[f][k] = (out[f][k] || 0) + v;
    out.firstError = out.firstError || s.firstError;
  }
  out.hists = list.map((s) => s.hist);
  return out;
}

async function main() {
  const t0 = Date.now();
  const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const per = Math.ceil(S.sockets / S.clients);
  if (S.clients > 250 || per > FD_HARD - 500) throw new Error(`SOAK_SOCKETS/SOAK_CLIENTS = ${per} sockets per client process: at most ${FD_HARD - 500} fit under the fd limit (${FD_HARD}); raise SOAK_CLIENTS`);
  if (S.sockets > FD_HARD - 300) throw new Error(`SOAK_SOCKETS=${S.sockets}: the server holds one fd per socket and may open ${FD_HARD}; at most ${FD_HARD - 300}`);
  if (!portcullis.available().ok) throw new Error(portcullis.available().reason);
  const loadavgStart = loadavg();
  const speedStart = calibrate(HAS_TASKSET ? 1 : null);
  let commit = null; try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim(); } catch {}
  log(`soak: ${S.sockets} sockets from ${S.clients} client processes (127.0.0.2..${2 + S.clients - 1}), ${S.durationS} s (warm-up ${S.warmupS} s), windows of ${S.windowS} s; ` +
    `~${S.reauthPerS} re-auths/s (JWT_ACCESS_TTL=${S.ttlS}s, WS_REAUTH_LEAD_MS=${S.leadMs}), churn ${S.churnPerS * 100}%/s${S.warmChurn.length ? ` (first ${warmChurnText(S)})` : ''}, room of ${S.room} sockets (${S.users} users) at ${S.chatPerS} msg/s, ` +
    `heartbeat ${S.heartbeatMs || 'default (30000)'} ms; load average ${loadavg()}; taskset ${HAS_TASKSET ? 'clients → CPU 0, server → CPU 1' : 'no'}`);

  // SOAK_GC_ANATOMY=1: V8's GC traces and the probe's stall lines into one server log, and at the end what each
  // stall of the measured span was made of (bench/soak/gc-anatomy.js). The traces cost the server a little (V8
  // prints a line for each incremental marking step): a run for diagnosis, not for the figures.
  const anatomyLog = process.env.SOAK_GC_ANATOMY === '1' ? (process.env.BENCH_SERVER_LOG || path.join(os.tmpdir(), `soak-gc-${process.pid}.log`)) : null;
  if (anatomyLog) {
    process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS || ''} --trace-gc-nvp --trace-incremental-marking --trace-evacuation`.trim();
    process.env.BENCH_STALL_LOG_MS = process.env.BENCH_STALL_LOG_MS || '40';
    process.env.BENCH_SERVER_LOG = anatomyLog;
    log(`GC anatomy: V8's traces and stalls of ${process.env.BENCH_STALL_LOG_MS} ms or more into ${anatomyLog}`);
  }
  const extraEnv = { JWT_ACCESS_TTL: String(S.ttlS), WS_REAUTH_LEAD_MS: String(S.leadMs), ...(S.heartbeatMs ? { WS_HEARTBEAT_MS: String(S.heartbeatMs) } : {}) };
  server = await portcullis.start({ env: extraEnv });
  log(`server: pid ${server.pid}, port ${server.target.port}`);
  const probe = async (p) => (await httpJson('GET', `http://127.0.0.1:${server.probePort}${p}`)).json;

  const pop = await makePopulation(server, { users: S.users, log });
  log(`population: ${S.users} users, each with a conversation, all members of the room (${(pop.ms / 1000).toFixed(0)} s)`);
  await sleep(1000);
  const empty = await probe('/mem'); // after two full GCs: the server with its data, no sockets
  control = await startControl();
  await probe('/soak/start'); await control.get('/soak/start');

  // Users are split between clients (a user's refreshes must run in one place: their refresh token rotates);
  // so are the room's sockets, one per user as far as they go.
  const hardDeadline = Date.now() + (S.durationS + 900) * 1000;
  for (let i = 0; i < S.clients; i++) {
    const slots = Math.min(per, S.sockets - i * per);
    if (slots <= 0) break;
    const users = pop.users.filter((_, j) => j % S.clients === i);
    const roomSlots = Math.min(slots, Math.floor(S.room / S.clients) + (i < S.room % S.clients ? 1 : 0));
    children.push(startClient(i, {
      index: i, port: server.target.port, localAddress: `127.0.0.${2 + i}`, users, roomConv: pop.roomId, roomSlots, slots,
      secret: server.jwtSecret, issuer: 'portcullis', audience: 'portcullis-clients', ttlS: S.ttlS, leadMs: S.leadMs,
      reuseMs: Math.min(30000, (S.ttlS * 1000 - S.leadMs) / 10), churnPerSec: S.warmChurn.length ? S.warmChurn[0].rate : S.churnPerS, chatPerSec: S.chatPerS / S.clients,
      concurrency: 25, hardDeadline,
    }));
  }
  const rampT0 = Date.now();
  const ready = await Promise.all(children.map((c) => c.wait('READY', 700000)));
  const ramp = { ms: Date.now() - rampT0, open: ready.reduce((a, r) => a + r.open, 0), failed: ready.reduce((a, r) => a + (r.connectFailed || 0), 0), firstError: ready.map((r) => r.firstError || r.error).find(Boolean) };
  log(`ramp: ${ramp.open}/${S.sockets} sockets in ${(ramp.ms / 1000).toFixed(1)} s (${ramp.failed} failed attempts${ramp.firstError ? `, first: ${ramp.firstError}` : ''}); load average ${loadavg()}`);

  children.forEach((c) => c.send('start'));
  // The warm-up's churn steps (S.warmChurn): each step's end sets the next one's rate, the last's SOAK_CHURN_PER_S.
  const churnTimers = [];
  S.warmChurn.reduce((end, step, i) => {
    const rate = (S.warmChurn[i + 1] || { rate: S.churnPerS }).rate;
    churnTimers.push(setTimeout(() => children.forEach((c) => c.send(`churn ${rate}`)), (end + step.seconds) * 1000));
    return end + step.seconds;
  }, 0);
  const rampServer = await probe('/soak/window'); const rampControl = (await control.get('/soak/window')).eld;
  let prevS = rampServer; let prevC = sumStats(await ask('stats', 'STATS'));
  const windows = []; let marked = null;
  const startAt = Date.now(); const W = Math.ceil(S.durationS / S.windowS);
  for (let w = 1; w <= W; w++) {
    await sleep(Math.max(0, startAt + w * S.windowS * 1000 - Date.now()));
    const sv = await probe('/soak/window'); const ctl = (await control.get('/soak/window')).eld;
    const cs = sumStats(await ask('stats', 'STATS'));
    const h = { delivery: hist(), ack: hist(), reauth: hist() };
    for (const e of cs.hists) for (const k of Object.keys(h)) addEncoded(h[k], e[k]);
    const d = {}; for (const k of Object.keys(cs)) if (typeof cs[k] === 'number') d[k] = cs[k] - (prevC[k] || 0);
    const dt = (sv.at - prevS.at) / 1000;
    const row = { t: (sv.at - startAt) / 1000, dt, warm: !!marked, sockets: cs.open, eld: sv.eld, ctl, gc: sv.gc, rss: sv.rss, heapUsed: sv.heapUsed, heapTotal: sv.heapTotal, external: sv.external, spaces: sv.spaces,
      cpu: ((sv.cpuUserUs + sv.cpuSystemUs) - (prevS.cpuUserUs + prevS.cpuSystemUs)) / 1e6 / dt, loaderCpu: d.cpuUs / 1e6 / dt, d, h };
    windows.push(row);
    const f = (x, n = 1) => (Number.isFinite(x) ? x.toFixed(n) : '—');
    log(`  t=${f(row.t, 0)}s${row.warm ? '' : ' (warm-up)'} sockets ${row.sockets} | loop p50 ${f(sv.eld.p50)} p99 ${f(sv.eld.p99)} max ${f(sv.eld.max)} ms (control p99 ${f(ctl.p99)} max ${f(ctl.max)}; GC pause max ${f(sv.gc && sv.gc.maxMs)}, ${sv.gc ? sv.gc.majors : 0} mark-compacts) | RSS ${f(sv.rss / 1048576)} MiB, heap ${f(sv.heapUsed / 1048576)} MiB (V8 holds ${f(sv.heapTotal / 1048576)}, external ${f(sv.external / 1048576)}${spacesText(sv.spaces)}) | CPU ${f(row.cpu * 100, 0)}% ` +
      `| connects ${d.connects} unexpected ${d.unexpected} | auth_required ${d.reauthRequired} auth_ok ${d.reauthOk} failed ${d.reauthFailed} | chat ${d.chatSent} → ${d.deliveries} deliveries, p99 ${f(h.delivery.totalCount ? h.delivery.getValueAtPercentile(99) / 1000 : NaN)} ms`);
    prevS = sv; prevC = cs;
    if (!marked && row.t >= S.warmupS - 1e-3) { marked = await probe('/soak/mark'); await control.get('/soak/mark'); }
    if (children.some((c) => c.child.exitCode !== null)) { log('a client process ended early: stopping'); break; }
  }
  churnTimers.forEach(clearTimeout);
  const overall = marked ? await probe('/soak/overall') : null;
  const controlOverall = marked ? (await control.get('/soak/overall')).eld : null;
  const stopped = await probe('/soak/stop');
  const finals = sumStats(await ask('stop', 'STATS', 30000));
  await Promise.all(children.map((c) => c.wait('HELD', 30000).catch(() => null)));
  const held = await probe('/mem'); // after two full GCs, the sockets still open (the measurement is over: this GC's pause is not counted)
  children.forEach((c) => c.send('exit'));
  await Promise.all(children.map((c) => new Promise((r) => { if (c.child.exitCode !== null) r(); else { c.child.once('exit', r); setTimeout(() => { c.child.kill('SIGKILL'); r(); }, 15000); } })));
  const serverCpuTotalS = cpuUs(server.pid) / 1e6;
  await cleanup();

  const result = summarizeRun({ S, commit, loadavgStart, ramp, rampServer, rampControl, controlOverall, empty, held, windows, overall, marked, finals, loadavgEnd: loadavg(), speed: [speedStart, calibrate(HAS_TASKSET ? 1 : null)], elapsedS: (Date.now() - t0) / 1000, serverCpuTotalS, taskset: HAS_TASKSET });
  const { text, md } = render(result);
  log(`\n${text}`);
  if (anatomyLog && marked) {
    const gc = anatomy(fs.readFileSync(anatomyLog, 'utf8'), { from: marked.uptimeMs, to: stopped.uptimeMs });
    log(`\nafter warm-up (server log ${anatomyLog}; every stall: node bench/soak/gc-anatomy.js <log> ${marked.uptimeMs.toFixed(0)} ${stopped.uptimeMs.toFixed(0)} --each)\n${renderAnatomy(gc, { minMs: Number(process.env.BENCH_STALL_LOG_MS) })}`);
  }
  if (process.env.SOAK_WRITE_DOCS !== '0') {
    writeSoakSection(path.join(ROOT, 'docs', 'benchmarks.md'), md);
    log('wrote the soak section of docs/benchmarks.md');
  }
}

main().then(() => process.exit(0), async (e) => { console.error(e && e.stack || e); await cleanup(); process.exit(1); });
