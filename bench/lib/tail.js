'use strict';
// BENCH_TAIL=1 (bench/run.js, the fixed-rate scenario): lines the slowest
// connects up with what the server and the load generator were doing while
// they waited. Inputs, all in epoch ms on one clock:
//   connects: [start, 101 after (ms), ready after (ms)] per measured connect (bench/load/client.js)
//   ownGc, ownCpu: the load generator's GC pauses [start, duration, kind] and CPU time [at, µs]
//   server: { gc: [start, duration, kind], gaps: [end, gap], cpu: [at, µs] } (bench/servers/probe.js /trace/*)
// A slow connect is one at or above the run's p99. Each is put down to the
// first of:
//   - a server mark-compact cycle: its wait overlaps the span from the start
//     of incremental marking to the end of the atomic pause (with
//     --single-threaded-gc all of the marking runs on the server's main thread);
//   - a GC pause, the server's (a scavenge) or the load generator's own (any kind;
//     it stamps the start and reads `ready`), whichever covers more of the wait,
//     if that is at least a quarter of it (a 2 ms pause inside an 80 ms wait is
//     not what the connect waited on);
//   - the server busy: at least 80% of a core over the 50 ms before its `ready`;
//   - the load generator busy, the same way (it stamps the start and reads `ready`);
//   - nothing seen.
const { constants } = require('node:perf_hooks');
const { quantile } = require('./stats');

const { NODE_PERFORMANCE_GC_MAJOR: MAJOR, NODE_PERFORMANCE_GC_MINOR: MINOR, NODE_PERFORMANCE_GC_INCREMENTAL: INCREMENTAL } = constants;
const CAUSES = ['server mark-compact cycle', 'server scavenge', 'load generator GC pause', 'server busy', 'load generator busy', 'nothing seen'];

const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;
/** The most of [a0, a1] that any one pause [start, duration] in `pauses` covers (ms). */
const cover = (pauses, a0, a1) => pauses.reduce((m, [t, d]) => Math.max(m, Math.min(a1, t + d) - Math.max(a0, t)), 0);

/** Share of one core used over [a, b], from cumulative CPU samples [at, µs] (NaN without two samples in reach). */
function busy(cpu, a, b) {
  let i = cpu.findIndex(([t]) => t >= a);
  if (i < 0) return NaN;
  if (i > 0) i--;
  let j = cpu.findIndex(([t]) => t >= b);
  if (j < 0) j = cpu.length - 1;
  if (j <= i) return NaN;
  return (cpu[j][1] - cpu[i][1]) / 1000 / (cpu[j][0] - cpu[i][0]);
}

/** Mark-compact cycles as [start of incremental marking (or of the pause), end of the atomic pause]. */
function markCompactCycles(gc) {
  const out = []; let marking = null;
  for (const [t, d, k] of [...gc].sort((x, y) => x[0] - y[0])) {
    if (k === INCREMENTAL && marking == null) marking = t;
    if (k === MAJOR) { out.push([marking != null ? marking : t, t + d]); marking = null; }
  }
  return out;
}

function attribute({ connects, ownCpu = [], ownGc = [], server = { gc: [], gaps: [], cpu: [] } }) {
  const lat = connects.map((c) => c[2]).sort((a, b) => a - b);
  const p99 = quantile(lat, 0.99);
  const slow = connects.filter((c) => c[2] >= p99);
  const cycles = markCompactCycles(server.gc);
  const scavenges = server.gc.filter((g) => g[2] === MINOR);
  const counts = Object.fromEntries(CAUSES.map((c) => [c, 0]));
  for (const [s, , r] of slow) {
    const e = s + r;
    const byServer = cover(scavenges, s, e); const byLoader = cover(ownGc, s, e);
    let cause;
    if (cycles.some(([a, b]) => overlaps(s, e, a, b))) cause = CAUSES[0];
    else if (Math.max(byServer, byLoader) >= (e - s) / 4) cause = byServer >= byLoader ? CAUSES[1] : CAUSES[2];
    else if (busy(server.cpu || [], e - 50, e) >= 0.8) cause = CAUSES[3];
    else if (busy(ownCpu, e - 50, e) >= 0.8) cause = CAUSES[4];
    else cause = CAUSES[5];
    counts[cause]++;
  }
  const t0 = connects.length ? connects[0][0] : 0;
  const t1 = connects.length ? Math.max(...connects.map((c) => c[0] + c[2])) : 0;
  const inCycles = cycles.reduce((a, [x, y]) => a + Math.max(0, Math.min(y, t1) - Math.max(x, t0)), 0);
  const majors = server.gc.filter((g) => g[2] === MAJOR && g[0] >= t0 && g[0] < t1);
  return {
    n: connects.length, p99, slow: slow.length, counts, spanMs: t1 - t0,
    serverBusy: busy(server.cpu || [], t0, t1), loaderBusy: busy(ownCpu, t0, t1),
    markCompacts: majors.length, markCompactPauseMaxMs: Math.max(0, ...majors.map((g) => g[1])), inCyclesMs: inCycles,
    scavenges: scavenges.filter((g) => g[0] >= t0 && g[0] < t1).length,
    ownPauseMaxMs: Math.max(0, ...ownGc.filter((g) => g[0] >= t0 && g[0] < t1).map((g) => g[1])),
  };
}

/** One line per server and run. */
function describe(label, a) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const causes = CAUSES.map((c) => `${c} ${a.counts[c]}`).join(', ');
  return `${label}: ${a.slow} connects at or above p99 (${f(a.p99, 2)} ms): ${causes}. ` +
    `Over ${f(a.spanMs / 1000, 1)} s the server used ${f(a.serverBusy * 100)}% of its core, the load generator ${f(a.loaderBusy * 100)}% of its own; ` +
    `${a.markCompacts} mark-compact(s) (pause max ${f(a.markCompactPauseMaxMs, 1)} ms; ${f(a.inCyclesMs)} ms inside marking cycles), ${a.scavenges} scavenges; ` +
    `the load generator's longest GC pause ${f(a.ownPauseMaxMs, 1)} ms.`;
}

module.exports = { attribute, describe };
