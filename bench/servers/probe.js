'use strict';
// Preloaded (node -r) into every server under test, including Portcullis.
// Opens a tiny side channel on 127.0.0.1:BENCH_PROBE_PORT so the runner can ask
// for memory after a full GC, and read the server's own event-loop delay.
// Needs --expose-gc for /mem. Adds no work to the server's request path.
const http = require('node:http');
const { monitorEventLoopDelay, PerformanceObserver, performance } = require('node:perf_hooks');
const v8 = require('node:v8');
const { startTrace } = require('../lib/trace');
const port = Number(process.env.BENCH_PROBE_PORT || 0);

// Delays in ms. monitorEventLoopDelay records the whole interval between its
// 1 ms timer's runs, so an idle loop reads ~1.1 ms, not 0.
const stats = (h) => ({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, mean: h.mean / 1e6, count: h.count });

if (port) {
  // For the re-auth scenario: /eld/reset starts a window, /eld reads it and ends it. The histogram's 1 ms
  // timer runs only inside a window: left on, it woke every idle server on the servers' shared CPU a thousand
  // times a second, taking CPU time (and, with it, cache) from whichever server was being measured (docs/capacity.md §1).
  const eld = monitorEventLoopDelay({ resolution: 1 });
  // For the soak (bench/soak/): /soak/window closes the current window and
  // starts the next (the runner calls it every 10 s, so server and client
  // windows line up); /soak/mark starts the "overall" histogram (warm-up over).
  // Two histograms because an ELD histogram cannot be added into another.
  let win = null; let all = null;
  // GC pauses per window (PerformanceObserver 'gc' entries: duration is the pause on the main thread), so a
  // stall of the loop can be told from a GC pause in the same window. Kinds from perf_hooks.constants
  // (major = mark-compact 4, minor = scavenge 1, incremental marking 8, weak callbacks 16).
  const { NODE_PERFORMANCE_GC_MAJOR: MAJOR, NODE_PERFORMANCE_GC_MINOR: MINOR } = require('node:perf_hooks').constants;
  const freshGc = () => ({ count: 0, ms: 0, maxMs: 0, majors: 0, majorMaxMs: 0, minorMaxMs: 0 });
  let gc = freshGc();
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = e.detail ? e.detail.kind : e.kind;
      gc.count++; gc.ms += e.duration;
      if (kind === MAJOR) { gc.majors++; if (e.duration > gc.majorMaxMs) gc.majorMaxMs = e.duration; }
      if (kind === MINOR && e.duration > gc.minorMaxMs) gc.minorMaxMs = e.duration;
      if (e.duration > gc.maxMs) gc.maxMs = e.duration;
    }
  });
  const sample = () => {
    const m = process.memoryUsage(); const c = process.cpuUsage();
    // No gc() here: a forced full GC at 19,000 sockets would itself stall the loop being measured.
    // What V8 holds, by space ([committed, used] bytes): which space a rise in heapTotal is in.
    const spaces = {};
    for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, '')] = [s.space_size, s.space_used_size];
    // uptimeMs: performance.now(), the clock of the stall lines below (bench/soak/gc-anatomy.js lines the span up by it).
    return { at: Date.now(), uptimeMs: performance.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, spaces, cpuUserUs: c.user, cpuSystemUs: c.system, gc };
  };
  const json = (res, body) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(body)); };
  // BENCH_TAIL=1 (bench/run.js): /trace/start records, until /trace/stop returns them, the server's GC
  // pauses, loop gaps and CPU time (bench/lib/trace.js).
  let trace = null;
  const traceStart = () => {
    if (trace) trace.stop();
    trace = startTrace();
  };
  const traceStop = () => {
    const out = trace ? trace.stop() : { gc: [], gaps: [], cpu: [] };
    trace = null;
    // clock: one instant as [epoch ms, process.hrtime ms], to place a --cpu-prof profile's samples (hrtime µs) on the same time line.
    return { ...out, clock: [performance.timeOrigin + performance.now(), Number(process.hrtime.bigint()) / 1e6] };
  };
  const srv = http.createServer((req, res) => {
    if (req.url === '/trace/start') { traceStart(); return json(res, {}); }
    if (req.url === '/trace/stop') return json(res, traceStop());
    if (req.url === '/eld/reset') { eld.reset(); eld.enable(); res.end('{}'); return; }
    if (req.url === '/eld') { eld.disable(); return json(res, stats(eld)); }
    if (req.url === '/soak/start') {
      win = win || monitorEventLoopDelay({ resolution: 1 }); all = all || monitorEventLoopDelay({ resolution: 1 });
      win.enable(); all.enable(); win.reset(); all.reset();
      gcObserver.observe({ entryTypes: ['gc'] });
      return json(res, sample());
    }
    if (req.url === '/soak/window' && win) { const out = { ...sample(), eld: stats(win) }; win.reset(); gc = freshGc(); return json(res, out); }
    if (req.url === '/soak/mark' && all) { all.reset(); return json(res, sample()); }
    if (req.url === '/soak/overall' && all) return json(res, { ...sample(), eld: stats(all) });
    if (req.url === '/soak/stop' && win) { win.disable(); all.disable(); gcObserver.disconnect(); return json(res, sample()); }
    if (req.url === '/mem') {
      if (typeof global.gc === 'function') { global.gc(); global.gc(); }
      const m = process.memoryUsage();
      return json(res, { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, gc: typeof global.gc === 'function' });
    }
    res.statusCode = 404; res.end();
  });
  // BENCH_STALL_LOG_MS=<ms> (diagnosis only): print each gap of at least that many ms between a 5 ms
  // timer's runs, with when it ended (performance.now(), ms since the process started), to line stalls
  // up with --trace-gc or a --cpu-prof profile of the same run.
  const stallMs = Number(process.env.BENCH_STALL_LOG_MS || 0);
  if (stallMs > 0) {
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      if (now - last >= stallMs) process.stderr.write(`[probe] stall ${(now - last).toFixed(1)} ms ending at ${now.toFixed(1)} ms\n`);
      last = now;
    }, 5).unref();
  }
  srv.listen(port, '127.0.0.1');
  srv.unref();
}
