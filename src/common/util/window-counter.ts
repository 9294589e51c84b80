/**
 * Counts events per key over a sliding one-minute window (two fixed buckets,
 * weighted), in memory. Cheap enough for per-frame and per-attempt use.
 */
export class WindowCounter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private bucketStart: number;

  constructor(private readonly windowMs = 60_000, private readonly now: () => number = Date.now) {
    this.bucketStart = now();
  }

  /** Adds one event and returns the weighted count in the window, this one included. */
  hit(key: string): number {
    this.roll();
    const n = (this.current.get(key) ?? 0) + 1;
    this.current.set(key, n);
    return this.weighted(key, n);
  }

  count(key: string): number {
    this.roll();
    return this.weighted(key, this.current.get(key) ?? 0);
  }

  reset(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  private weighted(key: string, current: number): number {
    const elapsed = (this.now() - this.bucketStart) / this.windowMs;
    return current + Math.floor((this.previous.get(key) ?? 0) * Math.max(0, 1 - elapsed));
  }

  private roll(): void {
    const t = this.now();
    if (t - this.bucketStart < this.windowMs) return;
    this.previous = t - this.bucketStart < 2 * this.windowMs ? this.current : new Map();
    this.current = new Map();
    this.bucketStart = t - ((t - this.bucketStart) % this.windowMs);
  }
}
