'use strict';
// Preloaded into a server by bench/dead-socket.js (`node -r`). After a first
// SIGUSR2, every TCP socket that closes is kept, with its `ws` frame receiver,
// in globalThis.__keptClosed; at the second a heap snapshot is written to
// $KEEP_CLOSED_DIR and `<dir>/done-<pid>.json` says where and how many were kept.
// (Not SIGUSR1: Node starts its inspector on that one.)
// Keeping them is what lets the snapshot say what each closed socket reaches:
// V8 keeps a dead socket reachable from an old closure until a mark-compact.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const v8 = require('node:v8');

const dir = process.env.KEEP_CLOSED_DIR;
const kept = [];
globalThis.__keptClosed = kept;
let on = false;

function keep() {
  // ws's own close listener, added after this one, takes the socket's WebSocket away: read it first.
  const sym = Object.getOwnPropertySymbols(this).find((s) => s.description === 'websocket');
  const receiver = sym && this[sym] && this[sym]._receiver;
  kept.push(this);
  if (receiver) kept.push(receiver);
}

const emit = net.Server.prototype.emit;
net.Server.prototype.emit = function (event, socket, ...rest) {
  if (on && event === 'connection') socket.on('close', keep);
  return emit.call(this, event, socket, ...rest);
};
let signals = 0;
process.on('SIGUSR2', () => {
  on = ++signals === 1;
  if (on) return;
  const file = v8.writeHeapSnapshot(path.join(dir, `closed-${process.pid}.heapsnapshot`));
  const sockets = kept.filter((o) => o instanceof net.Socket).length;
  fs.writeFileSync(path.join(dir, `done-${process.pid}.json`), JSON.stringify({ file, sockets, kept: kept.length }));
});
