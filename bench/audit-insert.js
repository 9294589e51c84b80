#!/usr/bin/env node
'use strict';
// What one audit row costs to store as the table grows, by how its id is made:
// a random UUID (v4) against a time-ordered one (v7, what AuditService uses).
// The built AuditRepository on a fresh SQLite database made by the migrations
// (SQLITE_SYNCHRONOUS=full, as the service runs), rows written AUDIT_BATCH
// (default 500) to a call, as the service's audit queue hands them over: what
// it gathered in 200 ms, at most 500, one statement on SQLite. Process CPU (all
// threads: SQLite steps on libuv's pool) per row, measured over 20,000 rows after
// the table holds AUDIT_ROWS (default 200,000) of the same kind. Prints figures; asserts nothing.
//
//   npm run build && taskset -c 1 node bench/audit-insert.js
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const DIST = path.join(__dirname, '..', 'dist', 'src');
require('reflect-metadata');
const { DataSource } = require('typeorm');
const { AppConfig } = require(path.join(DIST, 'config', 'app-config'));
const { buildDataSourceOptions } = require(path.join(DIST, 'database', 'database.options'));
const { AuditRepository } = require(path.join(DIST, 'audit', 'audit.repository'));
const { AuditEvent } = require(path.join(DIST, 'audit', 'audit-event.entity'));
const { newTimeOrderedId } = require(path.join(DIST, 'common', 'util', 'ids'));

const PREFILL = Number(process.env.AUDIT_ROWS || 200000);
const MEASURED = 20000;
const BATCH = Number(process.env.AUDIT_BATCH || 500);
const USERS = Array.from({ length: 1000 }, () => crypto.randomUUID());

function rows(n, id) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const user = USERS[(Math.random() * USERS.length) | 0];
    out.push({
      id: id(), type: 'ws_auth', userId: user, sessionId: crypto.randomUUID(), ip: '127.0.0.1', reason: null,
      detail: JSON.stringify({ method: 'header', endpoint: '/ws/conversations/:conversationId' }), createdAt: new Date(),
    });
  }
  return out;
}

async function measure(label, id) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-insert-'));
  const config = AppConfig.fromEnvironment({ ...process.env, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48), DB_TYPE: 'sqlite', SQLITE_PATH: path.join(dir, 'a.sqlite') });
  const db = new DataSource({ ...buildDataSourceOptions(config.database), migrationsRun: true, logging: false });
  await db.initialize();
  await db.query('PRAGMA synchronous = FULL');
  const repo = new AuditRepository(db.getRepository(AuditEvent));
  for (let n = 0; n < PREFILL; n += BATCH) await repo.insertMany(rows(BATCH, id));
  const batches = Array.from({ length: MEASURED / BATCH }, () => rows(BATCH, id));
  const t0 = process.cpuUsage();
  const w0 = Date.now();
  for (const b of batches) await repo.insertMany(b);
  const cpu = process.cpuUsage(t0);
  const wall = Date.now() - w0;
  await db.destroy();
  const dbBytes = fs.statSync(path.join(dir, 'a.sqlite')).size;
  fs.rmSync(dir, { recursive: true, force: true });
  const us = (x) => (x / MEASURED).toFixed(1);
  console.log(`${label.padEnd(26)} ${us(cpu.user + cpu.system).padStart(6)} µs CPU/row (user ${us(cpu.user)}, system ${us(cpu.system)}), ${(wall * 1000 / MEASURED).toFixed(1)} µs wall/row, database ${(dbBytes / 2 ** 20).toFixed(0)} MiB`);
}

(async () => {
  console.log(`audit rows: ${MEASURED.toLocaleString('en-US')} measured after ${PREFILL.toLocaleString('en-US')} in the table, batches of ${BATCH}, node ${process.version}`);
  for (let round = 1; round <= 2; round++) {
    await measure(`random (v4), round ${round}`, () => crypto.randomUUID());
    await measure(`time-ordered (v7), round ${round}`, newTimeOrderedId);
  }
})().catch((e) => { console.error(e); process.exit(1); });
