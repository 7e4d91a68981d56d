/**
 * A token bucket shared by every request of a run: `rate` tokens per second, at most `burst`
 * saved up. Clock and sleep are injected so tests can drive it without waiting.
 *
 * `take()` reserves a token immediately (the balance may go negative) and then sleeps until the
 * reservation is covered, so concurrent callers queue up in order and the long-run rate holds even
 * when timers fire late.
 */
export interface TokenBucketOptions {
  /** Tokens per second; `undefined` = unlimited. */
  rate: number | undefined;
  /** Largest balance; default: 20 ms worth of tokens, at least 1 (smooth sending, small bursts). */
  burst?: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class TokenBucket {
  private ratePerMs: number | undefined;
  private burst: number;
  private readonly fixedBurst: number | undefined;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    this.now = options.now;
    this.sleep = options.sleep;
    this.fixedBurst = options.burst;
    this.ratePerMs = undefined;
    this.burst = 1;
    this.setRate(options.rate);
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Requests per second, or undefined when unlimited. */
  get rate(): number | undefined {
    return this.ratePerMs === undefined ? undefined : this.ratePerMs * 1000;
  }

  /** Changes the rate from now on (tokens already reserved keep their place). */
  setRate(rate: number | undefined): void {
    this.refill();
    if (rate === undefined || !Number.isFinite(rate)) {
      this.ratePerMs = undefined;
      return;
    }
    const r = Math.max(0.01, rate);
    this.ratePerMs = r / 1000;
    this.burst = this.fixedBurst ?? Math.max(1, r * 0.02);
    if (this.tokens > this.burst) this.tokens = this.burst;
  }

  /** Forgets saved-up tokens (after a pause the server's bucket is nearly empty, so do not burst). */
  drain(): void {
    this.refill();
    if (this.tokens > 0) this.tokens = 0;
  }

  /** Milliseconds a `take()` made now would wait (0 when a token is available). Does not reserve. */
  waitTime(): number {
    if (this.ratePerMs === undefined) return 0;
    this.refill();
    return this.tokens >= 1 ? 0 : (1 - this.tokens) / this.ratePerMs;
  }

  /** Reserves one token and resolves when it may be used (`signal` cuts the wait short). */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.ratePerMs === undefined) return;
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    const waitMs = -this.tokens / this.ratePerMs;
    await this.sleep(waitMs, signal);
  }

  private refill(): void {
    const t = this.now();
    if (this.ratePerMs !== undefined) {
      this.tokens = Math.min(this.burst, this.tokens + (t - this.last) * this.ratePerMs);
    }
    this.last = t;
  }
}
