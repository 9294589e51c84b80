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
