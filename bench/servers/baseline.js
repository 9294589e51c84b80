'use strict';
// Baseline: bare `ws` + fast-jwt. HS256 verified at the upgrade (Authorization
// header) or from the first frame {type:'auth',payload:{token}}; one `ready`
// frame; `chat_message` fanned out to the conversation with a plain loop, plus
// an `ack` to the sender. The practical ceiling of this stack.
const http = require('node:http');
const crypto = require('node:crypto');
const { WebSocketServer } = require('ws');
const { createVerifier } = require('fast-jwt');

const secret = process.env.JWT_SECRET;
if (!secret) { console.error('JWT_SECRET required'); process.exit(1); }
const verify = createVerifier({
  key: secret, algorithms: ['HS256'],
  allowedIss: process.env.JWT_ISSUER || 'portcullis',
  allowedAud: process.env.JWT_AUDIENCE || 'portcullis-clients',
  clockTolerance: 5,
});
const PATH = /^\/ws\/conversations\/([^/?#]+)/;
const AUTH_TIMEOUT_MS = 5000;
const rooms = new Map(); // conversationId -> Set<ws>
let seq = 0;

const server = http.createServer((req, res) => { res.statusCode = 404; res.end(); });
const wss = new WebSocketServer({ noServer: true, maxPayload: 65536, perMessageDeflate: false });

function reject(socket, code, text) {
  socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
function frame(type, payload, refId) {
  const f = { type, id: crypto.randomUUID(), timestamp: new Date().toISOString(), payload };
  if (refId) f.refId = refId;
  return JSON.stringify(f);
}
function claimsOf(token) {
  try { const c = verify(token); return typeof c.sub === 'string' ? c : null; } catch { return null; }
}
function admit(ws, conversationId, claims) {
  ws.userId = claims.sub;
  ws.conversationId = conversationId;
  let set = rooms.get(conversationId);
  if (!set) rooms.set(conversationId, (set = new Set()));
  set.add(ws);
  ws.send(frame('ready', { sessionId: claims.sid, userId: claims.sub, expiresAt: new Date(claims.exp * 1000).toISOString(), resource: `conversation:${conversationId}` }));
}
function onChat(ws, msg) {
  const content = msg.payload && msg.payload.content;
  if (typeof content !== 'string' || content.length < 1 || content.length > 4000) {
    ws.send(frame('error', { code: 'BAD_REQUEST', message: 'content', refId: msg.id }, msg.id));
    return;
  }
  const s = ++seq;
  const messageId = crypto.randomUUID();
  // Serialize once, send the same buffer to every socket as a text frame.
  const out = Buffer.from(frame('chat_message', { messageId, seq: s, conversationId: ws.conversationId, authorId: ws.userId, content, createdAt: new Date().toISOString() }));
  for (const peer of rooms.get(ws.conversationId)) if (peer.readyState === 1) peer.send(out, { binary: false });
  ws.send(frame('ack', { refId: msg.id, messageId, seq: s }, msg.id));
}

server.on('upgrade', (req, socket, head) => {
  const m = PATH.exec(req.url);
  if (!m) return reject(socket, 404, 'Not Found');
  const conversationId = m[1];
  const h = req.headers.authorization;
  let claims = null;
  if (h) {
    claims = h.startsWith('Bearer ') ? claimsOf(h.slice(7)) : null;
    if (!claims) return reject(socket, 401, 'Unauthorized');
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('close', () => { const set = rooms.get(ws.conversationId); if (set) set.delete(ws); });
    ws.on('error', () => {});
    if (claims) admit(ws, conversationId, claims);
    else {
      ws.authTimer = setTimeout(() => ws.close(4008, 'auth timeout'), AUTH_TIMEOUT_MS);
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg;
      try { msg = JSON.parse(data); } catch { return ws.send(frame('error', { code: 'BAD_REQUEST', message: 'bad json' })); }
      if (!ws.userId) {
        clearTimeout(ws.authTimer);
        const c = msg && msg.type === 'auth' && msg.payload ? claimsOf(msg.payload.token) : null;
        if (!c) { ws.send(frame('error', { code: 4001, message: 'authentication failed' })); return ws.close(4001, 'authentication failed'); }
        return admit(ws, conversationId, c);
      }
      if (msg.type === 'chat_message') onChat(ws, msg);
      else if (msg.type === 'ping') ws.send(frame('pong', {}, msg.id));
    });
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
