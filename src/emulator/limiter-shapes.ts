/**
 * The three server limiter shapes the emulator can play (pure: time in ms is passed in).
 * Each one answers "may this request pass now?" and, either way, what a server would say about
 * its quota: how many requests are left, when the quota is whole again, and how long a refused
 * client must wait before the next request can pass.
 *
 *  - token bucket: `rate` tokens per second, at most `burst` saved up (a burst of 1 means evenly
 *    spaced requests only);
 *  - fixed window: `rate × window` requests per window of `window` seconds, counted from the
 *    limiter's start; the count restarts at each window's end (APIM's `rate-limit` policy);
 *  - sliding window: at most `rate × window` requests in any `window` seconds (a sliding log).
 */
export type LimiterShape = 'token-bucket' | 'fixed-window' | 'sliding-window';

export interface LimiterVerdict {
  allowed: boolean;
  /** Requests that may still pass right now (after this one, when it was allowed). */
  remaining: number;
  /** Milliseconds until the quota is whole again (bucket full, window over, log empty). */
  resetMs: number;
  /** Milliseconds until the next request could pass (0 when one could pass now). */
  waitMs: number;
  /** The quota per window (requests), as rate-limit headers state it. */
  limit: number;
  /** The window the quota is counted over, seconds (1 for a token bucket). */
  windowSeconds: number;
}

export interface Limiter {
  readonly shape: LimiterShape;
  /** Counts a request at time `t` when it may pass. */
  take(t: number): LimiterVerdict;
  /** Changes the sustainable rate (req/s) from `t` on: a limit that drops or rises mid-run. */
  setRate(rate: number, t: number): void;
  /** Back to the starting state (whole quota) at time `t`. */
  reset(t: number): void;
}

export interface LimiterOptions {
  shape: LimiterShape;
  /** Sustainable requests per second. */
  rate: number;
  /** Token bucket size (default: one second of the rate, at least 1). */
  burst?: number | undefined;
  /** Window length in seconds for the window shapes (default 1). */
  windowSeconds?: number | undefined;
}

export function createLimiter(options: LimiterOptions, t: number): Limiter {
  if (!(options.rate > 0)) throw new Error('rate must be a positive number');
  switch (options.shape) {
    case 'token-bucket':
      return new TokenBucketLimiter(options.rate, options.burst, t);
    case 'fixed-window':
      return new FixedWindowLimiter(options.rate, options.windowSeconds ?? 1, t);
    case 'sliding-window':
      return new SlidingWindowLimiter(options.rate, options.windowSeconds ?? 1, t);
    default: {
      const never: never = options.shape;
      throw new Error(`unknown limiter shape ${String(never)}`);
    }
  }
}

class TokenBucketLimiter implements Limiter {
  readonly shape = 'token-bucket' as const;
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(private rate: number, burst: number | undefined, t: number) {
    this.burst = Math.max(1, burst ?? rate);
    this.tokens = this.burst;
    this.last = t;
  }

  private refill(t: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, t - this.last) / 1000) * this.rate);
    this.last = Math.max(this.last, t);
  }

  take(t: number): LimiterVerdict {
    this.refill(t);
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    return {
      allowed,
      remaining: Math.floor(this.tokens),
      resetMs: ((this.burst - this.tokens) / this.rate) * 1000,
      waitMs: this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000,
      limit: this.rate,
      windowSeconds: 1,
    };
  }

  setRate(rate: number, t: number): void {
    this.refill(t);
    this.rate = rate;
  }

  reset(t: number): void {
    this.tokens = this.burst;
    this.last = t;
  }
}

class FixedWindowLimiter implements Limiter {
  readonly shape = 'fixed-window' as const;
  private windowStart: number;
  private count = 0;
  private quota: number;

  constructor(private rate: number, private readonly windowSeconds: number, private origin: number) {
    this.windowStart = origin;
    this.quota = this.quotaFor(rate);
  }

  private quotaFor(rate: number): number {
    return Math.max(1, Math.round(rate * this.windowSeconds));
  }

  private roll(t: number): void {
    const w = this.windowSeconds * 1000;
    if (t < this.windowStart + w) return;
    this.windowStart = this.origin + Math.floor((t - this.origin) / w) * w;
    this.count = 0;
    // A new rate takes effect at the next window, as a quota renewal would.
    this.quota = this.quotaFor(this.rate);
  }

  take(t: number): LimiterVerdict {
    this.roll(t);
    const allowed = this.count < this.quota;
    if (allowed) this.count++;
    const toEnd = this.windowStart + this.windowSeconds * 1000 - t;
    return {
      allowed,
      remaining: this.quota - this.count,
      resetMs: toEnd,
      waitMs: this.count < this.quota ? 0 : toEnd,
      limit: this.quota,
      windowSeconds: this.windowSeconds,
    };
  }

  setRate(rate: number, t: number): void {
    this.roll(t);
    this.rate = rate;
  }

  reset(t: number): void {
    this.origin = t;
    this.windowStart = t;
    this.count = 0;
    this.quota = this.quotaFor(this.rate);
  }
}

class SlidingWindowLimiter implements Limiter {
  readonly shape = 'sliding-window' as const;
  /** Times of the requests let through in the last window (a ring would do; a log is clearer). */
  private log: number[] = [];
  private head = 0;
  private quota: number;

  constructor(rate: number, private readonly windowSeconds: number, _t: number) {
    this.quota = Math.max(1, Math.round(rate * windowSeconds));
  }

  private expire(t: number): void {
    const w = this.windowSeconds * 1000;
    while (this.head < this.log.length && (this.log[this.head] as number) <= t - w) this.head++;
    if (this.head > 4096 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head);
      this.head = 0;
    }
  }

  take(t: number): LimiterVerdict {
    this.expire(t);
    const w = this.windowSeconds * 1000;
    let used = this.log.length - this.head;
    const allowed = used < this.quota;
    if (allowed) {
      this.log.push(t);
      used++;
    }
    const oldest = this.log[this.head];
    const newest = this.log[this.log.length - 1];
    // The request that frees the next slot is the one `used - quota` places after the oldest.
    const freeing = used >= this.quota ? this.log[this.head + (used - this.quota)] : undefined;
    return {
      allowed,
      remaining: this.quota - used,
      resetMs: newest === undefined || oldest === undefined ? 0 : newest + w - t,
      waitMs: freeing === undefined ? 0 : freeing + w - t,
      limit: this.quota,
      windowSeconds: this.windowSeconds,
    };
  }

  setRate(rate: number, _t: number): void {
    this.quota = Math.max(1, Math.round(rate * this.windowSeconds));
  }

  reset(_t: number): void {
    this.log = [];
    this.head = 0;
  }
}
