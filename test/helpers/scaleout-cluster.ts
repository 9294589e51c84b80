import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { ADMIN_ENV } from './factories';
import { startTestApp, TestApp } from './test-app';
import { sleep } from './ws-assertions';

/** The shared services the scale-out suites run against (CI starts both before the run). */
export const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_SERVER_URL = process.env.PORTCULLIS_TEST_POSTGRES_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in the test database). */
export async function onPostgresServer(sql: string): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url: `${PG_SERVER_URL}/postgres`, connectTimeoutMS: 3000 });
  await ds.initialize();
  try {
    await ds.query(sql);
  } finally {
    await ds.destroy();
  }
}

/**
 * Instances on one PostgreSQL database and one Redis, both named for this run
 * only (a random database and key prefix), so runs from several checkouts at
 * once never see each other's rows, keys or bus messages.
 */
export interface Cluster {
  env: Record<string, string>;
  prefix: string;
  apps: TestApp[];
  /** Stops every instance, then drops the database. */
  close(): Promise<void>;
}

export async function startCluster(redisUrl: string, count: number, extraEnv: Record<string, string> = {}): Promise<Cluster> {
  const run = randomBytes(6).toString('hex');
  const database = `portcullis_scaleout_${run}`;
  const prefix = `portcullis-test-${run}:`;
  await onPostgresServer(`CREATE DATABASE ${database}`).catch((err: Error) => {
    throw new Error(`The scale-out suites need PostgreSQL at ${PG_SERVER_URL} (set PORTCULLIS_TEST_POSTGRES_SERVER_URL): ${err.message}`);
  });
  const env = { ...ADMIN_ENV, DB_TYPE: 'postgres', DATABASE_URL: `${PG_SERVER_URL}/${database}`, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...extraEnv };
  const apps: TestApp[] = [];
  const close = async () => {
    for (const t of apps.splice(0)) await t.close();
    await onPostgresServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  };
  try {
    // One after the other: the first runs the migrations and creates the admin.
    for (let i = 0; i < count; i++) apps.push(await startTestApp(env));
  } catch (err) {
    await close();
    throw err;
  }
  return { env, prefix, apps, close };
}

/** Polls until `ok` holds or `ms` pass; returns the last value either way, for the caller to assert on. */
export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(50);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own on a spare loopback port, so an outage
 * test can stop and restart it without touching the shared Redis. Nothing is
 * persisted: a restart comes back empty, as a failed-over Redis may.
 */
export class RedisServerProcess {
  private proc?: ChildProcess;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A spare port with no server on it yet: `restart()` starts one there. */
  static async onSparePort(): Promise<RedisServerProcess> {
    return new RedisServerProcess(await freePort());
  }

  static async start(): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(await freePort());
    await server.restart();
    return server;
  }

  /** Starts the server (again, after stopping it if it runs) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    await this.stop();
    const bin = process.env.PORTCULLIS_TEST_REDIS_SERVER ?? 'redis-server';
    const proc = spawn(bin, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let failed: Error | undefined;
    proc.on('error', (err) => { failed = new Error(`The Redis outage test starts its own ${bin} (set PORTCULLIS_TEST_REDIS_SERVER): ${err.message}`); });
    this.proc = proc;
    const deadline = Date.now() + 5000;
    for (;;) {
      if (failed) throw failed;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`redis-server exited (${proc.exitCode}) on port ${this.port}`);
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      const up = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
      probe.disconnect();
      if (up) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}`);
      await sleep(50);
    }
  }

  /** Stops the server and resolves once the process has exited (its port is closed). */
  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }
}
