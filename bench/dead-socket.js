#!/usr/bin/env node
'use strict';
// What a closed socket reaches, by constructor: the bytes V8 carries through
// scavenges for every closed socket until the next mark-compact, since an old
// closure (Node's WritableState `onwrite`, one per stream) still reaches it
// (docs/capacity.md §1, 2026-12-07). The server keeps every socket that closes
// during DS_CONNECTS connects, with its ws receiver (bench/lib/keep-closed.js);
// a heap snapshot then gives the objects reachable only through what was kept.
//
//   node bench/dead-socket.js                  # Portcullis, header auth, 2,000 connects
//   DS_SERVER=baseline DS_AUTH=frame node bench/dead-socket.js   # or socketio
//
// Figures, not a test: nothing asserts on them.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runLoad } = require('./lib/run-load');
const { sleep } = require('./lib/proc');

const SERVER = process.env.DS_SERVER || 'portcullis';
const AUTH = process.env.DS_AUTH || 'header';
const CONNECTS = Number(process.env.DS_CONNECTS || 2000);
const TOP = Number(process.env.DS_TOP || 20);

/** Bytes and counts of the objects reachable from the roots only through the array at globalThis.__keptClosed. */
function keptOnly(snapshot) {
  const { meta } = snapshot.snapshot;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const [nType, nName, nSize, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
  const nodeTypes = meta.node_types[nType];
  const edgeTypes = meta.edge_types[eType];
  const { nodes, edges, strings } = snapshot;
  const count = nodes.length / NF;
  const first = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) { first[i] = e; e += nodes[i * NF + nEdges] * EF; }
  first[count] = edges.length;
  const weak = edgeTypes.indexOf('weak');
  const property = edgeTypes.indexOf('property');
  let keptArray = -1;
  for (let e = 0; e < edges.length && keptArray < 0; e += EF) {
    if (edges[e + eType] === property && strings[edges[e + eName]] === '__keptClosed') keptArray = edges[e + eTo] / NF;
  }
  if (keptArray < 0) throw new Error('the snapshot has no globalThis.__keptClosed');
  const reach = (skip) => {
    const seen = new Uint8Array(count);
    const stack = [0];
    seen[0] = 1;
    while (stack.length) {
      const i = stack.pop();
      if (i === skip) continue;
      for (let e = first[i]; e < first[i + 1]; e += EF) {
        if (edges[e + eType] === weak) continue;
        const to = edges[e + eTo] / NF;
        if (!seen[to]) { seen[to] = 1; stack.push(to); }
      }
    }
    return seen;
  };
  const all = reach(-1);
  const without = reach(keptArray);
  const byName = new Map();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    if (!all[i] || without[i] || i === keptArray) continue;
    const type = nodeTypes[nodes[i * NF + nType]];
    const label = type === 'object' || type === 'closure' ? `${type} ${strings[nodes[i * NF + nName]] || '(anonymous)'}` : `(${type})`;
    const size = nodes[i * NF + nSize];
    const x = byName.get(label) || { bytes: 0, n: 0 };
    x.bytes += size; x.n++; bytes += size;
    byName.set(label, x);
  }
  return { bytes, byName };
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-dead-'));
  process.env.KEEP_CLOSED_DIR = dir;
  process.env.BENCH_SERVER_NODE_ARGS = `${process.env.BENCH_SERVER_NODE_ARGS || ''} -r ${path.join(__dirname, 'lib', 'keep-closed.js')}`.trim();
  const adapter = SERVER === 'portcullis' ? require('./servers/portcullis') : require('./servers/script-server')[SERVER];
  if (!adapter) throw new Error(`DS_SERVER is portcullis, baseline or socketio, not ${SERVER}`);
  // What bench/run.js gives every server: a secret, issuer and audience for the tokens it signs.
  const ctx = { secret: crypto.randomBytes(36).toString('base64').slice(0, 48), issuer: 'portcullis', audience: 'portcullis-clients' };
  const server = await adapter.start({ ...ctx, env: { LOG_LEVEL: 'warn' } });
  try {
    const cfg = { scenario: 'connect', count: 2000, maxMs: 180000, concurrency: 32, auth: AUTH, token: server.token, conversationId: server.conversationId };
    await runLoad(server, cfg); // warm-up, not kept
    process.kill(server.pid, 'SIGUSR2'); // start keeping
    await sleep(200);
    const r = await runLoad(server, { ...cfg, count: CONNECTS });
    await sleep(1000); // the last closes
    process.kill(server.pid, 'SIGUSR2'); // the snapshot
    const done = path.join(dir, `done-${server.pid}.json`);
    while (!fs.existsSync(done)) await sleep(200);
    const d = JSON.parse(fs.readFileSync(done, 'utf8'));
    await server.stop();
    const { bytes, byName } = keptOnly(JSON.parse(fs.readFileSync(d.file, 'utf8')));
    const per = d.sockets;
    console.log(`dead-socket: ${SERVER}, ${AUTH} auth, ${r.ok} connects; ${d.sockets} closed TCP sockets kept (${d.kept} objects with the ws receivers), node ${process.version}`);
    console.log(`reachable only through them: ${(bytes / per).toFixed(0)} B a closed socket`);
    for (const [label, x] of [...byName].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, TOP)) {
      console.log(`${(x.bytes / per).toFixed(0).padStart(7)} B  ${(x.n / per).toFixed(2).padStart(6)} a socket  ${label}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => { console.error(e); process.exit(1); });
