import type { Connection } from '../connection';

/** One address may hold at most this share of the unauthenticated slots (at least one). */
const PER_ADDRESS_SHARE = 0.25;

/**
 * Slots for sockets that opened with no credential and may stay silent until
 * WS_AUTH_TIMEOUT_MS. Sockets with a handshake credential never take one, so
 * a flood of silent sockets cannot refuse a client that authenticates at once;
 * and one address holds at most a quarter of the slots, so it cannot refuse
 * first-frame clients from everywhere else.
 */
export class UnauthenticatedSlots {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly holders = new WeakSet<Connection>();

  /** False when the socket must be refused 1013. */
  take(conn: Connection, max: number): boolean {
    const ip = conn.remoteAddress;
    const mine = this.byAddress.get(ip) ?? 0;
    if (this.total >= max || mine >= Math.max(1, Math.floor(max * PER_ADDRESS_SHARE))) return false;
    this.total++;
    this.byAddress.set(ip, mine + 1);
    this.holders.add(conn);
    return true;
  }

  release(conn: Connection): void {
    if (!this.holders.delete(conn)) return;
    this.total--;
    const left = (this.byAddress.get(conn.remoteAddress) ?? 1) - 1;
    if (left > 0) this.byAddress.set(conn.remoteAddress, left);
    else this.byAddress.delete(conn.remoteAddress);
  }

  get size(): number {
    return this.total;
  }
}
