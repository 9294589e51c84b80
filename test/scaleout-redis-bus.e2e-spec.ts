import { randomBytes } from 'node:crypto';
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';
import { AppConfig } from '../src/config/app-config';
import { MetricsService } from '../src/metrics/metrics.service';
import { BusMessage, RedisBus } from '../src/scaleout/redis-bus';
import { RedisBusMetrics } from '../src/scaleout/redis-bus.metrics';
import { eventually, REDIS_URL } from './helpers/scaleout-cluster';

/**
 * A TCP proxy in front of the shared Redis that a test can cut (every
 * connection dropped, as when Redis or the network between fails) and that
 * can hold everything a connection sends from its first SUBSCRIBE on (Redis
 * never answers it, as when Redis dies right after the reconnect).
 */
class RedisProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  holdSubscribe = false;
  /** Connections whose SUBSCRIBE (and all after it) is held. */
  held = 0;

  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<RedisProxy> {
    const server = createServer();
    const proxy = new RedisProxy(server);
    server.on('connection', (client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      let holding = false;
      client.on('data', (chunk) => {
        if (!holding && proxy.holdSubscribe && chunk.toString('latin1').toUpperCase().includes('SUBSCRIBE')) { holding = true; proxy.held++; }
        if (!holding) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => client.write(chunk));
      const drop = () => { client.destroy(); upstream.destroy(); proxy.pairs.delete(pair); };
      for (const s of pair) { s.on('error', drop); s.on('close', drop); }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Drops every connection through the proxy; clients may connect again at once. */
  cut(): void {
    for (const [client, upstream] of [...this.pairs]) { client.destroy(); upstream.destroy(); }
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * The bus's subscription across reconnects. It subscribes again by itself on
 * every new connection, and a connection that closes before Redis answers its
 * SUBSCRIBE leaves no unhandled rejection behind: in a service, one ends the
 * process (ioredis's own resubscribe left one, seen when a test's Redis
 * restart met an instance's shutdown).
 */
describe('RedisBus subscription across reconnects (scale-out integration)', () => {
  jest.setTimeout(30_000);
  const prefix = `portcullis-test-${randomBytes(6).toString('hex')}:`;
  const busOn = (url: string) => new RedisBus(
    AppConfig.fromEnvironment({ NODE_ENV: 'test', REDIS_URL: url, REDIS_KEY_PREFIX: prefix }),
    new RedisBusMetrics(new MetricsService()),
  );
  let proxy: RedisProxy;
  const buses: RedisBus[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
  /** Unhandled rejections are reported after the microtask queue drains: let a few turns of the loop pass. */
  const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)); };

  const start = async (url: string) => {
    const bus = busOn(url);
    buses.push(bus);
    await bus.onModuleInit();
    return bus;
  };
  const received = (bus: RedisBus) => {
    const names: string[] = [];
    bus.onMessage((m: BusMessage) => { if (m.kind === 'event') names.push(m.name); });
    return names;
  };

  beforeAll(async () => {
    proxy = await RedisProxy.start(new URL(REDIS_URL));
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.onApplicationShutdown();
    proxy.holdSubscribe = false;
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await proxy.close();
  });

  it('subscribes again after its connections drop, and receives what other instances publish', async () => {
    const behind = await start(proxy.url);
    const direct = await start(REDIS_URL);
    const names = received(behind);
    expect(behind.connected).toBe(true);
    direct.publish({ kind: 'event', name: 'before', payload: {} });
    expect(await eventually(async () => names, (n) => n.includes('before'))).toContain('before');

    for (let round = 1; round <= 3; round++) {
      proxy.cut();
      expect(await eventually(async () => behind.connected, (up) => !up)).toBe(false);
      expect(await eventually(async () => behind.connected, (up) => up, 10_000)).toBe(true);
      direct.publish({ kind: 'event', name: `after-${round}`, payload: {} });
      expect(await eventually(async () => names, (n) => n.includes(`after-${round}`))).toContain(`after-${round}`);
    }
    expect(unhandled).toEqual([]);
  });

  it('shutting down while its SUBSCRIBE waits for an answer after a reconnect leaves no unhandled rejection', async () => {
    const behind = await start(proxy.url);
    expect(behind.connected).toBe(true);
    proxy.holdSubscribe = true;
    proxy.cut();
    // Reconnected (the ready check passed) but not subscribed: the SUBSCRIBE is held.
    expect(await eventually(async () => behind.connected, (up) => !up)).toBe(false);
    expect(await eventually(async () => proxy.held, (n) => n > 0, 10_000)).toBe(1);
    expect(await behind.ping()).toBe(true);
    expect(behind.connected).toBe(false);

    buses.splice(buses.indexOf(behind), 1);
    await behind.onApplicationShutdown(); // QUIT is held too: after 1 s the connections are dropped
    await settle();
    expect(unhandled).toEqual([]);
  });
});
