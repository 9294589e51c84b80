#!/usr/bin/env node
'use strict';
// What the server's event-loop stalls were made of, from one server log that holds
//  - the probe's stall lines (BENCH_STALL_LOG_MS=<ms>: "[probe] stall <gap> ms ending at <t> ms"),
//  - V8's --trace-gc-nvp lines (one JSON object per GC, with its pause and phases),
//  - V8's --trace-incremental-marking "Start (...)" lines (a major GC's marking begins: on one thread,
//    V8 first finishes sweeping what the last mark-compact left, all at once),
//  - optionally --trace-evacuation (the pages a mark-compact evacuated: young objects copied, young pages
//    promoted whole, old pages compacted). A page promoted whole is the one with page_evacuation=1; on Node 26
//    its line says new_space=0 (no line had both flags set in the traces of docs/capacity.md §2, 2026-12-07).
// V8 stamps its lines in ms since the isolate was made, the probe in performance.now(), ms since the
// process started: a few ms apart, inside the slack below.
// `npm run bench:soak` with SOAK_GC_ANATOMY=1 sets all this up and prints the table for the measured
// span; by hand: node bench/soak/gc-anatomy.js <server log> [from ms] [to ms] [--each].
const fs = require('node:fs');

/** ms of slack on either side of a stall when looking for what happened inside it. */
const SLACK_MS = 5;
const CAUSES = [
  ['mark-compact', 'a mark-compact\'s final pause'],
  ['marking-start', 'a major GC\'s marking starting (the last cycle\'s sweep finished in one go)'],
  ['scavenge', 'scavenges (young generation)'],
  ['other', 'none of these (JavaScript, sweeping on allocation, or the machine)'],
];

/** The events in a server log. */
function parse(text) {
  const stalls = []; const gcs = []; const starts = [];
  let pages = { copied: 0, whole: 0, old: 0 };
  for (const line of text.split('\n')) {
    let m = /\[probe\] stall ([\d.]+) ms ending at ([\d.]+) ms/.exec(line);
    if (m) { stalls.push({ gap: Number(m[1]), end: Number(m[2]) }); continue; }
    m = /evacuation\[[^\]]*\]: page=\S+ new_space=(\d) page_evacuation=(\d) .*live_bytes=(\d+)/.exec(line);
    if (m) { pages[m[2] === '1' ? 'whole' : m[1] === '1' ? 'copied' : 'old'] += Number(m[3]); continue; }
    m = /\]\s+([\d.]+) ms: (GC: \{.*\}|\[IncrementalMarking\] Start \()/.exec(line);
    if (!m) continue;
    const t = Number(m[1]);
    if (m[2].startsWith('[')) { starts.push(t); continue; }
    let e;
    try { e = JSON.parse(m[2].slice(4)); } catch { continue; }
    const gc = { t, kind: e.gc === 'mc' ? 'mark-compact' : e.gc === 's' ? 'scavenge' : e.gc, pause: Number(e.pause) || 0 };
    if (gc.kind === 'mark-compact') {
      gc.copyMs = Number(e['evacuate.copy']) || 0;
      gc.updateMs = Number(e['evacuate.update_pointers']) || 0;
      gc.compactedBytes = pages.old; gc.youngCopiedBytes = pages.copied; gc.youngWholeBytes = pages.whole;
    }
    if (gc.kind === 'mark-compact' || gc.kind === 'scavenge') pages = { copied: 0, whole: 0, old: 0 };
    gcs.push(gc);
  }
  return { stalls, gcs, starts };
}

/** Each stall in [from, to] (the probe's clock) with what lay inside it, and the stalls by cause. */
function anatomy(text, { from = 0, to = Infinity } = {}) {
  const { stalls, gcs, starts } = parse(text);
  const rows = [];
  for (const s of stalls) {
    if (s.end < from || s.end > to) continue;
    const a = s.end - s.gap - SLACK_MS; const b = s.end + SLACK_MS;
    const inGcs = gcs.filter((g) => g.t >= a && g.t - g.pause <= b);
    const mc = inGcs.filter((g) => g.kind === 'mark-compact');
    const scavengeMs = inGcs.filter((g) => g.kind === 'scavenge').reduce((x, g) => x + g.pause, 0);
    const markingStart = starts.some((t) => t >= a && t <= b);
    const cause = mc.length ? 'mark-compact' : markingStart ? 'marking-start' : scavengeMs >= s.gap / 2 ? 'scavenge' : 'other';
    rows.push({ ...s, cause, mc: mc[0] || null, scavengeMs });
  }
  const byCause = CAUSES.map(([key, label]) => {
    const of = rows.filter((r) => r.cause === key);
    return { key, label, count: of.length, maxMs: of.length ? Math.max(...of.map((r) => r.gap)) : NaN, ge100: of.filter((r) => r.gap >= 100).length };
  });
  const mcs = gcs.filter((g) => g.kind === 'mark-compact' && g.t >= from && g.t <= to);
  return { rows, byCause, markCompacts: mcs, markingStarts: starts.filter((t) => t >= from && t <= to).length };
}

const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const mb = (b) => (b / 1048576).toFixed(1);

/** Terminal text: the stalls by cause, the mark-compacts' pauses, and (each) every stall. */
function render(result, { each = false, minMs } = {}) {
  const out = [];
  out.push(`event-loop stalls${minMs ? ` of ${minMs} ms or more` : ''} by what lay inside them:`);
  for (const c of result.byCause) out.push(`  ${String(c.count).padStart(4)}  ${c.label}${c.count ? `: longest ${fmt(c.maxMs)} ms, ${c.ge100} of 100 ms or more` : ''}`);
  const m = result.markCompacts;
  if (m.length) {
    const pauses = m.map((g) => g.pause).sort((x, y) => x - y);
    const traced = m.some((g) => g.compactedBytes || g.youngCopiedBytes || g.youngWholeBytes);
    const avg = (k) => mb(m.reduce((x, g) => x + g[k], 0) / m.length);
    out.push(`  ${m.length} mark-compacts; final pause median ${fmt(pauses[pauses.length >> 1])} ms, longest ${fmt(pauses[pauses.length - 1])} ms; ` +
      `evacuation copy ${fmt(m.reduce((x, g) => x + g.copyMs, 0) / m.length)} ms and pointer update ${fmt(m.reduce((x, g) => x + g.updateMs, 0) / m.length)} ms a pause on average` +
      (traced ? `; evacuated a pause on average: young objects copied ${avg('youngCopiedBytes')} MiB, young pages promoted whole ${avg('youngWholeBytes')} MiB, old pages compacted ${avg('compactedBytes')} MiB` : ''));
  }
  out.push(`  ${result.markingStarts} major-GC markings started`);
  if (each) {
    for (const r of result.rows) {
      const what = r.cause === 'mark-compact'
        ? `mark-compact pause ${fmt(r.mc.pause)} ms (copy ${fmt(r.mc.copyMs)}, pointers ${fmt(r.mc.updateMs)}${r.mc.compactedBytes || r.mc.youngCopiedBytes || r.mc.youngWholeBytes ? `; young copied ${mb(r.mc.youngCopiedBytes)} MiB, promoted whole ${mb(r.mc.youngWholeBytes)} MiB, old compacted ${mb(r.mc.compactedBytes)} MiB` : ''})`
        : r.cause === 'marking-start' ? 'marking started' : r.cause === 'scavenge' ? `scavenges ${fmt(r.scavengeMs)} ms` : `(scavenges ${fmt(r.scavengeMs)} ms)`;
      out.push(`    ${fmt(r.gap).padStart(7)} ms ending at ${fmt(r.end / 1000, 1)} s: ${what}`);
    }
  }
  return out.join('\n');
}

module.exports = { anatomy, render, parse };

if (require.main === module) {
  const args = process.argv.slice(2).filter((a) => a !== '--each');
  if (!args[0]) { console.error('usage: node bench/soak/gc-anatomy.js <server log> [from ms] [to ms] [--each]'); process.exit(2); }
  const result = anatomy(fs.readFileSync(args[0], 'utf8'), { from: Number(args[1] || 0), to: args[2] ? Number(args[2]) : Infinity });
  console.log(render(result, { each: process.argv.includes('--each') }));
}
