/**
 * Token bucket throttling of API requests: `rate` tokens per second, at most
 * `burst` saved up. An empty bucket means 429 with an integer Retry-After.
 */
export interface RateLimitOptions {
  /** Requests per second. */
  rate: number;
  /** Bucket size (default: rate, at least 1). */
  burst?: number;
  now?: () => number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.rate > 0)) throw new Error('rate must be a positive number');
    this.burst = Math.max(1, options.burst ?? options.rate);
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.burst;
    this.last = this.now();
  }

  reset(): void {
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Takes a token; returns undefined when allowed, else the whole seconds to wait (at least 1). */
  take(): number | undefined {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.options.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.options.rate));
  }
}
