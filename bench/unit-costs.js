#!/usr/bin/env node
'use strict';
// Server CPU per unit of work, the figures docs/capacity.md multiplies out:
// an idle socket and a heartbeat ping, a header connect, a login (alone, and in a
// burst of 200 with its page faults and RSS: what the allocator keeps), a token
// refresh (POST /v1/auth/refresh), a REST read (GET over keep-alive), a re-auth, an application-level
// ping → pong (the client SDK's liveness check), a chat message (stored, acked,
// delivered to 100 sockets). Δ(utime+stime) of the server from /proc/<pid>/stat,
// less its idle rate over the same time, ÷ the count; small counts, one thing
// at a time. Prints figures; asserts nothing.
//
//   taskset -c 0 node bench/unit-costs.js        SQLite, one instance (~1 min)
//   taskset -c 0 node bench/unit-costs.js --pg   PostgreSQL + Redis, two instances: the same
//     figures with the directory and bus writes included, plus what a chat message costs an
//     instance that only relays it (no member socket there). Uses a fresh database on
//     COSTS_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), dropped afterwards,
//     and its own key prefix on COSTS_REDIS_URL (default redis://127.0.0.1:6379). Loopback only.
const crypto = require('node:crypto');
const http = require('node:http');
const WebSocket = require('ws');
const portcullis = require('./servers/portcullis');
const { cpuUs, minorFaults, rssBytes, httpJson, sleep } = require('./lib/proc');

const PG = process.argv.includes('--pg');
const SOCKETS = Number(process.env.COSTS_SOCKETS || 2000);
const frame = (type, payload, id) => JSON.stringify({ type, id: id || crypto.randomUUID(), timestamp: new Date().toISOString(), payload });
const subOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).sub;
const rows = [];
const row = (what, us, extra = '') => { rows.push([what, `${Math.round(us).toLocaleString('en-US')} µs${extra ? ` (${extra})` : ''}`]); return us; };

/** CPU µs per wall ms of an idle server (its timers, and the probe's 1 ms event-loop sampler: ~2% of a core), over 2 s. */
async function idleRate(server) { const a = cpuUs(server.pid); const t = Date.now(); await sleep(2000); return (cpuUs(server.pid) - a) / (Date.now() - t); }
/** Server CPU µs and wall ms while `work` runs, less what the server burns idle over the same time. */
async function cpuOver(server, work) {
  const rate = await idleRate(server);
  const a = cpuUs(server.pid); const t = Date.now(); await work(); const ms = Date.now() - t;
  return { us: cpuUs(server.pid) - a - rate * ms, ms };
}

function open(server, token, conv, n, conc = 50) {
  const url = `ws://127.0.0.1:${server.target.port}/ws/conversations/${conv}`;
  const out = []; let next = 0;
  const one = () => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.once('message', () => { out.push(ws); resolve(); });
    ws.once('error', reject);
  });
  const worker = async () => { while (next < n) { next++; await one(); } };
  return Promise.all(Array.from({ length: Math.min(conc, n) }, worker)).then(() => out);
}

async function idle(start) {
  const per = {};
  for (const hb of [0, 1000]) {
    const server = await start({ WS_HEARTBEAT_MS: String(hb) });
    try {
      const socks = await open(server, server.token, server.conversationId, SOCKETS);
      await sleep(2000);
      per[hb] = (await idleRate(server)) * 1000; // µs of CPU per second, the sockets held
      per[hb] = (per[hb] + (await idleRate(server)) * 1000) / 2;
      rows.push([`${SOCKETS} idle sockets, WS_HEARTBEAT_MS=${hb || '0 (off)'}`, `${(per[hb] / 1e4).toFixed(2)}% of a core`]);
      socks.forEach((s) => s.terminate());
    } finally { await server.stop(); }
  }
  row('  → one heartbeat ping/pong', (per[1000] - per[0]) / SOCKETS);
}

async function perInstance(server) {
  const N = 1000;
  const c = await cpuOver(server, async () => { (await open(server, server.token, server.conversationId, N, 10)).forEach((s) => s.close()); await sleep(500); });
  row(`header connect → ready (and close), ${N}, 10 at a time`, c.us / N);
  const email = `costs-${crypto.randomBytes(4).toString('hex')}@example.com`; const password = `Costs-${crypto.randomBytes(10).toString('hex')}`;
  await httpJson('POST', `${server.base}/v1/auth/register`, { email, password });
  let pair = null;
  const rssBefore = rssBytes(server.pid);
  const logins = await cpuOver(server, async () => { for (let i = 0; i < 10; i++) pair = (await httpJson('POST', `${server.base}/v1/auth/login`, { email, password })).json; });
  row('login (POST /v1/auth/login), 10 in sequence', logins.us / 10, `${(logins.ms / 10).toFixed(1)} ms wall each`);
  // A burst: argon2 runs on libuv's threads, and what the allocator keeps of its 19 MiB per hash shows in RSS
  // (docs/deployment.md: glibc keeps it and the next hash is fast; BENCH_SERVER_ENV=LD_PRELOAD=... to compare).
  const B = 200; let sent = 0; let refused = 0;
  const faults0 = minorFaults(server.pid);
  const burst = await cpuOver(server, async () => {
    const worker = async () => {
      while (sent < B) { sent++; if ((await httpJson('POST', `${server.base}/v1/auth/login`, { email, password })).status !== 200) refused++; }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
  const mib = (b) => (b / 1048576).toFixed(0);
  row(`login burst, ${B}, 16 at a time`, burst.us / B, `${(burst.ms / 1000).toFixed(1)} s wall; ${refused} not 200; ${Math.round((minorFaults(server.pid) - faults0) / B).toLocaleString('en-US')} minor page faults a login; server RSS ${mib(rssBefore)} MiB before the logins, ${mib(rssBytes(server.pid))} after`);
  // A cheap authenticated REST read over one keep-alive connection: what the HTTP stack costs a request
  // (Express, the guard, validation, logging middleware) with its three indexed SELECTs.
  const G = 2000; let notOk = 0;
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const gets = await cpuOver(server, async () => {
    for (let i = 0; i < G; i++) {
      const r = await httpJson('GET', `${server.base}/v1/conversations/${server.conversationId}`, undefined, { authorization: `Bearer ${server.token}` }, keepAlive);
      if (r.status !== 200) notOk++;
    }
  });
  keepAlive.destroy();
  row(`REST read (GET /v1/conversations/:id), ${G} in sequence, keep-alive`, gets.us / G, `${(gets.ms / G).toFixed(2)} ms wall each${notOk ? `, ${notOk} not 200` : ''}`);
  let failed = 0; const R = 300;
  const refresh = await cpuOver(server, async () => {
    for (let i = 0; i < R; i++) {
      const r = await httpJson('POST', `${server.base}/v1/auth/refresh`, { refreshToken: pair.refreshToken });
      if (r.status === 200) pair = r.json; else failed++;
    }
  });
  row(`token refresh (POST /v1/auth/refresh), ${R} in sequence`, refresh.us / R, `${(refresh.ms / R).toFixed(1)} ms wall each${failed ? `, ${failed} failed` : ''}`);
  // re-auth: `auth {token}` on 1,000 held sockets of that user, 100 at a time, each answered auth_ok
  await httpJson('POST', `${server.base}/v1/conversations/${server.conversationId}/members`, { userId: subOf(pair.accessToken) }, { authorization: `Bearer ${server.token}` });
  const socks = await open(server, pair.accessToken, server.conversationId, 1000);
  await sleep(1000);
  let ok = 0;
  socks.forEach((s) => s.on('message', (d) => { if (String(d).includes('"type":"auth_ok"')) ok++; }));
  const re = await cpuOver(server, async () => {
    for (let i = 0; i < socks.length; i += 100) {
      const before = ok; socks.slice(i, i + 100).forEach((s) => s.send(frame('auth', { token: pair.accessToken })));
      for (let j = 0; j < 300 && ok < before + 100; j++) await sleep(5);
    }
  });
  row(`re-auth (auth frame → auth_ok), ${socks.length} sockets, 100 at a time`, re.us / socks.length, `${ok} auth_ok`);
  // The client SDK's liveness check: an application-level `ping` → `pong` on a quiet socket (one per idleMs each).
  let pongs = 0; const P = 5;
  socks.forEach((s) => s.on('message', (d) => { if (String(d).includes('"type":"pong"')) pongs++; }));
  const pings = await cpuOver(server, async () => {
    for (let round = 0; round < P; round++) {
      for (let i = 0; i < socks.length; i += 100) {
        const before = pongs; socks.slice(i, i + 100).forEach((s) => s.send(frame('ping', {})));
        for (let j = 0; j < 300 && pongs < before + 100; j++) await sleep(2);
      }
    }
  });
  row(`app-level ping → pong, ${socks.length} sockets × ${P}, 100 at a time`, pings.us / (socks.length * P), `${pongs} pongs`);
  socks.forEach((s) => s.terminate());
}

/**
 * One sender and 100 subscribers on `server`; M messages, up to 16 in flight (the server's pipelining depth per
 * socket), so per-message costs are those of a busy server rather than of one woken up for every message.
 * CPU per message on `server` and on `other`.
 */
async function chat(server, other, label) {
  const { conversationId, senderToken, subscriberToken } = server.fanout;
  const subs = await open(server, subscriberToken, conversationId, 100);
  const [sender] = await open(server, senderToken, conversationId, 1);
  let got = 0; subs.forEach((s) => s.on('message', (d) => { if (String(d).includes('"type":"chat_message"')) got++; }));
  let acked = 0; sender.on('message', (d) => { if (String(d).includes('"type":"ack"')) acked++; });
  await sleep(500);
  const M = 1000; const otherRate = other ? await idleRate(other) : 0; let a = 0;
  const c = await cpuOver(server, async () => {
    if (other) a = cpuUs(other.pid);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < 2000 && i - acked >= 16; j++) await sleep(1);
      sender.send(frame('chat_message', { content: `u:${i}:${'x'.repeat(90)}` }));
    }
    for (let j = 0; j < 2000 && (acked < M || got < M * 100); j++) await sleep(1);
  });
  row(`${label}: chat message stored, acked, delivered to 100 sockets; ${M}, 16 in flight`, c.us / M, `${acked} acks, ${got} deliveries`);
  if (other) row('  the same message on an instance with no socket in that conversation (bus receive only)', (cpuUs(other.pid) - a - otherRate * c.ms) / M);
  subs.concat(sender).forEach((s) => s.terminate());
}

async function main() {
  if (!PG) {
    await idle((env) => portcullis.start({ env }));
    const server = await portcullis.start({});
    try { await perInstance(server); await chat(server, null, 'SQLite'); } finally { await server.stop(); }
    return 'SQLite (SQLITE_SYNCHRONOUS=full), one instance';
  }
  const { Client } = require('pg');
  const base = process.env.COSTS_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = `portcullis_costs_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base }); await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(base); url.pathname = `/${db}`;
  const env = { DB_TYPE: 'postgres', DATABASE_URL: url.toString(), REDIS_URL: process.env.COSTS_REDIS_URL || 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `${db}:` };
  const live = [];
  try {
    const a = await portcullis.start({ env }); live.push(a);
    const b = await portcullis.start({ env, adminPassword: a.adminPassword, jwtSecret: a.jwtSecret }); live.push(b);
    await perInstance(a);
    await chat(a, b, 'PostgreSQL + Redis');
    return 'PostgreSQL + Redis, two instances (the second receives every chat message over the bus)';
  } finally {
    for (const s of live) await s.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

main().then((mode) => {
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`server CPU per unit of work: ${mode}; node ${process.version}; load average ${require('node:fs').readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  process.exit(0);
}, (e) => { console.error(e); process.exit(1); });
