'use strict';
// One soak client process. bench/soak/index.js starts several, pinned to CPU 0,
// each from its own 127.0.0.x source address (this machine allows 20,000 open
// files per process, and one address has ~28,000 ephemeral ports).
// It holds `slots` authenticated sockets on /ws/conversations/:id (header
// auth), answers every `auth_required` with `auth {token}` carrying a fresh
// token for the same user, closes and reopens `churnPerSec` of its sockets each
// second (each reopens with the token it holds, as a real client would), and
// sends its share of the room's chat.
// Input: the config as the first stdin line (it carries refresh tokens, so not
// on argv), then the commands start | stats | stop | exit. Output lines:
// READY <json>, STATS <json>, HELD. Bounded: a hard deadline ends the process
// whatever happens, and so does stdin closing (the runner is gone).
const http = require('node:http');
const crypto = require('node:crypto');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');
const jwt = require('jsonwebtoken');
const { httpJson, sleep } = require('../lib/proc');
const { hist, encodeHist } = require('../lib/stats');

const epochMs = () => performance.timeOrigin + performance.now(); // comparable across processes, sub-ms
const frame = (type, payload, id) => JSON.stringify({ type, id: id || crypto.randomUUID(), timestamp: new Date().toISOString(), payload });
const expOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
const out = (line) => process.stdout.write(`${line}\n`);

let C = null; let running = false; let stopping = false;
const n = { connects: 0, connectFailed: 0, closesRequested: 0, unexpected: 0, reauthRequired: 0, reauthOk: 0, reauthFailed: 0, reauthAbandoned: 0,
  refreshOk: 0, refreshFailed: 0, chatSent: 0, acks: 0, deliveries: 0, seqGaps: 0, seqDisorder: 0, errorFrames: 0 };
const closeCodes = {}; const errorCodes = {}; let firstError = null;
const win = { delivery: hist(), ack: hist(), reauth: hist() }; // per stats window, in µs
const sentAt = new Map(); // chat frame id → epoch ms
const slots = []; let open = 0;
const noteError = (e) => { firstError = firstError || String(e && e.message || e); };
const rec = (h, ms) => h.recordValue(Math.max(1, Math.round(ms * 1000)));

/** A signed token for the first connect, expiring at a random point of one re-auth period, so the re-auths run at a steady rate from the start (see bench/soak/README.md). */
function initialToken(u) {
  const expiresIn = Math.round(C.leadMs / 1000 + 2 + Math.random() * (C.ttlS - C.leadMs / 1000));
  const token = jwt.sign({ sid: u.sid, role: u.role }, C.secret, { algorithm: 'HS256', subject: u.id, issuer: C.issuer, audience: C.audience, expiresIn });
  return { token, exp: expOf(token) };
}

// Fresh tokens come from the service: POST /v1/auth/refresh with the user's refresh token. One user's refreshes are strictly in
// sequence (a spent refresh token presented again would revoke the session); a token issued within `reuseMs` is shared by the user's sockets.
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function freshToken(u) {
  if (u.latest && u.latest.exp * 1000 - Date.now() > C.ttlS * 1000 - C.reuseMs) return Promise.resolve(u.latest);
  if (!u.inflight) {
    u.inflight = httpJson('POST', `http://127.0.0.1:${C.port}/v1/auth/refresh`, { refreshToken: u.refreshToken }, {}, agent).then((r) => {
      if (r.status !== 200 || !r.json || !r.json.accessToken) throw new Error(`refresh → ${r.status} ${String(r.text).slice(0, 120)}`);
      u.refreshToken = r.json.refreshToken;
      u.latest = { token: r.json.accessToken, exp: expOf(r.json.accessToken) };
      n.refreshOk++;
      return u.latest;
    }).catch((e) => { n.refreshFailed++; noteError(e); throw e; }).finally(() => { u.inflight = null; });
  }
  return u.inflight;
}
async function freshTokenRetrying(u, until) {
  for (let i = 0; i < 10 && Date.now() < until; i++) {
    try { return await freshToken(u); } catch { await sleep(1000); }
  }
  throw new Error('no fresh token');
}

function onFrame(slot, ws, data) {
  let m; try { m = JSON.parse(data); } catch { return; }
  const p = m.payload || {};
  switch (m.type) {
    case 'ready': slot.connected = true; slot.lastSeq = null; open++; n.connects++; if (slot.onReady) slot.onReady(); break;
    case 'auth_required': {
      n.reauthRequired++;
      if (slot.pending) break; // already answering
      slot.pending = { at: epochMs() };
      freshTokenRetrying(slot.user, Date.parse(p.expiresAt) || Date.now() + 5000).then((t) => {
        if (slot.ws !== ws || ws.readyState !== WebSocket.OPEN) return;
        slot.pending.token = t; ws.send(frame('auth', { token: t.token }));
      }, noteError);
      break;
    }
    case 'auth_ok':
      if (slot.pending && slot.pending.token) {
        n.reauthOk++; rec(win.reauth, epochMs() - slot.pending.at);
        slot.token = slot.pending.token; slot.pending = null;
      }
      break;
    case 'ack': { const t = sentAt.get(m.refId || p.refId); if (t !== undefined) { sentAt.delete(m.refId || p.refId); n.acks++; rec(win.ack, epochMs() - t); } break; }
    case 'chat_message': {
      n.deliveries++;
      const c = typeof p.content === 'string' ? p.content : '';
      if (c.startsWith('soak:')) rec(win.delivery, epochMs() - Number(c.slice(5, c.indexOf(':', 5))));
      // A socket that stays connected gets the room's messages in seq order with no gap (CONTRACT §3).
      if (slot.lastSeq !== null && p.seq <= slot.lastSeq) n.seqDisorder++;
      else if (slot.lastSeq !== null && p.seq > slot.lastSeq + 1) n.seqGaps += p.seq - slot.lastSeq - 1;
      slot.lastSeq = Math.max(slot.lastSeq || 0, p.seq);
      break;
    }
    case 'error': n.errorFrames++; errorCodes[p.code] = (errorCodes[p.code] || 0) + 1; break;
    default: break;
  }
}

/** Opens the slot's socket; resolves true at `ready`, false on any failure (the close handler then schedules a retry). */
async function connect(slot) {
  if (slot.token.exp * 1000 - Date.now() < 5000) {
    try { slot.token = await freshTokenRetrying(slot.user, Date.now() + 10000); } catch (e) { noteError(e); }
  }
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${C.port}/ws/conversations/${slot.conv}`, {
      headers: { authorization: `Bearer ${slot.token.token}` }, localAddress: C.localAddress, perMessageDeflate: false, handshakeTimeout: 10000,
    });
    slot.ws = ws; slot.connected = false; slot.closing = false;
    const timer = setTimeout(() => { if (!slot.connected) ws.terminate(); }, 15000);
    slot.onReady = () => { clearTimeout(timer); slot.onReady = null; resolve(true); };
    ws.on('message', (d, isBinary) => { if (!isBinary) onFrame(slot, ws, d); });
    ws.on('error', noteError);
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (slot.ws !== ws) return;
      const wasConnected = slot.connected; slot.connected = false; slot.ws = null;
      if (slot.pending) { if (slot.closing) n.reauthAbandoned++; else n.reauthFailed++; slot.pending = null; }
      if (!wasConnected) { n.connectFailed++; slot.onReady = null; resolve(false); retryLater(slot); return; }
      open--;
      if (slot.closing) { if (running && !stopping) connect(slot); return; } // churn: reopen at once
      n.unexpected++; closeCodes[code] = (closeCodes[code] || 0) + 1;
      retryLater(slot);
    });
  });
}
function retryLater(slot) {
  if (!stopping && Date.now() < C.hardDeadline) setTimeout(() => { if (!stopping && !slot.ws) connect(slot); }, 1000);
}

// Churn and chat run on one 100 ms tick; fractional budgets carry over, so the rates hold on average.
let churnBudget = 0; let chatBudget = 0; let chatN = 0; let roomCursor = 0;
function tick() {
  if (!running || stopping) return;
  churnBudget += open * C.churnPerSec * 0.1;
  for (let tries = 0; churnBudget >= 1 && tries < 1000; tries++) {
    const s = slots[Math.floor(Math.random() * slots.length)];
    if (!s.connected || s.closing) continue;
    churnBudget--; s.closing = true; n.closesRequested++; s.ws.close(1000);
  }
  chatBudget += C.chatPerSec * 0.1;
  for (let tries = 0; chatBudget >= 1 && tries < C.roomSlots; tries++) {
    const s = slots[roomCursor++ % C.roomSlots];
    if (!s.connected || s.closing) continue;
    chatBudget--;
    const id = `s${C.index}-${chatN++}`; const t = epochMs();
    const content = `soak:${t.toFixed(3)}:`; sentAt.set(id, t);
    s.ws.send(frame('chat_message', { content: content + 'x'.repeat(100 - content.length) }, id)); n.chatSent++;
  }
}

function stats() {
  const cpu = process.cpuUsage();
  const s = { ...n, open, pending: slots.filter((x) => x.pending).length, closeCodes, errorCodes, firstError, cpuUs: cpu.user + cpu.system,
    hist: { delivery: encodeHist(win.delivery), ack: encodeHist(win.ack), reauth: encodeHist(win.reauth) } };
  for (const h of Object.values(win)) h.reset();
  return s;
}

async function ramp() {
  const t0 = Date.now(); let next = 0;
  const worker = async () => { while (next < slots.length && Date.now() < C.hardDeadline) await connect(slots[next++]); };
  await Promise.all(Array.from({ length: C.concurrency }, worker));
  // failed first connects retry every second; wait (bounded) until every slot is up
  for (let i = 0; i < 600 && open < slots.length && Date.now() < C.hardDeadline; i++) await sleep(100);
  out(`READY ${JSON.stringify({ open, slots: slots.length, ms: Date.now() - t0, connectFailed: n.connectFailed, firstError })}`);
}

async function command(line) {
  if (!C) {
    C = JSON.parse(line);
    setTimeout(() => process.exit(2), C.hardDeadline - Date.now()); // whatever happens, this process ends
    C.users.forEach((u) => { u.latest = { token: u.accessToken, exp: expOf(u.accessToken) }; });
    for (let j = 0; j < C.slots; j++) {
      const user = C.users[j % C.users.length];
      slots.push({ user, conv: j < C.roomSlots ? C.roomConv : user.conv, token: initialToken(user), ws: null, connected: false, closing: false, pending: null, lastSeq: null });
    }
    setInterval(tick, 100);
    ramp().catch((e) => { noteError(e); out(`READY ${JSON.stringify({ open, slots: slots.length, error: String(e) })}`); });
  } else if (line === 'start') running = true;
  else if (line.startsWith('churn ')) C.churnPerSec = Number(line.slice(6)); // the warm-up's faster churn ends (index.js)
  else if (line === 'stats') out(`STATS ${JSON.stringify(stats())}`);
  else if (line === 'stop') {
    // no more churn or chat; re-auth answers go on while acks and re-auths in flight settle (bounded)
    stopping = true;
    for (let i = 0; i < 50 && (sentAt.size || slots.some((x) => x.pending)); i++) await sleep(100);
    out(`STATS ${JSON.stringify(stats())}`); out('HELD');
  } else if (line === 'exit') {
    for (const s of slots) if (s.ws) { s.closing = true; s.ws.close(1000); }
    for (let i = 0; i < 50 && open > 0; i++) await sleep(100);
    process.exit(0);
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (l) => { command(l.trim()).catch((e) => { noteError(e); out(`ERROR ${String(e && e.stack || e)}`); }); });
rl.on('close', () => process.exit(3));
