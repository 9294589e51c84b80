import { CrossTabRefresh } from './cross-tab.js';

export type MaybePromise<T> = T | Promise<T>;
/** Returns the current access token; null or '' means "do not connect yet". */
export type GetToken = () => MaybePromise<string | null | undefined>;
/** Gets a new access token (e.g. POST /v1/auth/refresh). null: refused, sign in again. A throw: try again later. */
export type RefreshToken = () => MaybePromise<string | null | undefined>;

export type RefreshOutcome =
  /** `refreshed`: it came from refreshToken (here or in another tab), not from getToken. */
  | { kind: 'token'; token: string; refreshed: boolean }
  /** The app has no token at all (signed out): wait for tokenChanged(). */
  | { kind: 'no_token' }
  /** The refresh was refused (or there is no way to refresh): the user must sign in again. */
  | { kind: 'refused' }
  /** The refresh failed for a reason that may pass (network, 5xx). */
  | { kind: 'failed'; error: unknown };

/** One refresh at a time per refresh function, across every client of this page that shares it. */
const inFlight = new WeakMap<RefreshToken, Promise<RefreshOutcome>>();

/**
 * Where tokens come from. `getToken` is asked before every connect and every
 * re-auth; a token obtained by `refreshToken` is used until the app's own
 * token changes, so an app that does not store refreshed tokens still works.
 */
export class TokenManager {
  private lastAppToken: string | undefined;
  private refreshed: string | undefined;
  private shareKey: string | undefined;

  constructor(
    private readonly getToken: GetToken,
    private readonly refreshToken: RefreshToken | undefined,
    private readonly crossTab: CrossTabRefresh | null,
  ) {}

  /** Tabs holding the same session share one refresh (refresh tokens rotate: two refreshes would spend one twice). */
  setShareKey(sessionId: string | null | undefined): void {
    this.shareKey = sessionId ?? undefined;
  }

  async current(): Promise<string | null> {
    const app = (await this.getToken()) || null;
    if (!app) return null;
    if (app !== this.lastAppToken) {
      this.lastAppToken = app;
      this.refreshed = undefined;
    }
    return this.refreshed ?? app;
  }

  /** A token other than `stale` (which failed or is about to expire). */
  async fresh(stale: string | undefined): Promise<RefreshOutcome> {
    const now = await this.current();
    if (!now) return { kind: 'no_token' };
    // The app (or another tab through shared storage) already has a newer token: no refresh needed.
    if (now !== stale) return { kind: 'token', token: now, refreshed: false };
    const refresh = this.refreshToken;
    if (!refresh) return { kind: 'refused' };
    let shared = inFlight.get(refresh);
    if (!shared) {
      const once = () => callRefresh(refresh);
      shared = (this.crossTab && this.shareKey ? this.crossTab.run(this.shareKey, once) : once()).finally(() => inFlight.delete(refresh));
      inFlight.set(refresh, shared);
    }
    const outcome = await shared;
    if (outcome.kind === 'token') this.refreshed = outcome.token;
    return outcome;
  }
}

async function callRefresh(refresh: RefreshToken): Promise<RefreshOutcome> {
  try {
    const token = await refresh();
    return token ? { kind: 'token', token, refreshed: true } : { kind: 'refused' };
  } catch (error) {
    return { kind: 'failed', error };
  }
}
