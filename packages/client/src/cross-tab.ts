import type { RefreshOutcome } from './tokens.js';

/** Runs a refresh so that, across the tabs of one origin, one tab refreshes and the others reuse its token. */
export interface CrossTabRefresh {
  run(key: string, refresh: () => Promise<RefreshOutcome>): Promise<RefreshOutcome>;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}
interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  /** Node's BroadcastChannel only: stop it keeping the process alive. */
  unref?(): unknown;
}
type ChannelCtor = new (name: string) => ChannelLike;

const CHANNEL = 'portcullis-refresh';

/**
 * Web Locks serialise the refresh across tabs; BroadcastChannel hands the
 * result to the tabs that were waiting. A tab that gets the lock after another
 * tab refreshed (since it asked) takes that token instead of spending the
 * rotated refresh token a second time, which the server treats as reuse and
 * answers by revoking the session.
 */
export function createCrossTabRefresh(locks: LockManagerLike, Channel: ChannelCtor, now: () => number = Date.now): CrossTabRefresh {
  const latest = new Map<string, { token: string; at: number }>();
  const channel = new Channel(CHANNEL);
  channel.onmessage = (event) => {
    const m = event.data as { key?: unknown; token?: unknown; at?: unknown } | null;
    if (m && typeof m.key === 'string' && typeof m.token === 'string' && typeof m.at === 'number') latest.set(m.key, { token: m.token, at: m.at });
  };
  // Node 24 has both Web Locks and BroadcastChannel, so a script or server gets this coordinator too (shared between
  // its worker threads); a channel listening there is a handle that would keep the process from ever exiting.
  channel.unref?.();
  return {
    run(key, refresh) {
      const askedAt = now();
      return locks.request(`${CHANNEL}:${key}`, async () => {
        const shared = latest.get(key);
        if (shared && shared.at >= askedAt) return { kind: 'token', token: shared.token, refreshed: true };
        const outcome = await refresh();
        if (outcome.kind === 'token') {
          const message = { key, token: outcome.token, at: now() };
          latest.set(key, message);
          channel.postMessage(message);
        }
        return outcome;
      });
    },
  };
}

let pageWide: CrossTabRefresh | null | undefined;

/**
 * The page's coordinator, or null where Web Locks or BroadcastChannel are missing (Node before 24, old browsers).
 * In Node 24 and later it coordinates the worker threads of one process, and never keeps that process alive.
 */
export function browserCrossTab(): CrossTabRefresh | null {
  if (pageWide !== undefined) return pageWide;
  const g = globalThis as { navigator?: { locks?: LockManagerLike }; BroadcastChannel?: ChannelCtor };
  pageWide = g.navigator?.locks && g.BroadcastChannel ? createCrossTabRefresh(g.navigator.locks, g.BroadcastChannel) : null;
  return pageWide;
}
