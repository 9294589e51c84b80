'use strict';
// Figures and targets of a soak run (bench/soak/index.js), as terminal text and
// as the Markdown soak section of docs/benchmarks.md.
const os = require('node:os');
const { hist, histSummary } = require('../lib/stats');
const { md, plain } = require('../lib/report');

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const KiB = 1024; const MiB = 1048576;
const EARLY_WARMUP_S = 60;
/** V8's held heap counts as settled from the first window after which it never grows more than this above that window's. */
const SETTLE_BYTES = 2 * 1048576;
/** The settled span must hold at least this many windows for its trend to be printed. */
const SETTLED_MIN_WINDOWS = 6;
const f = (x, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—');

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const mx = mean(xs); const my = mean(ys);
  let num = 0; let den = 0;
  for (let i = 0; i < xs.length; i++) { num += (xs[i] - mx) * (ys[i] - my); den += (xs[i] - mx) ** 2; }
  return den ? num / den : NaN;
}

/** Least-squares fit of RSS (or another of the windows' byte counts) over their times: its slope (bytes/s) and the rise it gives over their span. */
function rssFit(ws, key = 'rss') {
  if (ws.length < 2) return { slope: NaN, rise: NaN };
  const s = slope(ws.map((w) => w.t), ws.map((w) => w[key]));
  return { slope: s, rise: s * (ws[ws.length - 1].t - ws[0].t) };
}

/**
 * Where V8's held heap (heapTotal) stops growing: the index of the first
 * window after which it never rises more than SETTLE_BYTES above that
 * window's value. A slow, steady growth moves this to the end; a heap that
 * still grows at the end has no settled span.
 */
function settledIndex(ws) {
  let laterMax = -Infinity;
  let at = ws.length;
  for (let i = ws.length - 1; i >= 0; i--) {
    laterMax = Math.max(laterMax, ws[i].heapTotal);
    if (laterMax - ws[i].heapTotal <= SETTLE_BYTES) at = i;
    else break;
  }
  return at;
}

function summarize(r) {
  const { S, windows, finals, empty, held, overall } = r;
  const post = windows.filter((w) => w.warm);
  const rssMean = mean(post.map((w) => w.rss)); const socketsMean = mean(post.map((w) => w.sockets));
  const socketRss = rssMean - empty.rss;
  const { slope: rssSlope, rise } = rssFit(post); // bytes/s; bytes over the span
  // The same fit over each half after warm-up: RSS that settles early (V8's old space growing to a steady size)
  // rises in the first half only; a leak rises in both.
  const halves = [post.slice(0, Math.floor(post.length / 2)), post.slice(Math.floor(post.length / 2))].map((ws) => rssFit(ws).rise);
  // What V8 holds (heapTotal) over the same span: the part of the RSS trend that is the JavaScript heap's.
  const heldRise = rssFit(post, 'heapTotal').rise;
  // The trend once V8's heap has stopped growing (informational, beside the target's): what rises after that is not V8 settling.
  const settledAt = settledIndex(post);
  const settled = post.slice(settledAt);
  const settledRise = settled.length >= SETTLED_MIN_WINDOWS ? rssFit(settled).rise : NaN;
  // The trend as runs before 2026-12-05 read it, with a 60 s warm-up (V8's old space still settling then: bench/soak/README.md).
  const early = windows.filter((w) => w.t > EARLY_WARMUP_S);
  const earlyRise = S.warmupS > EARLY_WARMUP_S ? rssFit(early).rise : NaN;
  const lat = { delivery: hist(), ack: hist(), reauth: hist() };
  for (const w of post) for (const k of Object.keys(lat)) lat[k].add(w.h[k]);
  const sum = (k) => post.reduce((a, w) => a + (w.d[k] || 0), 0);
  const postS = post.reduce((a, w) => a + w.dt, 0);
  const answered = finals.reauthOk + finals.reauthAbandoned + finals.pending;
  const eld = overall ? overall.eld : { p50: NaN, p99: NaN, max: NaN };
  const ctl = r.controlOverall || { p50: NaN, p99: NaN, max: NaN };
  const worst = windows.reduce((a, w) => (w.eld.max > a.eld.max ? w : a), windows[0] || { eld: { max: NaN }, t: NaN });
  const fig = {
    socketsMean, rssMean, socketRss, perSocket: socketRss / socketsMean, heldPerSocket: (held.rss - empty.rss) / finals.open, heldOpen: finals.open,
    rssSlopeKiBPerMin: (rssSlope * 60) / KiB, riseMiB: rise / MiB, riseShare: rise / socketRss, halvesMiB: halves.map((h) => h / MiB),
    heldRiseMiB: heldRise / MiB, settledFromS: settled.length ? settled[0].t : NaN, settledWindows: settled.length, settledRiseMiB: settledRise / MiB, settledRiseShare: settledRise / socketRss,
    earlyRiseMiB: earlyRise / MiB, earlyRiseShare: earlyRise / socketRss,
    cpu: mean(post.map((w) => w.cpu)), loaderCpu: mean(post.map((w) => w.loaderCpu)), eld, worst,
    windowsOver: post.filter((w) => w.eld.p99 >= 50 || w.eld.max >= 100).length, postWindows: post.length,
    // A stall of the server's own: the server's loop stopped ≥ 100 ms in a window where the idle control on the same CPU did not pass 50 ms.
    ownStalls: windows.filter((w) => w.eld.max >= 100 && w.ctl.max < 50).length,
    perSec: { connects: sum('connects') / postS, reauthOk: sum('reauthOk') / postS, refresh: sum('refreshOk') / postS, chat: sum('chatSent') / postS, deliveries: sum('deliveries') / postS },
    lat: { delivery: histSummary(lat.delivery), ack: histSummary(lat.ack), reauth: histSummary(lat.reauth) },
    unanswered: finals.reauthRequired - answered - finals.reauthFailed,
  };
  const ok = (b) => (Number.isFinite(b) || typeof b === 'boolean' ? (b ? 'met' : '**missed**') : '—');
  fig.targets = [
    ['event-loop delay p99 after warm-up', `${f(eld.p99, 2)} ms (idle control on the same CPU: ${f(ctl.p99, 2)} ms)`, '< 50 ms', ok(eld.p99 < 50)],
    ['event-loop delay max after warm-up', `${f(eld.max, 2)} ms (idle control on the same CPU: ${f(ctl.max, 2)} ms)`, '< 100 ms', ok(eld.max < 100)],
    ['unexpected closes (whole run, ramp included)', `${finals.unexpected}${Object.keys(finals.closeCodes).length ? ` (codes ${JSON.stringify(finals.closeCodes)})` : ''}`, '0', ok(finals.unexpected === 0)],
    ['auth_required → auth_ok', `${finals.reauthRequired} → ${finals.reauthOk} (${finals.reauthFailed} failed, ${fig.unanswered} unanswered, ${finals.reauthAbandoned} cut short by a churn close, ${finals.pending} in flight at the end)`, 'every one answered auth_ok', ok(finals.reauthFailed === 0 && fig.unanswered === 0)],
    ['RSS per socket (mean RSS after warm-up − empty server, ÷ sockets)', `${f(fig.perSocket / KiB, 2)} KiB`, '≤ 8 KiB', ok(fig.perSocket <= 8 * KiB)],
    ['RSS trend after warm-up (least-squares slope; fitted rise over the span)', `${f(fig.rssSlopeKiBPerMin, 0)} KiB/min; ${f(fig.riseMiB, 1)} MiB = ${f(fig.riseShare * 100, 1)}% of the sockets' RSS`, 'no upward trend: rise ≤ 5%', ok(fig.riseShare <= 0.05)],
  ];
  return { ...r, fig, post };
}

function render(R) {
  const { S, fig, finals, ramp, windows, empty, held } = R;
  const full = S.sockets >= 19000 && S.durationS >= 540;
  const lat = (x) => `p50 ${f(x.p50, 2)} / p99 ${f(x.p99, 2)} / max ${f(x.max, 2)} ms (n ${f(x.n, 0)})`;
  const figures = [
    ['sockets held (mean after warm-up)', f(fig.socketsMean, 0)],
    ['ramp', `${ramp.open} sockets in ${f(ramp.ms / 1000)} s (${f(ramp.open / (ramp.ms / 1000), 0)}/s; ${ramp.failed} failed attempts)`],
    ['event-loop delay after warm-up, p50 / p99 / max', `${f(fig.eld.p50, 2)} / ${f(fig.eld.p99, 2)} / ${f(fig.eld.max, 2)} ms (${fig.windowsOver} of ${fig.postWindows} windows over 50 / 100 ms)`],
    ['worst window (max delay)', `${f(fig.worst.eld.max, 2)} ms at t=${f(fig.worst.t, 0)} s${fig.worst.warm ? '' : ' (warm-up)'} (control in that window: ${f(fig.worst.ctl && fig.worst.ctl.max, 2)} ms)`],
    ['windows where the server stalled ≥ 100 ms and the idle control stayed < 50 ms', `${fig.ownStalls} of ${windows.length}`],
    ['event-loop delay during the ramp, p99 / max (control)', `${f(R.rampServer.eld.p99, 2)} / ${f(R.rampServer.eld.max, 2)} ms (${f(R.rampControl.p99, 2)} / ${f(R.rampControl.max, 2)} ms)`],
    ['server CPU after warm-up (one core = 100%)', `${f(fig.cpu * 100, 1)}%`],
    ['client processes\' CPU (all on CPU 0)', `${f(fig.loaderCpu * 100, 1)}%`],
    ['RSS: empty server (after GC) / mean after warm-up', `${f(empty.rss / MiB)} / ${f(fig.rssMean / MiB)} MiB`],
    ['RSS trend after warm-up, fitted rise in its first half / second half', `${f(fig.halvesMiB[0], 1)} / ${f(fig.halvesMiB[1], 1)} MiB (settling rises in the first half only; a leak in both)`],
    ['V8 heap held (heapTotal) after warm-up, fitted rise over the same span', `${f(fig.heldRiseMiB, 1)} MiB`],
    ['RSS trend once V8\'s held heap stopped growing (from the first window after which heapTotal never rose 2 MiB above it), fitted rise', Number.isFinite(fig.settledRiseMiB)
      ? `${f(fig.settledRiseMiB, 1)} MiB = ${f(fig.settledRiseShare * 100, 1)}% of the sockets' RSS, from t=${f(fig.settledFromS, 0)} s (${fig.settledWindows} windows)`
      : `— (V8's heap was still growing ${fig.settledWindows ? `at t=${f(fig.settledFromS, 0)} s, ${fig.settledWindows} windows before the end` : 'at the end'})`],
    ...(Number.isFinite(fig.earlyRiseMiB) ? [[`RSS trend counted from t=${EARLY_WARMUP_S} s (the warm-up of runs before 2026-12-05), fitted rise`, `${f(fig.earlyRiseMiB, 1)} MiB = ${f(fig.earlyRiseShare * 100, 1)}% of the sockets' RSS`]] : []),
    ['RSS per socket after a full GC, sockets still open', `${f(fig.heldPerSocket / KiB, 2)} KiB (${fig.heldOpen} sockets; heap ${f((held.heapUsed - empty.heapUsed) / fig.heldOpen / KiB, 2)} KiB)`],
    ['connects/s (churn reopens) after warm-up', f(fig.perSec.connects, 1)],
    ['re-auths (auth_ok)/s; token refreshes/s', `${f(fig.perSec.reauthOk, 1)}; ${f(fig.perSec.refresh, 1)}`],
    ['re-auth round trip (auth_required → auth_ok, incl. any refresh)', lat(fig.lat.reauth)],
    ['chat: messages/s → deliveries/s', `${f(fig.perSec.chat, 1)} → ${f(fig.perSec.deliveries, 0)}`],
    ['chat ack latency (send → ack: stored)', lat(fig.lat.ack)],
    ['chat delivery latency (send → each room socket)', lat(fig.lat.delivery)],
    ['chat totals (whole run): sent / acked / deliveries', `${finals.chatSent} / ${finals.acks} / ${finals.deliveries}`],
    ['seq gaps / out of order on a connected socket', `${finals.seqGaps} / ${finals.seqDisorder}`],
    ['closes asked for by the clients / error frames', `${finals.closesRequested} / ${finals.errorFrames}${finals.errorFrames ? ` ${JSON.stringify(finals.errorCodes)}` : ''}`],
    ['token refreshes ok / failed', `${finals.refreshOk} / ${finals.refreshFailed}${finals.firstError ? ` (first client error: ${finals.firstError})` : ''}`],
  ];
  const wHead = ['t (s)', 'sockets', 'loop p50', 'p99', 'max (ms)', 'control p99 / max', 'GC pause max ms, scavenge / mark-compact (mark-compacts)', 'RSS MiB', 'heap MiB (V8 holds)', 'CPU %', 'connects', 'unexpected', 'auth_required', 'auth_ok', 'deliveries', 'delivery p99 ms'];
  const wRows = windows.map((w) => [`${f(w.t, 0)}${w.warm ? '' : ' (warm-up)'}`, w.sockets, f(w.eld.p50, 2), f(w.eld.p99, 2), f(w.eld.max, 2), `${f(w.ctl.p99, 1)} / ${f(w.ctl.max, 1)}`, w.gc ? `${f(w.gc.minorMaxMs, 1)} / ${w.gc.majors ? f(w.gc.majorMaxMs, 1) : '—'} (${w.gc.majors})` : '—', f(w.rss / MiB), `${f(w.heapUsed / MiB)} (${f(w.heapTotal / MiB)})`, f(w.cpu * 100, 0),
    w.d.connects, w.d.unexpected, w.d.reauthRequired, w.d.reauthOk, w.d.deliveries, f(w.h.delivery.totalCount ? w.h.delivery.getValueAtPercentile(99) / 1000 : NaN, 1)]);
  const tHead = ['target', 'measured', 'target', 'status'];
  const setEnv = Object.keys(process.env).filter((k) => k.startsWith('SOAK_')).sort().map((k) => `${k}=${process.env[k]}`).join(' ');
  const scale = full ? 'full scale' : `**reduced scale (${S.sockets} sockets, ${S.durationS} s): not the 19,000-socket run; the full run is \`npm run bench:soak\` with no SOAK_ settings**`;
  const text = `${plain(tHead, fig.targets)}\n\n${plain(['figure', 'value'], figures)}\n\nper ${S.windowS} s window:\n${plain(wHead, wRows)}`;
  const mdText = `## Soak: ${S.sockets.toLocaleString('en-US')} sockets on one instance (\`npm run bench:soak\`)

Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC against the build of commit ${R.commit || '?'}, ${scale}; \`${setEnv ? `${setEnv} ` : ''}npm run bench:soak\` (bench/soak/), ${f(R.elapsedS / 60)} min wall time. ${os.cpus().length} CPUs, node ${process.version}; ${R.taskset ? 'client processes pinned to CPU 0, the server to CPU 1' : 'no pinning'}. Load average (1, 5, 15 min; this run's own work and other tenants') at the start: ${R.loadavgStart}; at the end: ${R.loadavgEnd}. Machine speed (bench/lib/calibrate.js: a fixed piece of work on the server's CPU, best of 3; lower is faster; compare runs by it): ${R.speed ? `${f(R.speed[0], 0)} ms before, ${f(R.speed[1], 0)} ms after` : '—'}.

Load: ${S.sockets.toLocaleString('en-US')} header-authenticated sockets on /ws/conversations/:id from ${S.clients} client processes on 127.0.0.2–127.0.0.${S.clients + 1}; ${S.users} users, each with a conversation of their own, all members of one room; ${S.room} of the sockets in the room, which gets ${S.chatPerS} chat messages a second from its own sockets; JWT_ACCESS_TTL=${S.ttlS}s and WS_REAUTH_LEAD_MS=${S.leadMs} for ~${S.reauthPerS} re-auths a second; ${f(S.churnPerS * 100, 1)}% of the sockets closed by their client and reopened each second${S.warmChurn && S.warmChurn.length ? ` (in the warm-up, first ${warmChurnText(S)}, to turn the ramp's sockets over sooner)` : ''}; heartbeat ${S.heartbeatMs ? `WS_HEARTBEAT_MS=${S.heartbeatMs}` : 'default (30 s)'}; ${S.durationS} s after the ramp, the first ${S.warmupS} s of it warm-up.

${md(tHead, fig.targets)}

${md(['figure', 'value'], figures)}

Per ${S.windowS} s window (event-loop delay from the server's own \`monitorEventLoopDelay\`, 1 ms resolution, so an idle loop reads ~1.1 ms; "control" is the same probe in an idle node process pinned to the server's CPU: what the machine alone does to a process there; RSS without a forced GC; CPU of the server process, one core = 100%; the counts are the clients'):

${md(wHead, wRows)}

How it is measured: bench/soak/README.md.`;
  return { text, md: mdText };
}

/** The warm-up's churn schedule in words: "4%/s for 90 s, then 2%/s for 60 s". */
function warmChurnText(S) {
  return S.warmChurn.map((x) => `${+(x.rate * 100).toFixed(2)}%/s for ${x.seconds} s`).join(', then ');
}

module.exports = { summarize, render, warmChurnText };
