'use strict';
// Client drivers. Every driver: connect({token, conversationId, auth}) resolves
// once the server's `ready` arrives, with {send(type,payload,id), close(), on(ev,cb)}.
// ws driver: the Portcullis frame protocol (CONTRACT §3), spoken by baseline and Portcullis.
// sio driver: Socket.IO 4 client, websocket transport only.
const crypto = require('node:crypto');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');

function frame(type, payload, id) {
  return JSON.stringify({ type, id: id || crypto.randomUUID(), timestamp: new Date().toISOString(), payload });
}

function wsDriver(target) {
  return {
    // timing (optional): gets `upgrade`, performance.now() when the 101 arrived (BENCH_TAIL=1, bench/lib/tail.js).
    connect({ token, conversationId, auth, timeoutMs = 10000, timing }) {
      return new Promise((resolve, reject) => {
        const url = `ws://127.0.0.1:${target.port}${target.wsPath.replace(':id', encodeURIComponent(conversationId))}`;
        const opts = { perMessageDeflate: false, handshakeTimeout: timeoutMs };
        if (auth === 'header') opts.headers = { Authorization: `Bearer ${token}` };
        const ws = new WebSocket(url, opts);
        let ready = false;
        const listeners = { chat_message: null, ack: null, close: null };
        const timer = setTimeout(() => { if (!ready) { ws.terminate(); reject(new Error('ready timeout')); } }, timeoutMs);
        const api = {
          send(type, payload, id) { ws.send(frame(type, payload, id)); },
          close() { try { ws.close(1000); } catch { ws.terminate(); } },
          terminate() { ws.terminate(); },
          on(ev, cb) { listeners[ev] = cb; },
          get bufferedAmount() { return ws.bufferedAmount; },
        };
        if (timing) ws.once('upgrade', () => { timing.upgrade = performance.now(); });
        ws.on('open', () => { if (auth !== 'header') ws.send(frame('auth', { token })); });
        ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          const s = data.toString();
          if (!ready) {
            let m; try { m = JSON.parse(s); } catch { return; }
            if (m.type === 'ready') { ready = true; clearTimeout(timer); resolve(api); }
            else if (m.type === 'error') { clearTimeout(timer); ws.terminate(); reject(new Error(`error frame ${JSON.stringify(m.payload)}`)); }
            return;
          }
          // Cheap dispatch: the load generator must not be the bottleneck in fan-out.
          if (listeners.chat_message && s.includes('"type":"chat_message"')) {
            const i = s.indexOf('"content":"');
            if (i >= 0) listeners.chat_message(s.slice(i + 11, s.indexOf('"', i + 11)));
          } else if (listeners.ack && s.includes('"type":"ack"')) {
            let m; try { m = JSON.parse(s); } catch { return; }
            listeners.ack(m.payload && m.payload.refId || m.refId);
          }
        });
        ws.on('unexpected-response', (req, res) => { clearTimeout(timer); reject(new Error(`HTTP ${res.statusCode}`)); ws.terminate(); });
        ws.on('error', (err) => { clearTimeout(timer); if (!ready) reject(err); });
        ws.on('close', (code) => { clearTimeout(timer); if (!ready) reject(new Error(`closed ${code}`)); else if (listeners.close) listeners.close(code); });
      });
    },
  };
}

function sioDriver(target) {
  const { io } = require('socket.io-client');
  return {
    connect({ token, conversationId, auth, timeoutMs = 10000 }) {
      return new Promise((resolve, reject) => {
        const opts = { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs, query: { conversationId }, perMessageDeflate: false };
        if (auth === 'header') opts.extraHeaders = { Authorization: `Bearer ${token}` };
        else opts.auth = { token };
        const socket = io(`http://127.0.0.1:${target.port}`, opts);
        let ready = false;
        const timer = setTimeout(() => { if (!ready) { socket.close(); reject(new Error('ready timeout')); } }, timeoutMs);
        const api = {
          send(type, payload, id) { socket.emit(type, { id: id || crypto.randomUUID(), timestamp: new Date().toISOString(), payload }); },
          close() { socket.disconnect(); },
          terminate() { socket.disconnect(); },
          on(ev, cb) {
            if (ev === 'chat_message') socket.on('chat_message', (p) => cb(p.content));
            else if (ev === 'ack') socket.on('ack', (p) => cb(p.refId));
            else if (ev === 'close') socket.on('disconnect', cb);
          },
          get bufferedAmount() { return 0; },
        };
        socket.once('ready', () => { ready = true; clearTimeout(timer); resolve(api); });
        socket.on('connect_error', (err) => { clearTimeout(timer); if (!ready) { socket.close(); reject(err); } });
      });
    },
  };
}

module.exports = { wsDriver, sioDriver, frame };
