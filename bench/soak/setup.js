'use strict';
// The soak's population, made over the public REST API of the server under
// test: `users` users (register, log in once: one session and one refresh
// token each), each with a conversation of their own, all of them members of
// one room conversation owned by the admin. Every loop is bounded by its count.
const crypto = require('node:crypto');
const { httpJson } = require('../lib/proc');

async function pool(items, concurrency, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await fn(items[i], i); } };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

async function call(base, method, url, body, token, expect) {
  const r = await httpJson(method, `${base}${url}`, body, token ? { authorization: `Bearer ${token}` } : {});
  if (!expect.includes(r.status)) throw new Error(`${method} ${url} → ${r.status} ${String(r.text).slice(0, 200)}`);
  return r.json;
}

/**
 * Returns { roomId, users: [{ id, sid, role, accessToken, refreshToken, conv }] }.
 * Registration and login each cost one argon2 hash on the server (~25 ms of its
 * CPU), so 1,000 users take about a minute; `log` gets progress lines.
 */
async function makePopulation(server, { users, log }) {
  const base = server.base;
  const room = await call(base, 'POST', '/v1/conversations', { title: 'soak room' }, server.adminToken, [200, 201]);
  const tag = crypto.randomBytes(4).toString('hex');
  const out = new Array(users);
  const t0 = Date.now(); let done = 0;
  // One user at a time: the server is pinned to one CPU, where its argon2 hashes queue anyway. (Concurrent
  // registrations on SQLite once answered 500; fixed in c6ff908, with an e2e test of concurrent writes.)
  await pool(Array.from({ length: users }, (_, i) => i), 1, async (i) => {
    const email = `soak-${tag}-${i}@example.com`; const password = `Soak-${crypto.randomBytes(12).toString('hex')}`;
    const reg = await call(base, 'POST', '/v1/auth/register', { email, password, displayName: `soak ${i}` }, null, [201]);
    const login = await call(base, 'POST', '/v1/auth/login', { email, password }, null, [200]);
    const own = await call(base, 'POST', '/v1/conversations', { title: `soak ${i}` }, login.accessToken, [200, 201]);
    await call(base, 'POST', `/v1/conversations/${room.id}/members`, { userId: reg.id }, server.adminToken, [200, 201]);
    const c = claimsOf(login.accessToken);
    out[i] = { id: reg.id, sid: c.sid, role: c.role || 'user', accessToken: login.accessToken, refreshToken: login.refreshToken, conv: own.id };
    if (++done % 100 === 0) log(`  users: ${done}/${users} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });
  return { roomId: room.id, users: out, ms: Date.now() - t0 };
}

module.exports = { makePopulation };
