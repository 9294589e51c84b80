export interface LivenessOptions {
  /** Authenticated and nothing heard from the server for this long (ms): send `ping`. Default 30000. */
  idleMs?: number;
  /** After that `ping`, nothing at all heard for this long (ms): the connection is dead. Default 10000. */
  pongTimeoutMs?: number;
  /** From opening a socket, no `ready` (and no close) within this long (ms): the attempt is dead. Default 20000. */
  connectTimeoutMs?: number;
}

export type ResolvedLiveness = Required<LivenessOptions>;

export const LIVENESS_DEFAULTS: ResolvedLiveness = { idleMs: 30_000, pongTimeoutMs: 10_000, connectTimeoutMs: 20_000 };

/** `false` turns the watchdog off; every value must be a positive number of milliseconds. */
export function resolveLiveness(options: LivenessOptions | false | undefined): ResolvedLiveness | null {
  if (options === false) return null;
  const resolved = { ...LIVENESS_DEFAULTS };
  for (const key of Object.keys(LIVENESS_DEFAULTS) as Array<keyof ResolvedLiveness>) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(`PortcullisClient: liveness.${key} must be a positive number of milliseconds`);
    }
    resolved[key] = value;
  }
  return resolved;
}

type Phase = 'off' | 'handshake' | 'idle' | 'awaiting';

/**
 * check() sends nothing within this long of an answered ping: the answer is
 * that fresh, and a network that flaps (`online` after `online`) costs at
 * most about one ping a second.
 */
export const CHECK_SPACING_MS = 1000;

/**
 * Notices a connection that went quiet without closing: a laptop that slept,
 * a phone that changed networks, a NAT or proxy that forgot the flow. The
 * socket stays "open" and TCP may take many minutes to say otherwise, while
 * the app believes it is live. From opening until `ready` it allows
 * connectTimeoutMs; once authenticated, after idleMs without any frame from
 * the server it sends `ping`, and if nothing at all arrives within
 * pongTimeoutMs it declares the connection dead. check() brings that ping
 * forward when the page learns the network changed (page-signals.ts).
 *
 * One timer, re-armed lazily: a frame only records the time it arrived (the
 * first one after a ping also ends the wait for its answer), so a busy stream
 * costs nothing here, and a quiet one one ping per idleMs.
 */
export class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private phase: Phase = 'off';
  private lastHeard = 0;
  /** When a ping (the idle one or check()'s) was last answered; -Infinity on a new socket. */
  private lastAnswered = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: ResolvedLiveness,
    private readonly sendPing: () => void,
    private readonly dead: (why: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A socket was opened: it has connectTimeoutMs to reach `ready`. */
  opening(): void {
    this.phase = 'handshake';
    this.lastAnswered = Number.NEGATIVE_INFINITY;
    this.arm(this.options.connectTimeoutMs);
  }

  /** Any frame from the server: the answer to a ping, or anything else. */
  heard(): void {
    this.lastHeard = this.now();
    if (this.phase !== 'awaiting') return;
    this.lastAnswered = this.lastHeard;
    this.phase = 'idle';
    this.arm(this.options.idleMs);
  }

  /** Authenticated: from now on, silence is what counts. */
  ready(): void {
    this.lastHeard = this.now();
    this.phase = 'idle';
    this.arm(this.options.idleMs);
  }

  /**
   * Something outside says the path may have changed under the socket (the
   * network came back, the page is shown again): ping now and allow
   * pongTimeoutMs for an answer, instead of waiting out idleMs. Frames heard
   * before the change prove nothing about the path after it, so silence is
   * not asked for. Returns whether a ping went out: not before `ready` (the
   * connect deadline stands), not while a ping waits for its answer (its
   * deadline stands), and not within CHECK_SPACING_MS of an answered one.
   */
  check(): boolean {
    if (this.phase !== 'idle') return false;
    const sinceAnswer = this.now() - this.lastAnswered;
    if (sinceAnswer >= 0 && sinceAnswer < CHECK_SPACING_MS) return false;
    this.phase = 'awaiting';
    this.arm(this.options.pongTimeoutMs);
    this.sendPing();
    return true;
  }

  stop(): void {
    this.phase = 'off';
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), Math.max(0, ms));
  }

  private fire(): void {
    this.timer = undefined;
    const { idleMs, pongTimeoutMs, connectTimeoutMs } = this.options;
    const now = this.now();
    switch (this.phase) {
      case 'handshake':
        this.phase = 'off';
        return this.dead(`no ready within ${connectTimeoutMs} ms`);
      case 'idle': {
        // A clock that went backwards counts as just heard.
        const quiet = Math.max(0, now - this.lastHeard);
        if (quiet < idleMs) return this.arm(idleMs - quiet);
        this.phase = 'awaiting';
        this.arm(pongTimeoutMs);
        return this.sendPing();
      }
      case 'awaiting': // nothing heard since the ping (heard() ends this phase)
        this.phase = 'off';
        return this.dead(`no answer to ping within ${pongTimeoutMs} ms`);
      case 'off':
        return;
    }
  }
}
