#!/usr/bin/env node
'use strict';
// `npm run test:postgres` runs this first: the PostgreSQL database the suites
// use (PORTCULLIS_TEST_POSTGRES_URL) must exist. When its server answers and the
// database is missing, it is created; when the server does not answer, this
// says so at once and fails, instead of every suite retrying its connection.
const { Client } = require('pg');

const url = process.env.PORTCULLIS_TEST_POSTGRES_URL;
if (!url) {
  console.error('PORTCULLIS_TEST_POSTGRES_URL is not set');
  process.exit(2);
}

async function main() {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  if (!database) throw new Error(`no database named in PORTCULLIS_TEST_POSTGRES_URL (${redact(target)})`);
  // The server's maintenance database, with the same user and options.
  const admin = new URL(target.href);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.href, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${redact(admin)} did not answer (${err.message}): start it, or point PORTCULLIS_TEST_POSTGRES_URL at one`);
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount) return;
    await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    console.log(`created database ${database} on ${target.host}`);
  } finally {
    await client.end();
  }
}

/** The URL without its password, for messages. */
function redact(u) {
  const c = new URL(u.href);
  if (c.password) c.password = '***';
  return c.href;
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
