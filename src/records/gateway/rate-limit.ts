/**
 * The per-requester bound of the gateway: a token bucket per requesting account, refilled at
 * `perMinute` requests a minute and holding at most `burst`. Its own few lines rather than a rate
 * limiter middleware (such as hono-rate-limiter): the key is the requester a request's signature
 * proves, known only inside the route after the signature check, so that nobody can spend another
 * requester's allowance by naming it in an unsigned or forged request.
 */
export interface RateLimitOptions {
  /** Requests a requester may make per minute, sustained (default 120). */
  perMinute?: number;
  /** Requests a requester may make at once, after being idle (default 30). */
  burst?: number;
}

/** Most requesters tracked at once; beyond it, the requesters with full buckets are forgotten first. */
const MAX_TRACKED = 10_000;

export class RequesterRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(
    options: RateLimitOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    const perMinute = options.perMinute ?? 120;
    this.burst = options.burst ?? 30;
    if (!(perMinute > 0) || !(this.burst >= 1)) throw new RangeError("rate limit: perMinute > 0 and burst >= 1");
    this.ratePerMs = perMinute / 60_000;
  }

  /**
   * Takes one request from `requester`'s allowance: 0 when allowed, else the seconds until it may ask
   * again (for `Retry-After`).
   */
  take(requester: string): number {
    const key = requester.toLowerCase();
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.ratePerMs);
    bucket.at = now;
    this.buckets.delete(key); // re-inserted last: the map's order is least recently seen first
    this.buckets.set(key, bucket);
    if (this.buckets.size > MAX_TRACKED) this.forgetIdle(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000));
  }

  /** Forgets requesters whose allowance is whole again (they lose nothing by being forgotten). */
  private forgetIdle(now: number): void {
    for (const [key, b] of this.buckets) {
      if (this.buckets.size <= MAX_TRACKED) break;
      if (b.tokens + (now - b.at) * this.ratePerMs >= this.burst) this.buckets.delete(key);
    }
    // Still full of busy requesters: drop the least recently seen (they restart with a full bucket).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= MAX_TRACKED) break;
      this.buckets.delete(key);
    }
  }
}
