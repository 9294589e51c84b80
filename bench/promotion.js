#!/usr/bin/env node
'use strict';
// What a connect leaves to the old generation: bytes promoted by scavenges per
// connect, scavenges and mark-compacts, and GC pause per connect, read from the
// server's own `--trace-gc-nvp` over a run of connects after a warm-up (the
// product's start flags, SQLite, as in bench/run.js). With BENCH_BEFORE_ROOT
// (another checkout, built), the two builds take turns, run by run.
//
//   node bench/promotion.js                 # header auth, 3 runs of 8,000 each
//   PROMO_AUTH=frame PROMO_RUNS=5 PROMO_CONNECTS=12000 node bench/promotion.js
//
// A scavenge promotes what it finds alive twice; a closed socket is promoted
// when something in the old generation still reaches it (docs/capacity.md §1,
// 2026-12-07). Figures, not a test: nothing asserts on them.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runLoad } = require('./lib/run-load');
const { sleep } = require('./lib/proc');
const portcullis = require('./servers/portcullis');

const AUTH = process.env.PROMO_AUTH || 'header';
const RUNS = Number(process.env.PROMO_RUNS || 3);
const CONNECTS = Number(process.env.PROMO_CONNECTS || 8000);
const WARMUP = 3000;
const MARK = path.join(__dirname, 'lib', 'gc-mark.js');

/** Sums the scavenges' `promoted=` and every GC's `pause=` between the two MARK lines of a --trace-gc-nvp log. */
function readLog(text) {
  let on = false; let promoted = 0; let scavenges = 0; let compacts = 0; let pauseMs = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('MARK')) { on = !on; continue; }
    const kind = on && /gc=(\w+)/.exec(line);
    if (!kind) continue;
    pauseMs += Number((/ pause=([\d.]+)/.exec(line) || [0, 0])[1]);
    if (kind[1] === 's') { scavenges++; promoted += Number((/ promoted=(\d+)/.exec(line) || [0, 0])[1]); } else compacts++;
  }
  return { promoted, scavenges, compacts, pauseMs };
}

async function oneRun(adapter, label) {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-promo-')), 'server.log');
  process.env.BENCH_SERVER_LOG = log;
  const server = await adapter.start({ env: { LOG_LEVEL: 'warn' } });
  try {
    const cfg = { scenario: 'connect', count: CONNECTS, maxMs: 180000, concurrency: 32, auth: AUTH, token: server.token, conversationId: server.conversationId };
    await runLoad(server, { ...cfg, count: WARMUP });
    process.kill(server.pid, 'SIGUSR2');
    await sleep(300);
    const r = await runLoad(server, cfg);
    process.kill(server.pid, 'SIGUSR2');
    await sleep(500);
    await server.stop();
    await sleep(300); // the log's last writes
    const g = readLog(fs.readFileSync(log, 'utf8'));
    return { label, connects: r.ok, cpuUs: r.serverCpuUs / r.ok, promotedB: g.promoted / r.ok, scavenges: g.scavenges, compacts: g.compacts, pauseUs: (g.pauseMs * 1000) / r.ok };
  } finally {
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  }
}

(async () => {
  process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS || ''} --trace-gc-nvp -r ${MARK}`.trim();
  const builds = [[portcullis, 'this checkout']];
  if (process.env.BENCH_BEFORE_ROOT) builds.push([portcullis.at(process.env.BENCH_BEFORE_ROOT), `before (${process.env.BENCH_BEFORE_ROOT})`]);
  console.log(`promotion: ${AUTH} auth, ${RUNS} runs × ${CONNECTS} connects after ${WARMUP} (node ${process.version})`);
  for (let run = 1; run <= RUNS; run++) {
    for (const [adapter, label] of run % 2 ? builds : [...builds].reverse()) {
      const x = await oneRun(adapter, label);
      console.log(`run ${run}  ${x.label.padEnd(28)} promoted ${x.promotedB.toFixed(0).padStart(5)} B/connect  scavenges ${String(x.scavenges).padStart(3)}  mark-compacts ${x.compacts}  GC pause ${x.pauseUs.toFixed(1).padStart(5)} µs/connect  CPU ${x.cpuUs.toFixed(0)} µs/connect`);
    }
  }
})().catch((e) => { console.error(e); process.exit(1); });
