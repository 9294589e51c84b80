#!/usr/bin/env node
'use strict';
// Server CPU per unit of work that docs/capacity.md multiplies out and that
// `npm run bench` does not isolate: an idle authenticated socket (heartbeat
// ping/pong included), a token refresh (POST /v1/auth/refresh), a login, and a
// re-auth answered with a token from a refresh. Portcullis only, built, SQLite,
// server on CPU 1, this process on CPU 0 (taskset), small counts: Δ(utime+stime)
// of the server from /proc/<pid>/stat ÷ the count. Prints figures; asserts nothing.
// Run: node bench/unit-costs.js   (after `npm run build`; ~1 minute)
const crypto = require('node:crypto');
const WebSocket = require('ws');
const portcullis = require('./servers/portcullis');
const { cpuUs, httpJson, sleep } = require('./lib/proc');

const SOCKETS = Number(process.env.COSTS_SOCKETS || 2000);
const REFRESHES = Number(process.env.COSTS_REFRESHES || 300);
const frame = (type, payload) => JSON.stringify({ type, id: crypto.randomUUID(), timestamp: new Date().toISOString(), payload });

/** Server CPU µs over `ms` of wall time while `work` runs (or nothing does). */
async function cpuOver(server, work) { const a = cpuUs(server.pid); const t = Date.now(); await work(); return { us: cpuUs(server.pid) - a, ms: Date.now() - t }; }

async function hold(server, n, token) {
  const url = `ws://127.0.0.1:${server.target.port}/ws/conversations/${server.conversationId}`;
  const out = [];
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
      ws.once('message', () => { out.push(ws); resolve(); });
      ws.once('error', reject);
    })));
  }
  return out;
}

async function run() {
  const rows = [];
  // 1. idle sockets, with the heartbeat at 1 s (so its cost shows in 10 s) and with it off
  for (const hb of [0, 1000]) {
    const server = await portcullis.start({ env: { WS_HEARTBEAT_MS: String(hb) } });
    try {
      const socks = await hold(server, SOCKETS, server.token);
      await sleep(2000);
      const idle = await cpuOver(server, () => sleep(10000));
      rows.push([`${SOCKETS} idle sockets, WS_HEARTBEAT_MS=${hb || 'off (0)'}: server CPU`, `${(idle.us / idle.ms / 10).toFixed(2)}% of a core`, idle.us / idle.ms * 1000]);
      socks.forEach((s) => s.terminate());
    } finally { await server.stop(); }
  }
  rows.push(['  → one heartbeat ping/pong', `${((rows[1][2] - rows[0][2]) / SOCKETS).toFixed(1)} µs`]);

  // 2. refresh and login over HTTP (sequential: one in flight, as a client would)
  const server = await portcullis.start({});
  try {
    const email = `costs-${crypto.randomBytes(4).toString('hex')}@example.com`; const password = `Costs-${crypto.randomBytes(10).toString('hex')}`;
    await httpJson('POST', `${server.base}/v1/auth/register`, { email, password });
    let pair = (await httpJson('POST', `${server.base}/v1/auth/login`, { email, password })).json;
    const logins = await cpuOver(server, async () => { for (let i = 0; i < 20; i++) await httpJson('POST', `${server.base}/v1/auth/login`, { email, password }); });
    rows.push(['login (POST /v1/auth/login: argon2 verify, session, audit)', `${(logins.us / 20).toFixed(0)} µs (${(logins.ms / 20).toFixed(1)} ms wall each)`]);
    let failed = 0;
    const refresh = await cpuOver(server, async () => {
      for (let i = 0; i < REFRESHES; i++) {
        const r = await httpJson('POST', `${server.base}/v1/auth/refresh`, { refreshToken: pair.refreshToken });
        if (r.status === 200) pair = r.json; else failed++;
      }
    });
    rows.push([`token refresh (POST /v1/auth/refresh: rotate, audit), ${REFRESHES} in sequence`, `${(refresh.us / REFRESHES).toFixed(0)} µs (${(refresh.ms / REFRESHES).toFixed(1)} ms wall each${failed ? `, ${failed} failed` : ''})`]);
    // 3. re-auth: `auth {token}` on held sockets, 100 at a time, answered auth_ok
    const userToken = pair.accessToken;
    const add = await httpJson('POST', `${server.base}/v1/conversations/${server.conversationId}/members`, { userId: JSON.parse(Buffer.from(userToken.split('.')[1], 'base64url')).sub }, { authorization: `Bearer ${server.token}` });
    if (add.status >= 300) throw new Error(`add member → ${add.status}`);
    const socks = await hold(server, 1000, userToken);
    await sleep(1000);
    let ok = 0;
    socks.forEach((s) => s.on('message', (d) => { if (String(d).includes('"type":"auth_ok"')) ok++; }));
    const re = await cpuOver(server, async () => {
      for (let i = 0; i < socks.length; i += 100) {
        const before = ok; socks.slice(i, i + 100).forEach((s) => s.send(frame('auth', { token: pair.accessToken })));
        for (let j = 0; j < 200 && ok < before + Math.min(100, socks.length - i); j++) await sleep(10);
      }
    });
    rows.push([`re-auth (auth frame → auth_ok), ${socks.length} sockets, 100 at a time`, `${(re.us / socks.length).toFixed(0)} µs (${ok} auth_ok)`]);
    socks.forEach((s) => s.terminate());
  } finally { await server.stop(); }
  return rows;
}

if (require.main === module) {
  run().then((rows) => {
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`server CPU per unit of work (node ${process.version}; load average ${require('node:fs').readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
    process.exit(0);
  }, (e) => { console.error(e); process.exit(1); });
}
module.exports = { run };
