export interface BackoffOptions {
  /** The first delay's ceiling (ms). Default 500. */
  initialMs?: number;
  /** No delay exceeds this (ms). Default 30000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Failed attempts in a row before the client gives up (`closed`, RetriesExhaustedError). Default: never. */
  maxAttempts?: number;
  /** Source of randomness in [0, 1); tests may pin it. Default Math.random. */
  random?: () => number;
}

export type ResolvedBackoff = Required<BackoffOptions>;

export function resolveBackoff(options: BackoffOptions = {}): ResolvedBackoff {
  return {
    initialMs: options.initialMs ?? 500,
    maxMs: options.maxMs ?? 30_000,
    factor: options.factor ?? 2,
    maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
    random: options.random ?? Math.random,
  };
}

/**
 * "Full jitter" (AWS architecture blog, 2015): a uniform delay between 0 and
 * the capped exponential ceiling. Spreading reconnects over the whole window
 * keeps a fleet of clients from returning in step after a server restart.
 * `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, b: ResolvedBackoff): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * Math.pow(b.factor, Math.max(0, attempt)));
  return Math.floor(b.random() * ceiling);
}

/**
 * The one wait the connection loop may be in (for a retry, or for a token):
 * its timer, when it ends, and whether something may cut it short.
 */
export class BackoffWait {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private endsAt = 0;
  private mayCut = false;
  private lastCut = false;

  constructor(private readonly random: () => number = Math.random, private readonly now: () => number = Date.now) {}

  get pending(): boolean {
    return this.timer !== undefined;
  }

  start(delay: number, then: () => void): void {
    this.clear();
    this.endsAt = this.now() + delay;
    this.mayCut = !this.lastCut;
    this.lastCut = false;
    this.arm(delay, then);
  }

  /**
   * Runs `then` instead, at a random point within `withinMs` (or by the
   * wait's own end, if sooner), so the clients of a network that comes back
   * do not all arrive in one instant. At most once per wait, and never two
   * waits in a row: if the attempt brought forward fails, the next wait runs
   * its full length, so however fast the network flaps, attempts come at most
   * twice as often as the backoff alone allows. False when it did nothing.
   */
  cutShort(withinMs: number, then: () => void): boolean {
    if (this.timer === undefined || !this.mayCut) return false;
    this.mayCut = false;
    this.lastCut = true;
    this.arm(Math.floor(this.random() * Math.min(withinMs, Math.max(0, this.endsAt - this.now()))), then);
    return true;
  }

  /** A connection got through: the next wait may be cut short again. */
  settled(): void {
    this.lastCut = false;
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delay: number, then: () => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      then();
    }, delay);
  }
}
