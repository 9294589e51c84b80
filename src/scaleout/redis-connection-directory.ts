import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Connection, ConnectionLifecycle } from '../realtime/connection';
import { ConnectionDirectory, RemoteConnections } from '../realtime/connection-directory';
import { ConnectionRegistry, ConnectionView, toView } from '../realtime/connection-registry';
import { RedisBus } from './redis-bus';

/** The instance's keys outlive it by at most this long when it dies without cleaning up. */
export const INSTANCE_TTL_MS = 15_000;
const REFRESH_MS = 5_000;

/**
 * The live-connection directory in Redis. Each instance writes its own
 * authenticated sockets to `<prefix>connections:<instanceId>` (a hash of
 * socket id → admin view) and keeps `<prefix>instance:<instanceId>` alive;
 * both expire INSTANCE_TTL_MS after the last refresh, so a crashed instance's
 * sockets drop out of the listing by themselves. `<prefix>instances` names
 * the instances to look at; a dead one is pruned when a listing finds it.
 */
@Injectable()
export class RedisConnectionDirectory implements RemoteConnections, ConnectionLifecycle, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ConnectionDirectory');
  private timer?: NodeJS.Timeout;

  constructor(private readonly bus: RedisBus, private readonly registry: ConnectionRegistry, private readonly directory: ConnectionDirectory) {}

  get instanceId(): string {
    return this.bus.instanceId;
  }

  onModuleInit(): void {
    // Not awaited: with Redis down at start-up the instance starts anyway, and the rewrite below fills the directory once it is back.
    this.run(this.refresh());
    this.timer = setInterval(() => void this.refresh().catch((err) => this.logger.warn({ err: err.message }, 'directory refresh failed')), REFRESH_MS).unref();
    this.registry.addLifecycle(this);
    this.directory.setRemote(this);
    this.bus.onShutdown(() => this.removeSelf());
    // Writes made while Redis was away are lost, and a restarted Redis may have lost everything: write it all again.
    this.bus.onConnectionChange((up) => { if (up) this.run(this.rewrite()); });
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  authenticated(conn: Connection): void {
    this.write(conn);
  }

  reauthenticated(conn: Connection): void {
    this.write(conn);
  }

  closed(conn: Connection): void {
    this.run(this.bus.client.hdel(this.hashKey(this.instanceId), conn.id));
  }

  async list(filter: { userId?: string }): Promise<Array<ConnectionView & { instanceId: string }>> {
    const out: Array<ConnectionView & { instanceId: string }> = [];
    for (const [instanceId, hash] of await this.others()) {
      for (const text of Object.values(hash)) {
        const view = JSON.parse(text) as ConnectionView;
        if (!filter.userId || view.userId === filter.userId) out.push({ ...view, instanceId });
      }
    }
    return out;
  }

  async close(id: string, code: number, adminId: string): Promise<boolean> {
    const owner = (await this.others()).find(([, hash]) => id in hash)?.[0];
    if (!owner) return false;
    this.bus.publish({ kind: 'close', target: owner, connectionId: id, code, adminId });
    return true;
  }

  /** Every other live instance with its sockets; instances whose liveness key expired are pruned. */
  private async others(): Promise<Array<[string, Record<string, string>]>> {
    const redis = this.bus.client;
    const ids = (await redis.smembers(this.setKey())).filter((id) => id !== this.instanceId);
    if (ids.length === 0) return [];
    const pipe = redis.pipeline();
    for (const id of ids) pipe.exists(this.aliveKey(id)).hgetall(this.hashKey(id));
    const replies = (await pipe.exec()) ?? [];
    const live: Array<[string, Record<string, string>]> = [];
    ids.forEach((id, i) => {
      const [aliveErr, alive] = replies[2 * i];
      const [hashErr, hash] = replies[2 * i + 1];
      if (aliveErr || hashErr) throw aliveErr ?? hashErr;
      if (alive) live.push([id, hash as Record<string, string>]);
      else this.run(redis.srem(this.setKey(), id));
    });
    return live;
  }

  private write(conn: Connection): void {
    const key = this.hashKey(this.instanceId);
    this.run(this.bus.client.multi().hset(key, conn.id, JSON.stringify(toView(conn))).pexpire(key, INSTANCE_TTL_MS).exec());
  }

  /** This instance's entry as it is now: every live socket, and the liveness keys. */
  private async rewrite(): Promise<void> {
    const key = this.hashKey(this.instanceId);
    const views = this.registry.list();
    const multi = this.bus.client.multi().del(key);
    if (views.length) multi.hset(key, Object.fromEntries(views.map((v) => [v.id, JSON.stringify(v)])));
    await multi.pexpire(key, INSTANCE_TTL_MS).exec();
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    const id = this.instanceId;
    await this.bus.client.multi()
      .set(this.aliveKey(id), new Date().toISOString(), 'PX', INSTANCE_TTL_MS)
      .pexpire(this.hashKey(id), INSTANCE_TTL_MS)
      .sadd(this.setKey(), id)
      .exec();
  }

  private async removeSelf(): Promise<void> {
    const id = this.instanceId;
    await this.bus.client.multi().del(this.hashKey(id), this.aliveKey(id)).srem(this.setKey(), id).exec();
  }

  private run(p: Promise<unknown>): void {
    p.catch((err: Error) => this.logger.warn({ err: err.message }, 'directory update failed'));
  }

  private setKey = () => `${this.bus.prefix}instances`;
  private aliveKey = (id: string) => `${this.bus.prefix}instance:${id}`;
  private hashKey = (id: string) => `${this.bus.prefix}connections:${id}`;
}
