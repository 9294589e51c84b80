#!/usr/bin/env node
'use strict';
// Paired REST rounds: server CPU per keep-alive `GET /v1/conversations/:id` (three SELECTs) and per token refresh
// (POST /v1/auth/refresh, nine statements in one transaction), for one or more built checkouts side by side.
// Each server is started once (bench/servers/portcullis.js: SQLite, LOG_LEVEL=warn, pinned to CPU 1); every round
// runs G reads and R refreshes on each, in alternating order; the figure is the median of the per-round ratios
// against the first checkout, with their range (this machine's speed moves ±30% between consecutive runs).
// Δ(utime+stime) of each server from /proc/<pid>/stat. Prints figures; asserts nothing. Loopback only.
//
//   taskset -c 0 node bench/rest-paired.js /path/to/before /path/to/after     (~1.5 min with the defaults)
//   REST_ROUNDS (default 15), REST_GETS (300), REST_REFRESHES (80) per server per round.
const http = require('node:http');
const path = require('node:path');
const portcullis = require('./servers/portcullis');
const { httpJson, cpuUs } = require('./lib/proc');
const { median } = require('./lib/stats');

const roots = process.argv.slice(2).map((r) => path.resolve(r));
if (!roots.length) roots.push(path.resolve(__dirname, '..'));
const ROUNDS = Number(process.env.REST_ROUNDS || 15);
const G = Number(process.env.REST_GETS || 300);
const R = Number(process.env.REST_REFRESHES || 80);

async function main() {
  const servers = [];
  try {
    for (const root of roots) {
      const s = await portcullis.at(root).start({});
      servers.push(s);
      s.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const login = await httpJson('POST', `${s.base}/v1/auth/login`, { email: s.adminEmail, password: s.adminPassword });
      if (login.status !== 200) throw new Error(`${root}: login → ${login.status}`);
      s.pair = login.json;
    }
    const get = async (s) => {
      for (let i = 0; i < G; i++) {
        const r = await httpJson('GET', `${s.base}/v1/conversations/${s.conversationId}`, undefined, { authorization: `Bearer ${s.token}` }, s.agent);
        if (r.status !== 200) throw new Error(`GET → ${r.status}`);
      }
    };
    const refresh = async (s) => {
      for (let i = 0; i < R; i++) {
        const r = await httpJson('POST', `${s.base}/v1/auth/refresh`, { refreshToken: s.pair.refreshToken }, {}, s.agent);
        if (r.status !== 200) throw new Error(`refresh → ${r.status}`);
        s.pair = r.json;
      }
    };
    for (const s of servers) { await get(s); await refresh(s); } // warm-up
    const kinds = [['REST read (GET /v1/conversations/:id)', get, G], ['token refresh (POST /v1/auth/refresh)', refresh, R]];
    const per = kinds.map(() => servers.map(() => []));
    for (let round = 0; round < ROUNDS; round++) {
      const order = servers.map((_, i) => i);
      if (round % 2) order.reverse();
      for (let k = 0; k < kinds.length; k++) {
        const [, work, n] = kinds[k];
        for (const i of order) { const a = cpuUs(servers[i].pid); await work(servers[i]); per[k][i].push((cpuUs(servers[i].pid) - a) / n); }
      }
    }
    console.log(`${ROUNDS} rounds; ${G} reads and ${R} refreshes per server per round; server CPU µs per request (median), ratio to ${roots[0]} (median of rounds, range)`);
    kinds.forEach(([label], k) => {
      servers.forEach((_, i) => {
        const ratios = per[k][i].map((v, j) => v / per[k][0][j]);
        console.log(`  ${label.padEnd(40)} ${roots[i].padEnd(30)} ${Math.round(median(per[k][i])).toLocaleString('en-US').padStart(7)} µs  ${median(ratios).toFixed(2)}×  (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
      });
    });
  } finally {
    for (const s of servers) await s.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
