'use strict';
// Peer: Socket.IO 4, websocket transport only, JWT (HS256, fast-jwt) checked in
// an io.use middleware from the Authorization header or handshake auth.token
// (Socket.IO's CONNECT packet: its equivalent of first-frame auth). Rooms for
// conversations (handshake query conversationId). Events: ready, chat_message,
// ack — same payloads as the baseline.
const http = require('node:http');
const crypto = require('node:crypto');
const { Server } = require('socket.io');
const { createVerifier } = require('fast-jwt');

const secret = process.env.JWT_SECRET;
if (!secret) { console.error('JWT_SECRET required'); process.exit(1); }
const verify = createVerifier({
  key: secret, algorithms: ['HS256'],
  allowedIss: process.env.JWT_ISSUER || 'portcullis',
  allowedAud: process.env.JWT_AUDIENCE || 'portcullis-clients',
  clockTolerance: 5,
});
const server = http.createServer();
const io = new Server(server, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 65536 });
let seq = 0;

io.use((socket, next) => {
  const h = socket.handshake.headers.authorization;
  const token = h && h.startsWith('Bearer ') ? h.slice(7) : socket.handshake.auth && socket.handshake.auth.token;
  const conversationId = socket.handshake.query.conversationId;
  if (!token || !conversationId) return next(new Error('unauthorized'));
  try {
    const c = verify(token);
    if (typeof c.sub !== 'string') return next(new Error('unauthorized'));
    socket.data.claims = c;
    socket.data.conversationId = String(conversationId);
    next();
  } catch { next(new Error('unauthorized')); }
});

io.on('connection', (socket) => {
  const c = socket.data.claims;
  const conversationId = socket.data.conversationId;
  socket.join(conversationId);
  socket.emit('ready', { sessionId: c.sid, userId: c.sub, expiresAt: new Date(c.exp * 1000).toISOString(), resource: `conversation:${conversationId}` });
  socket.on('chat_message', (msg) => {
    const content = msg && msg.payload && msg.payload.content;
    if (typeof content !== 'string' || content.length < 1 || content.length > 4000) return socket.emit('error_frame', { code: 'BAD_REQUEST' });
    const s = ++seq;
    const messageId = crypto.randomUUID();
    io.to(conversationId).emit('chat_message', { messageId, seq: s, conversationId, authorId: c.sub, content, createdAt: new Date().toISOString() });
    socket.emit('ack', { refId: msg.id, messageId, seq: s });
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
