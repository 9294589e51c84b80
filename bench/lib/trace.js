'use strict';
// What a process was doing, for BENCH_TAIL=1 (bench/lib/tail.js lines slow connects up with it): from
// start() until stop(), every GC pause as [start, duration, kind], every gap of 2 ms or more between a
// 1 ms timer's runs as [end, gap], and the process's CPU time (µs, all threads) every ~10 ms as [at, µs],
// all in epoch ms on the clock the load generator stamps its connects with. A process busy in many short
// turns shows in the CPU samples, not in the gaps. The 1 ms timer costs a little CPU: a diagnosis, not a
// figure. Used by the load generator (bench/load/client.js) and the servers' probe (bench/servers/probe.js).
const { performance, PerformanceObserver } = require('node:perf_hooks');

function startTrace() {
  const gc = []; const gaps = []; const cpu = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.push([performance.timeOrigin + e.startTime, e.duration, e.detail ? e.detail.kind : e.kind]);
  });
  observer.observe({ entryTypes: ['gc'] });
  let last = performance.now(); let lastCpu = -Infinity;
  const timer = setInterval(() => {
    const t = performance.now();
    if (t - last >= 2) gaps.push([performance.timeOrigin + t, t - last]);
    last = t;
    if (t - lastCpu >= 10) { const c = process.cpuUsage(); cpu.push([performance.timeOrigin + t, c.user + c.system]); lastCpu = t; }
  }, 1);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      observer.disconnect();
      return { gc, gaps, cpu };
    },
  };
}

module.exports = { startTrace };
