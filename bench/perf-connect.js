#!/usr/bin/env node
'use strict';
// Where a connect's *time* goes on the server's main thread, Portcullis beside
// the baseline: Linux `perf record -e cpu-clock` (a software clock, so it works
// in a VM without hardware counters) samples each server's main thread with its
// call stack, and every sample is put in one bucket:
//   - GC: any frame is V8's collector (scavenges apart from mark-compact);
//   - JWT: any frame is in jsonwebtoken / jws / jwa / fast-jwt;
//   - otherwise the first JavaScript frame from the leaf up: a file of ours, a
//     package, or Node's own JavaScript (`node:`), so native work (a syscall,
//     a builtin, the string table) counts for the JavaScript that called it;
//   - samples with no JavaScript frame: the event loop's own work and waits.
// Prints µs a connect by bucket, and each bucket's share of the server's total,
// largest differences first. callgrind (bench/callgrind-connect.js) counts
// instructions, which machine noise does not enter; this counts time, which
// includes what instructions do not show (cache misses, syscalls, the
// hypervisor), and moves with the machine: compare shares, and servers
// measured in the same rounds (docs/capacity.md §1).
//
//   taskset -c 0 node bench/perf-connect.js
//
// PC_AUTH=header|frame (header), PC_ROUNDS (4) rounds of PC_CONNECTS (6,000,
// 32 in flight) per server, in alternating order, after two unmeasured runs
// each; PC_FREQ (5000) samples a second; PC_TOP (25) rows. BENCH_BEFORE_ROOT=<a
// built checkout> adds that build as `before`. Both servers run with
// --perf-basic-prof, so V8's compiled code is named (/tmp/perf-<pid>.map,
// removed after). Needs `perf` and perf_event_paranoid ≤ 2. Prints figures;
// asserts nothing. About 2 minutes.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const refs = require('./servers/script-server');
const portcullis = require('./servers/portcullis');
const { runLoad } = require('./lib/run-load');
const { sleep } = require('./lib/proc');

const AUTH = process.env.PC_AUTH || 'header';
const ROUNDS = Number(process.env.PC_ROUNDS || 4);
const CONNECTS = Number(process.env.PC_CONNECTS || 6000);
const FREQ = Number(process.env.PC_FREQ || 5000);
const TOP = Number(process.env.PC_TOP || 25);
// PC_LEAVES=<bucket name, a regex>: also print, for each server, that bucket's samples by their leaf frame
// (the function the sample landed in: a syscall's kernel function, a builtin, V8's C++), its PC_TOP costliest.
// PC_LEAVES_DEPTH=n (1): name a sample by its n innermost frames, leaf first, to see who called it;
// PC_LEAVES_DEPTH=js: by its innermost JavaScript function instead (what the bucket's time was spent for).
const LEAVES = process.env.PC_LEAVES ? new RegExp(process.env.PC_LEAVES) : null;
const LEAVES_DEPTH = process.env.PC_LEAVES_DEPTH === 'js' ? 'js' : Number(process.env.PC_LEAVES_DEPTH || 1);
if (!['header', 'frame'].includes(AUTH)) throw new Error(`PC_AUTH is header or frame, not ${AUTH}`);

const GC = /v8::internal::(Scaveng|MarkCompact|Sweeper|IncrementalMarking|MarkingVisitor|ConcurrentMarking|MinorMark|Heap::CollectGarbage|Heap::PerformGarbageCollection)/;
const SCAVENGE = /v8::internal::Scaveng/;
const JWT = /node_modules\/(jsonwebtoken|jws|jwa|fast-jwt)\//;
/** A V8 perf-map name: `JS:<tier mark><name> <file>:<line>:<column>`. */
const JS_FILE = /^JS:\S*.*? (\S+):\d+:\d+$/;

/** The bucket of one sample, from its frames (leaf first). */
function bucket(frames) {
  if (frames.some((f) => GC.test(f))) return frames.some((f) => SCAVENGE.test(f)) ? 'GC: scavenges' : 'GC: marking, mark-compact, sweeping';
  if (frames.some((f) => JWT.test(f))) return 'JWT verification (the library)';
  for (const f of frames) {
    const m = JS_FILE.exec(f);
    if (!m) continue;
    const file = m[1];
    if (file.startsWith('node:')) return 'Node\'s JavaScript (node:*)';
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (nm) return `package ${nm[1]}`;
    // a build's own file, named from its dist/ on, so the same file of two checkouts is one row
    const dist = file.lastIndexOf('/dist/');
    return dist >= 0 ? file.slice(dist + 1) : path.relative(process.cwd(), file);
  }
  return 'no JavaScript frame (event loop, waits)';
}

/** Samples by bucket in one perf.data file (and, for PC_LEAVES's bucket, by leaf frame in `leaves`). */
function attribute(dataFile, into, leaves) {
  const out = execFileSync('perf', ['script', '-i', dataFile, '-F', 'ip,sym', '--no-inline'], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  let n = 0;
  for (const sample of out.split('\n\n')) {
    const frames = sample.split('\n').map((l) => l.trim().replace(/^[0-9a-f]+\s+/, '')).filter(Boolean);
    if (!frames.length) continue;
    n++;
    const k = bucket(frames);
    into.set(k, (into.get(k) || 0) + 1);
    if (LEAVES && LEAVES.test(k)) {
      const leaf = LEAVES_DEPTH === 'js' ? (frames.find((f) => JS_FILE.test(f)) || frames[0]) : frames.slice(0, LEAVES_DEPTH).join(' < ');
      leaves.set(leaf, (leaves.get(leaf) || 0) + 1);
    }
  }
  return n;
}

function perfUsable() {
  const r = spawnSync('perf', ['record', '-e', 'cpu-clock', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore' });
  return r.status === 0;
}

async function main() {
  if (!perfUsable()) { console.log('perf-connect: skipped — `perf record -e cpu-clock` does not run here (install linux-perf; perf_event_paranoid ≤ 2)'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-connect-'));
  const ctx = { secret: crypto.randomBytes(36).toString('base64').slice(0, 48), issuer: 'portcullis', audience: 'portcullis-clients' };
  const adapters = { baseline: refs.baseline, portcullis, ...(process.env.BENCH_BEFORE_ROOT ? { before: portcullis.at(process.env.BENCH_BEFORE_ROOT) } : {}) };
  const extra = process.env.BENCH_SERVER_NODE_ARGS;
  process.env.BENCH_SERVER_NODE_ARGS = `${extra || ''} --perf-basic-prof --interpreted-frames-native-stack`.trim();
  const live = {};
  try {
    for (const [k, a] of Object.entries(adapters)) {
      const ok = a.available();
      if (!ok.ok) { console.log(`${k}: skipped — ${ok.reason}`); continue; }
      live[k] = await a.start(ctx);
    }
    if (!live.baseline || Object.keys(live).length < 2) throw new Error('needs the baseline and a Portcullis build');
    const cfg = (s) => ({ scenario: 'connect', count: CONNECTS, maxMs: 6000, concurrency: 32, auth: AUTH, token: s.token, conversationId: s.conversationId });
    for (const [k, s] of Object.entries(live)) for (let i = 0; i < 2; i++) { const r = await runLoad(s, cfg(s)); if (r.error) throw new Error(`${k} warm-up: ${r.error}`); }
    const per = {}; for (const k of Object.keys(live)) per[k] = { samples: new Map(), leaves: new Map(), total: 0, connects: 0, cpuUs: 0, files: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? Object.keys(live).reverse() : Object.keys(live);
      for (const k of order) {
        const s = live[k]; const file = path.join(dir, `${k}-${round}.data`);
        // -t: the main thread only (V8's helper threads and SQLite's take a few µs a connect: docs/capacity.md §1).
        const rec = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(FREQ), '-g', '-t', String(s.pid), '-o', file], { stdio: 'ignore' });
        await sleep(500);
        const r = await runLoad(s, cfg(s));
        rec.kill('SIGINT');
        await new Promise((resolve) => rec.once('exit', resolve));
        if (r.error || r.errors) throw new Error(`${k} round ${round + 1}: ${r.error || `${r.errors} errors`}`);
        per[k].connects += r.ok; per[k].cpuUs += r.serverCpuUs; per[k].files.push(file);
      }
    }
    // What each map holds once the rounds are over: code V8 makes after that (the shutdown's) may take the place
    // of code the rounds ran, and would name its samples (a profile once showed Nest's module-destroy hooks on the
    // connect path). V8 writes a line as it makes the code, so the map's size now is where the rounds' code ends.
    const roundsEnd = {};
    for (const [k, s] of Object.entries(live)) roundsEnd[k] = mapSize(`/tmp/perf-${s.pid}.map`);
    for (const s of Object.values(live)) await s.stop();
    for (const [k, s] of Object.entries(live)) {
      latestNames(`/tmp/perf-${s.pid}.map`, roundsEnd[k]);
      for (const file of per[k].files) per[k].total += attribute(file, per[k].samples, per[k].leaves);
    }
    report(per);
  } finally {
    for (const s of Object.values(live)) {
      await s.stop();
      fs.rmSync(`/tmp/perf-${s.pid}.map`, { force: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * V8 appends a line to its perf map for each piece of code it makes, and code
 * made later may take the place of code collected earlier; perf names an
 * address by the first line that covers it, which names steady-state code
 * after whatever ran at startup in its place (a bench once showed multer on the
 * connect path). Rewrites the map so the latest line wins where lines overlap:
 * the samples are all taken after the warm-up, from the code that stays. Lines
 * past `upTo` bytes (written after the samples were taken) are dropped.
 */
function latestNames(mapFile, upTo = Infinity) {
  if (!fs.existsSync(mapFile)) return;
  let bytes = fs.readFileSync(mapFile);
  if (upTo < bytes.length) bytes = bytes.subarray(0, bytes.lastIndexOf(0x0a, upTo - 1) + 1);
  const text = bytes.toString('utf8');
  const entries = text.split('\n').filter(Boolean).map((line, i) => {
    const [start, size] = line.split(' ', 2).map((h) => parseInt(h, 16));
    return { start, end: start + size, i, line };
  });
  entries.sort((a, b) => a.start - b.start || b.i - a.i);
  const kept = [];
  for (const e of entries) {
    const last = kept[kept.length - 1];
    if (last && e.start < last.end) {
      if (e.i > last.i) kept[kept.length - 1] = e;
      continue;
    }
    kept.push(e);
  }
  fs.writeFileSync(mapFile, `${kept.map((e) => e.line).join('\n')}\n`);
}

/** Bytes in a perf map so far (0 when there is none). */
function mapSize(mapFile) {
  try { return fs.statSync(mapFile).size; } catch { return 0; }
}

function report(per) {
  const keys = Object.keys(per);
  const us = (k, n) => (n * 1e6) / FREQ / per[k].connects;
  console.log(`perf-connect: ${AUTH} auth, ${ROUNDS} rounds × ${CONNECTS} connects a server, main thread sampled at ${FREQ}/s`);
  for (const k of keys) console.log(`  ${k}: ${us(k, per[k].total).toFixed(1)} µs a connect sampled on the main thread; ${(per[k].cpuUs / per[k].connects).toFixed(1)} µs of process CPU (/proc)`);
  const names = new Set(); for (const k of keys) for (const b of per[k].samples.keys()) names.add(b);
  const val = (k, b) => us(k, per[k].samples.get(b) || 0);
  const share = (k, b) => (100 * (per[k].samples.get(b) || 0)) / per[k].total;
  const rows = [...names].sort((a, b) => Math.abs(val('portcullis', b) - val('baseline', b)) - Math.abs(val('portcullis', a) - val('baseline', a))).slice(0, TOP);
  const w = Math.max(...rows.map((r) => r.length));
  console.log(`\n  ${'µs a connect (share of the server\'s samples)'.padEnd(w)}  ${keys.map((k) => k.padStart(16)).join('')}`);
  for (const b of rows) console.log(`  ${b.padEnd(w)}  ${keys.map((k) => `${val(k, b).toFixed(2)} (${share(k, b).toFixed(1)}%)`.padStart(16)).join('')}`);
  if (!LEAVES) return;
  for (const k of keys) {
    console.log(`\n  ${k}, samples of the buckets matching /${LEAVES.source}/ by leaf frame, µs a connect:`);
    for (const [leaf, n] of [...per[k].leaves].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`  ${us(k, n).toFixed(2).padStart(8)}  ${leaf.slice(0, 150 * (Number(LEAVES_DEPTH) || 1))}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
