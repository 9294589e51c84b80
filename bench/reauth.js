'use strict';
// Re-auth under load (Portcullis only: the baseline and the peer have no
// in-band re-authentication). Holds N authenticated sockets, then 10% of them
// send `auth {token}` with a fresh token within one second. Prints the
// server's event-loop delay (p50/p99/max) in that second beside an idle second,
// the server CPU per re-auth, and how many got `auth_ok`. Asserts nothing.
// Run: node bench/reauth.js [sockets=10000]   (after `npm run build`)
const crypto = require('node:crypto');
const WebSocket = require('ws');
const portcullis = require('./servers/portcullis');
const { cpuUs, httpJson, sleep } = require('./lib/proc');

const DEFAULT_SOCKETS = Number(process.argv[2] || process.env.BENCH_REAUTH_SOCKETS || 10000);
const frame = (type, payload) => JSON.stringify({ type, id: crypto.randomUUID(), timestamp: new Date().toISOString(), payload });

async function run(N = DEFAULT_SOCKETS) {
  const server = await portcullis.start({});
  const probe = `http://127.0.0.1:${server.probePort}`;
  const url = `ws://127.0.0.1:${server.target.port}/ws/conversations/${server.conversationId}`;
  const sockets = [];
  try {
    for (let i = 0; i < N; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, N - i) }, () => new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { headers: { authorization: `Bearer ${server.token}` } });
        ws.once('message', () => { sockets.push(ws); resolve(); });
        ws.once('error', reject);
      })));
    }
    await sleep(1500);
    await httpJson('GET', `${probe}/eld/reset`);
    await sleep(1000);
    const idle = (await httpJson('GET', `${probe}/eld`)).json;

    // A fresh token for the same user (a second session is fine: same user keeps the socket).
    const fresh = server.freshToken ? await server.freshToken() : server.token;
    const chosen = sockets.filter((_, i) => i % 10 === 0);
    let ok = 0; let closed = 0;
    const done = new Promise((resolve) => {
      for (const ws of chosen) {
        ws.on('message', (d) => { if (JSON.parse(d).type === 'auth_ok' && ++ok + closed === chosen.length) resolve(); });
        ws.on('close', () => { if (ok + ++closed === chosen.length) resolve(); });
      }
    });
    await httpJson('GET', `${probe}/eld/reset`);
    const cpu0 = cpuUs(server.pid);
    const t0 = Date.now();
    const perTick = Math.ceil(chosen.length / 100);
    for (let i = 0; i < chosen.length; i += perTick) {
      for (const ws of chosen.slice(i, i + perTick)) ws.send(frame('auth', { token: fresh }));
      await sleep(10);
    }
    await Promise.race([done, sleep(10000)]);
    const elapsed = Date.now() - t0;
    const busy = (await httpJson('GET', `${probe}/eld`)).json;
    const cpuPer = (cpuUs(server.pid) - cpu0) / chosen.length;
    return { sockets: sockets.length, reauths: chosen.length, ok, closed, elapsed, idle, busy, cpuPer };
  } finally {
    sockets.forEach((s) => s.terminate());
    await server.stop();
  }
}

if (require.main === module) {
  run().then((r) => {
    const f = (x) => x.toFixed(2);
    console.log(`re-auth: ${r.reauths} of ${r.sockets} sockets within ~1 s (${r.elapsed} ms to the last answer): ${r.ok} auth_ok, ${r.closed} closed`);
    console.log(`event-loop delay, idle second:   p50 ${f(r.idle.p50)} ms  p99 ${f(r.idle.p99)} ms  max ${f(r.idle.max)} ms`);
    console.log(`event-loop delay, re-auth second: p50 ${f(r.busy.p50)} ms  p99 ${f(r.busy.p99)} ms  max ${f(r.busy.max)} ms`);
    console.log(`server CPU per re-auth: ${f(r.cpuPer)} µs`);
    process.exit(0);
  }, (e) => { console.error(e); process.exit(1); });
}
module.exports = { run };
