'use strict';
// Load generator: one scenario per process, pinned (by the runner) to CPU 0.
// argv[2] = JSON config; scenarios: connect, rate, hold, fanout, room. Prints
// `MARK start` / `MARK end` around the measured phase (the runner samples the
// server's /proc/<pid>/stat at those marks), and finally `RESULT <json>`.
// Every loop is bounded by counts and a deadline.
const { performance } = require('node:perf_hooks');
const { wsDriver, sioDriver } = require('./drivers');
const { summarize } = require('../lib/stats');
const { startTrace } = require('../lib/trace');

const cfg = JSON.parse(process.argv[2]);
const driver = cfg.target.driver === 'sio' ? sioDriver(cfg.target) : wsDriver(cfg.target);
const now = () => performance.now();
const cpu0 = process.cpuUsage();
let cpuMark = null;
const mark = (what) => {
  if (what === 'start') cpuMark = process.cpuUsage();
  process.stdout.write(`MARK ${what}\n`);
};
const loaderCpuUs = () => { const c = process.cpuUsage(cpuMark || cpu0); return c.user + c.system; };
const deadline = Date.now() + (cfg.deadlineMs || 120000);
const expired = () => Date.now() > deadline;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function done(result) {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  setTimeout(() => process.exit(0), 50);
}

async function openMany(n, conc, token, auth, conversationId) {
  const sockets = []; let next = 0; let errors = 0; let firstError = null;
  async function worker() {
    while (next < n && !expired()) {
      next++;
      try { sockets.push(await driver.connect({ token, conversationId, auth })); }
      catch (e) { errors++; firstError = firstError || String(e.message || e); }
    }
  }
  await Promise.all(Array.from({ length: Math.min(conc, n) }, worker));
  return { sockets, errors, firstError };
}

// Closed loop: `concurrency` workers connect → ready → close, `count` times.
async function connect() {
  const { count, concurrency, auth, token, conversationId, maxMs = Infinity } = cfg;
  // warm-up (not measured)
  await openMany(Math.min(200, count), concurrency, token, auth, conversationId).then((r) => r.sockets.forEach((s) => s.close()));
  await sleep(200);
  let next = 0; let ok = 0; let errors = 0; let firstError = null; const lat = [];
  mark('start');
  const t0 = now();
  async function worker() {
    while (next < count && !expired() && now() - t0 < maxMs) {
      next++;
      const s0 = now();
      try { const s = await driver.connect({ token, conversationId, auth }); lat.push(now() - s0); ok++; s.close(); }
      catch (e) { errors++; firstError = firstError || String(e.message || e); }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = now() - t0;
  const loaderCpu = loaderCpuUs();
  mark('end');
  done({ ok, errors, firstError, elapsedMs, connectsPerSec: ok / (elapsedMs / 1000), latencyMs: summarize(lat), loaderCpuShare: loaderCpu / 1000 / elapsedMs });
}

// Open loop: a new connection every 1/rate s for warmMs + durationMs; latency = new socket → ready,
// of the connects launched after the first warmMs (this process's own code warming up at the rate).
async function rate() {
  const { ratePerSec, durationMs, warmMs = 0, auth, token, conversationId, maxInFlight = 5000, trace = false } = cfg;
  // trace (BENCH_TAIL=1, bench/lib/tail.js): every measured connect as [start (epoch ms), 101 after (ms), ready after (ms)],
  // and what this process itself was doing meanwhile (bench/lib/trace.js), to tell the server's tail from ours.
  const connects = [];
  await openMany(200, 50, token, auth, conversationId).then((r) => r.sockets.forEach((s) => s.close()));
  await sleep(200);
  const warmCount = Math.round(ratePerSec * warmMs / 1000);
  const total = warmCount + Math.max(1, Math.round(ratePerSec * durationMs / 1000));
  const lat = []; let launched = 0; let inFlight = 0; let errors = 0; let skipped = 0; let firstError = null;
  // A late launch or a late read of `ready` is ours, not the server's: this process's GC, loop gaps and CPU time.
  const own = trace ? startTrace() : null;
  mark('start');
  const t0 = now();
  await new Promise((resolve) => {
    let finished = 0;
    const settle = () => { if (++finished === total) resolve(); };
    const tick = () => {
      const due = Math.min(total, Math.floor((now() - t0) * ratePerSec / 1000) + 1);
      while (launched < due) {
        launched++;
        if (inFlight >= maxInFlight) { skipped++; settle(); continue; }
        inFlight++;
        const s0 = now();
        const measured = launched > warmCount;
        const timing = trace ? {} : undefined;
        driver.connect({ token, conversationId, auth, timing }).then(
          (s) => {
            const t = now();
            inFlight--; s.close(); settle();
            if (!measured) return;
            lat.push(t - s0);
            if (trace) connects.push([performance.timeOrigin + s0, (timing.upgrade || t) - s0, t - s0]);
          },
          (e) => { errors++; inFlight--; firstError = firstError || String(e.message || e); settle(); });
      }
      if (launched < total && !expired()) setTimeout(tick, 1);
      else if (expired()) resolve();
    };
    tick();
  });
  const elapsedMs = now() - t0;
  mark('end');
  const mine = own && own.stop();
  done({ ok: lat.length, errors, skipped, firstError, elapsedMs, achievedRate: launched / (elapsedMs / 1000), latencyMs: summarize(lat), loaderCpuShare: loaderCpuUs() / 1000 / elapsedMs, ...(mine ? { connects, ownGc: mine.gc, ownGaps: mine.gaps, ownCpu: mine.cpu } : {}) });
}

// Open `count` authenticated sockets and hold them until stdin says "release".
async function hold() {
  const { count, concurrency, auth, token, conversationId } = cfg;
  const t0 = now();
  const r = await openMany(count, concurrency, token, auth, conversationId);
  process.stdout.write(`HOLDING ${JSON.stringify({ ok: r.sockets.length, errors: r.errors, firstError: r.firstError, elapsedMs: now() - t0 })}\n`);
  const release = () => { r.sockets.forEach((s) => s.terminate()); done({ ok: r.sockets.length, errors: r.errors, firstError: r.firstError }); };
  process.stdin.on('data', (d) => { if (String(d).includes('release')) release(); });
  setTimeout(release, Math.max(1000, deadline - Date.now()));
}

// One sender, `subscribers` receivers in one conversation; `messages` chat frames
// of ~`bytes` content; at most `window` messages not yet delivered to everyone.
async function fanout() {
  const { subscribers, messages, window: win = 4, bytes = 100, senderToken, subscriberToken, conversationId, auth = 'header', maxMs = Infinity } = cfg;
  const subs = await openMany(subscribers, 100, subscriberToken, auth, conversationId);
  if (subs.sockets.length < subscribers) return done({ error: `only ${subs.sockets.length}/${subscribers} subscribers connected: ${subs.firstError}` });
  const sender = await driver.connect({ token: senderToken, conversationId, auth });
  const sentAt = new Float64Array(messages);
  const delivered = new Uint32Array(messages);
  const lat = new Float64Array(messages * subscribers); let nLat = 0;
  let sent = 0; let complete = 0; let acks = 0; let lastDelivery = 0;
  const pad = (i) => { const p = `m:${i}:`; return p + 'x'.repeat(Math.max(1, bytes - p.length)); };
  const warm = 20;
  let finish; let t0 = 0; let stopSending = false;
  const finished = new Promise((r) => { finish = r; });
  const sendNext = () => {
    if (!stopSending && now() - t0 > maxMs) stopSending = true; // time bound: finish what is in flight
    while (!stopSending && sent < messages && sent - complete < win) {
      const i = sent++;
      sentAt[i] = now();
      sender.send('chat_message', { content: pad(i) }, `c-${process.pid}-${i}`);
    }
  };
  for (const s of subs.sockets) {
    s.on('chat_message', (content) => {
      const t = now();
      const i = Number(content.slice(2, content.indexOf(':', 2)));
      if (!(i >= 0 && i < messages)) return;
      if (i >= warm) lat[nLat++] = t - sentAt[i];
      lastDelivery = t;
      if (++delivered[i] === subscribers) { complete++; sendNext(); if (complete === sent && (stopSending || sent === messages)) finish(); }
    });
  }
  sender.on('ack', () => { acks++; });
  await sleep(300);
  mark('start');
  t0 = now();
  sendNext();
  const guard = setInterval(() => { if (expired()) finish(); }, 200);
  await finished;
  clearInterval(guard);
  const elapsedMs = lastDelivery - t0;
  const deliveries = delivered.reduce((a, b) => a + b, 0);
  mark('end');
  const loaderCpuShare = loaderCpuUs() / 1000 / (now() - t0);
  sender.terminate(); subs.sockets.forEach((s) => s.terminate());
  done({ sent, complete, acks, deliveries, elapsedMs, deliveredPerSec: deliveries / (elapsedMs / 1000), latencyMs: summarize(lat.subarray(0, nLat)), loaderCpuShare, timedOut: complete < sent });
}

// N senders × M subscribers in one conversation at a steady rate (bench/load/room.js).
const room = () => require('./room')({ cfg, openMany, mark, done, now, expired, sleep, loaderCpuUs });

({ connect, rate, hold, fanout, room })[cfg.scenario]().catch((e) => { done({ error: String(e && e.stack || e) }); });
