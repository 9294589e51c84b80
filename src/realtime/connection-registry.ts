import { Injectable } from '@nestjs/common';
import { Connection, ConnectionLifecycle } from './connection';

/** What GET /v1/admin/connections shows of a socket: the contract's fields, nothing more (never a credential). */
export interface ConnectionView {
  id: string; userId: string | null; sessionId: string | null; endpoint: string; resource: Record<string, string>;
  authMethod: string; connectedAt: string; tokenExpiresAt: string | null; remoteAddress: string;
}

/**
 * How many parts the live set is kept in, by id (a power of two): the
 * heartbeat pings one part a tick, walked to its end within the tick, so that
 * no iterator over the live set waits between ticks (HeartbeatSweep says why).
 */
export const SHARDS = 64;

/** The part of the live set a socket id belongs to: from its last two hex digits (ids are random UUIDs), so the parts are even. */
export function shardOf(id: string): number {
  const n = id.length;
  return ((hexDigit(id.charCodeAt(n - 2)) << 4) | hexDigit(id.charCodeAt(n - 1))) & (SHARDS - 1);
}

const hexDigit = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87) & 15;

/**
 * Live sockets of this instance, indexed by id, session, user and resource,
 * and the one place that tells lifecycle listeners (the session clock, the
 * scale-out directory) a socket authenticated, re-authenticated or closed.
 */
@Injectable()
export class ConnectionRegistry {
  /**
   * The sockets themselves, in SHARDS parts by id (see SHARDS). Sets of
   * Connections, not Maps by id: V8 internalizes a string used as a Map key, so
   * each connect's new id went into its string table (~0.9 µs, and an entry
   * kept until the next full GC); an object is keyed by its identity hash.
   * get() looks for an id in its part only.
   */
  private readonly all = Array.from({ length: SHARDS }, () => new Set<Connection>());
  private count = 0;
  private readonly bySession = new Map<string, Set<Connection>>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byResource = new Map<string, Set<Connection>>();
  private readonly listeners: ConnectionLifecycle[] = [];
  private unauthenticated = 0;
  private revocations = 0;

  addLifecycle(listener: ConnectionLifecycle): void {
    this.listeners.push(listener);
  }

  /** Counted for every revocation event, so a connect can tell whether one raced its checks. */
  noteRevocation(): void {
    this.revocations++;
  }

  get revocationEpoch(): number {
    return this.revocations;
  }

  get size(): number {
    return this.count;
  }

  get unauthenticatedCount(): number {
    return this.unauthenticated;
  }

  /** A socket that has not authenticated yet. */
  admit(conn: Connection): void {
    const part = this.all[shardOf(conn.id)];
    const before = part.size;
    if (part.add(conn).size === before) return;
    this.count++;
    this.unauthenticated++;
  }

  /** Indexes a socket once authenticated. */
  authenticated(conn: Connection): void {
    this.unauthenticated--;
    this.index(conn);
    for (const l of this.listeners) l.authenticated(conn);
  }

  /** Subscribes a socket to its resource once the gateway's ownership checks have passed. */
  attachResource(conn: Connection): void {
    for (const key of resourceKeys(conn)) add(this.byResource, key, conn);
  }

  /** Re-indexes after in-band re-auth (the session may change). */
  reindex(conn: Connection, previousSessionId: string | undefined): void {
    if (previousSessionId) remove(this.bySession, previousSessionId, conn);
    if (conn.sessionId) add(this.bySession, conn.sessionId, conn);
    for (const l of this.listeners) l.reauthenticated(conn);
  }

  remove(conn: Connection): void {
    if (!this.all[shardOf(conn.id)].delete(conn)) return;
    this.count--;
    if (!conn.auth) {
      this.unauthenticated--;
      return;
    }
    if (conn.sessionId) remove(this.bySession, conn.sessionId, conn);
    if (conn.userId) remove(this.byUser, conn.userId, conn);
    for (const key of resourceKeys(conn)) remove(this.byResource, key, conn);
    for (const l of this.listeners) l.closed(conn);
  }

  /** A live socket by id: a walk of one part, 1/SHARDS of the sockets (~300 at 19,000), for the admin's close. */
  get(id: string): Connection | undefined {
    for (const conn of this.all[shardOf(id)]) if (conn.id === id) return conn;
    return undefined;
  }

  /** Every live socket. Walk it to the end in one go: a walk left part-way holds what is removed meanwhile (see SHARDS). */
  *values(): IterableIterator<Connection> {
    for (const part of this.all) yield* part.values();
  }

  /** The sockets of one part of the live set (0 ≤ i < SHARDS), for the heartbeat's sweep. */
  shard(i: number): Iterable<Connection> {
    return this.all[i].values();
  }

  forSession(sessionId: string): Connection[] {
    return [...(this.bySession.get(sessionId) ?? [])];
  }

  forUser(userId: string): Connection[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  countForUser(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  forResource(kind: string, id: string): Connection[] {
    return [...(this.byResource.get(`${kind}:${id}`) ?? [])];
  }

  /** Sockets subscribed to a resource, without copying: for the fan-out hot path. */
  subscribers(kind: string, id: string): ReadonlySet<Connection> | undefined {
    return this.byResource.get(`${kind}:${id}`);
  }

  /** Live sockets: authenticated and not already closing. */
  list(filter: { userId?: string } = {}): ConnectionView[] {
    const source = filter.userId ? this.forUser(filter.userId) : [...this.values()];
    return source.filter((c) => c.auth && c.state === 'open').map(toView);
  }

  private index(conn: Connection): void {
    if (conn.sessionId) add(this.bySession, conn.sessionId, conn);
    if (conn.userId) add(this.byUser, conn.userId, conn);
  }
}

const resourceKeys = (conn: Connection): string[] => Object.entries(conn.resource).map(([k, v]) => `${k}:${v}`);

function add(map: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(conn);
}

function remove(map: Map<string, Set<Connection>>, key: string, conn: Connection): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
}

/** The admin view of one socket (also what the scale-out directory stores in Redis). */
export function toView(c: Connection): ConnectionView {
  const a = c.auth;
  return {
    id: c.id, userId: a?.kind === 'user' ? a.userId : null, sessionId: a?.kind === 'user' ? a.sessionId : null,
    endpoint: c.endpoint, resource: c.resource, authMethod: c.authMethod, connectedAt: c.connectedAt.toISOString(),
    tokenExpiresAt: a?.kind === 'user' ? new Date(a.expiresAt).toISOString() : null, remoteAddress: c.remoteAddress,
  };
}
