'use strict';
// Adapter for the two reference servers (baseline.js, socketio.js): spawn on
// CPU 1 with the memory probe preloaded, wait for `LISTENING <port>`.
const path = require('node:path');
const jwt = require('jsonwebtoken');
const crypto = require('node:crypto');
const { spawnPinned, freePort, logToFile } = require('../lib/proc');

function makeAdapter({ key, label, script, driver }) {
  return {
    key, label,
    available() { return { ok: true }; },
    async start(ctx) {
      const probePort = await freePort();
      // BENCH_SERVER_NODE_ARGS: the same extra node flags as the Portcullis server gets (profiling both sides of a ratio).
      const extra = (process.env.BENCH_SERVER_NODE_ARGS || '').split(' ').filter(Boolean);
      const child = spawnPinned(1, [...extra, '--expose-gc', '-r', path.join(__dirname, 'probe.js'), path.join(__dirname, script)], {
        env: { PORT: '0', BENCH_PROBE_PORT: String(probePort), JWT_SECRET: ctx.secret, JWT_ISSUER: ctx.issuer, JWT_AUDIENCE: ctx.audience, NODE_ENV: 'production' },
      });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      // BENCH_SERVER_LOG=<file>: the server's whole stdout and stderr there too, as for Portcullis (bench/servers/portcullis.js).
      const logWritten = logToFile(child);
      const port = await new Promise((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`${label} did not start: ${stderr}`)), 15000);
        child.stdout.on('data', (d) => { out += d; const m = /LISTENING (\d+)/.exec(out); if (m) { clearTimeout(t); resolve(Number(m[1])); } });
        child.on('exit', (c) => { clearTimeout(t); reject(new Error(`${label} exited ${c}: ${stderr}`)); });
      });
      const sign = (sub) => jwt.sign({ sid: crypto.randomUUID(), role: 'user' }, ctx.secret, { algorithm: 'HS256', subject: sub, issuer: ctx.issuer, audience: ctx.audience, expiresIn: '2h' });
      const sender = sign(crypto.randomUUID());
      return {
        pid: child.pid, child, probePort,
        target: { driver, port, wsPath: '/ws/conversations/:id' },
        token: sign(crypto.randomUUID()), conversationId: 'bench-connect',
        fanout: { conversationId: 'bench-fanout', senderToken: sender, subscriberToken: sign(crypto.randomUUID()) },
        async stop() { child.kill('SIGTERM'); await new Promise((r) => { if (child.exitCode !== null) r(); else { child.once('exit', r); setTimeout(() => { child.kill('SIGKILL'); r(); }, 3000); } }); await logWritten; },
      };
    },
  };
}

module.exports = {
  baseline: makeAdapter({ key: 'baseline', label: 'baseline (ws + fast-jwt)', script: 'baseline.js', driver: 'ws' }),
  socketio: makeAdapter({ key: 'socketio', label: 'peer (Socket.IO 4)', script: 'socketio.js', driver: 'sio' }),
};
