'use strict';
// Tables for bench/run.js: plain text for the terminal, Markdown for docs/benchmarks.md.

const fmt = {
  n: (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—'),
};

/** Portcullis now against another build of it (BENCH_BEFORE_ROOT), same run, medians: the A/B a refactor is judged by. */
function abTable(before, after) {
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const rows = [
    ['server CPU µs / connect, header', 'connect_header.cpuUs', 0], ['server CPU µs / connect, first-frame', 'connect_frame.cpuUs', 0],
    ['server CPU µs / chat message (fan-out 1→100)', 'fan100.cpuUsPerMsg', 0], ['server CPU µs / chat message (fan-out 1→1000)', 'fan1000.cpuUsPerMsg', 0],
    ['fan-out 1→100 delivered msg/s', 'fan100.perSec', 0], ['room: server CPU µs / chat message', 'room.cpuUsPerMsg', 0], ['room: delivery p99 ms', 'room.p99', 2], ['RSS KiB / idle socket', 'mem.rss', 2, 1024], ['heap KiB / idle socket', 'mem.heap', 2, 1024],
    ['connect→ready p99 ms', 'rate.p99', 2],
  ].map(([label, p, d, div = 1]) => {
    const b = get(before, p); const a = get(after, p);
    return [label, fmt.n(b / div, d), fmt.n(a / div, d), Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—'];
  });
  return `A/B (before = BENCH_BEFORE_ROOT):\n${plain(['metric', 'before', 'after', 'after / before'], rows)}`;
}

function buildTable(R, verify, room) {
  const pc = R.portcullis; const b = R.baseline; const s = R.socketio;
  const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? undefined : a[k]), o);
  const ratio = (x, y) => (Number.isFinite(x) && Number.isFinite(y) && y !== 0 ? `${(x / y).toFixed(2)}×` : '—');
  const have = pc && !pc.skipped;
  const rows = [];
  const KiB = (x) => fmt.n(x / 1024, 2);
  const ms = (x) => fmt.n(x, 2);
  const status = (ok) => (!have ? 'pending' : ok === undefined || ok === null ? '—' : ok ? 'met' : '**missed**');
  const add = (label, p, f, target, check) => {
    const pv = have ? get(pc, p) : NaN; const bv = get(b, p); const sv = get(s, p);
    rows.push([label, f(pv), ratio(pv, bv), f(bv), f(sv), ratio(sv, bv), target || '', target ? status(check ? check(pv, bv, sv) : null) : '']);
  };
  const rate = get(b, 'rate.rate');
  add('connects/s, header auth', 'connect_header.perSec', fmt.n, '≥ 0.75× base, ≥ 1.5× peer', (p, bb, ss) => p >= 0.75 * bb && p >= 1.5 * ss);
  add('connects/s, first-frame auth', 'connect_frame.perSec', fmt.n, '≥ 0.75× base, ≥ 1.5× peer', (p, bb, ss) => p >= 0.75 * bb && p >= 1.5 * ss);
  // Lower is better: Portcullis against the baseline and against the peer (Socket.IO).
  // Run i of each server is paired (the servers take turns within a run): the per-run ratios show the spread the median hides.
  const byRun = (p) => {
    const [x, y] = [get(pc, p), get(b, p)];
    return have && x && y && x.length === y.length ? ` (by run: ${x.map((v, i) => `${(v / y[i]).toFixed(2)}×`).join(', ')})` : '';
  };
  add(`server CPU µs / connect, header${byRun('connect_header.cpuRuns')}`, 'connect_header.cpuUs', (x) => fmt.n(x, 0), '≤ 1.25× base, ≤ 0.8× peer', (p, bb, ss) => p <= 1.25 * bb && p <= 0.8 * ss);
  add(`server CPU µs / connect, first-frame${byRun('connect_frame.cpuRuns')}`, 'connect_frame.cpuUs', (x) => fmt.n(x, 0), '≤ 1.35× base, ≤ 0.8× peer', (p, bb, ss) => p <= 1.35 * bb && p <= 0.8 * ss);
  add(`connect→ready p50 ms @ ${fmt.n(rate)}/s`, 'rate.p50', ms, '', null);
  // The issue's target is for every run, not the median: run i of each server is paired (the servers take turns within a run).
  const p99s = [get(pc, 'rate.p99s'), get(b, 'rate.p99s')];
  const perRun = have && p99s[0] && p99s[1] && p99s[0].length === p99s[1].length ? p99s[0].map((x, i) => x / p99s[1][i]) : null;
  add(`connect→ready p99 ms @ ${fmt.n(rate)}/s${perRun ? ` (by run: ${perRun.map((r) => `${r.toFixed(2)}×`).join(', ')})` : ''}`, 'rate.p99', ms, '≤ 1.5× base in every run',
    () => (perRun ? perRun.every((r) => r <= 1.5) : null));
  add(`RSS KiB / idle socket (${fmt.n(get(b, 'mem.sockets'))})`, 'mem.rss', KiB, '≤ 2× base and ≤ 12 KiB', (p, bb) => p <= 2 * bb && p <= 12 * 1024);
  add('heap KiB / idle socket', 'mem.heap', KiB, '', null);
  // Fan-out targets: 1→100 p99 ≤ 1.3× and msg/s ≥ 0.8×; 1→1000 msg/s ≥ 0.9× (its p99 keeps the earlier ≤ 1.5×).
  for (const [n, p99, perSec] of [[100, 1.3, 0.8], [1000, 1.5, 0.9]]) {
    add(`fan-out 1→${n} delivery p50 ms`, `fan${n}.p50`, ms, '', null);
    add(`fan-out 1→${n} delivery p99 ms`, `fan${n}.p99`, ms, `≤ ${p99}× base`, (p, bb) => p <= p99 * bb);
    add(`fan-out 1→${n} delivered msg/s`, `fan${n}.perSec`, fmt.n, `≥ ${perSec}× base`, (p, bb) => p >= perSec * bb);
  }
  const rm = `room ${room.senders}×${room.subscribers} @ ${room.ratePerSender}/s per sender`;
  add(`${rm}: ack p99 ms`, 'room.ackP99', ms, '', null);
  add(`${rm}: delivery p50 ms`, 'room.p50', ms, '', null);
  add(`${rm}: delivery p99 ms`, 'room.p99', ms, '', null);
  add(`${rm}: delivered msg/s`, 'room.perSec', fmt.n, '', null);
  add(`${rm}: server CPU µs / message`, 'room.cpuUsPerMsg', fmt.n, '', null);
  const head = ['metric', 'Portcullis', '× base', 'baseline', 'peer (Socket.IO)', '× base', 'target (Portcullis)', 'status'];
  const vrows = [
    ['fast-jwt, product config (TokenService: iss and aud required, 5 s leeway)', fmt.n(verify.product, 2), ratio(verify.product, verify.fastJwt), '≤ 2× fast-jwt', !Number.isFinite(verify.product) ? '—' : verify.product <= 2 * verify.fastJwt ? 'met' : '**missed**'],
    ['fast-jwt verifier (no cache)', fmt.n(verify.fastJwt, 2), '1.00×', '', ''],
    ['jsonwebtoken.verify, KeyObject (the product\'s verifier until 2026-12-06)', fmt.n(verify.jwtKeyObject, 2), ratio(verify.jwtKeyObject, verify.fastJwt), '', ''],
    ['jsonwebtoken.verify, string secret (for reference)', fmt.n(verify.jwtString, 2), ratio(verify.jwtString, verify.fastJwt), '', ''],
  ];
  return { head, rows, vrows, vhead: ['token verify (HS256, alg pinned, iss/aud checked)', 'µs / call', '× fast-jwt', 'target', 'status'] };
}

function md(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
function plain(head, rows) {
  const all = [head, ...rows].map((r) => r.map((c) => String(c).replace(/\*\*/g, '')));
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r, j) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ') + (j === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : '')).join('\n');
}

module.exports = { fmt, md, plain, buildTable, abTable };
