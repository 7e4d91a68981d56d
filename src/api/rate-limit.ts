/**
 * The pacer of one class of requests: at most `rate` sends per second, evenly spaced, at most
 * `burst` (default 1) back to back. Clock and sleep are injected so tests drive it without waiting.
 *
 * It is the generic cell rate algorithm: `next` is the earliest time the next request may go.
 * A `take()` reserves its slot at once (so concurrent callers queue in order and the long-run
 * rate holds when timers fire late), then sleeps until it. With the default burst of 1 there
 * are no saved-up slots, and a request that wakes up late pushes the ones behind it back instead
 * of letting them all go at once: each send is at least half an interval after the one before,
 * so two never leave together and a server whose own burst is 1 sees even spacing whenever the
 * timers are on time.
 */
export interface TokenBucketOptions {
  /** Sends per second; `undefined` = unlimited. */
  rate: number | undefined;
  /** Largest number of requests sent back to back (default 1). */
  burst?: number;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Half an interval: never two at once, yet a busy machine's late timers are won back within a few
 * sends (a strict gap of a whole interval cost a fifth of the rate under load; measured).
 */
const MIN_GAP = 0.5;

export class TokenBucket {
  private intervalMs: number | undefined;
  private readonly burst: number;
  private next: number;
  private lastSent = -Infinity;
  /** Requests that may go without waiting for a slot (see allowEarly). */
  private early = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    this.now = options.now;
    this.sleep = options.sleep;
    this.burst = Math.max(1, options.burst ?? 1);
    this.next = -Infinity; // the whole burst is there at the start
    this.setRate(options.rate);
  }

  /** Sends per second, or undefined when unlimited. */
  get rate(): number | undefined {
    return this.intervalMs === undefined ? undefined : 1000 / this.intervalMs;
  }

  /** Changes the rate from now on (slots already reserved keep their place). */
  setRate(rate: number | undefined): void {
    this.intervalMs = rate === undefined || !Number.isFinite(rate) ? undefined : 1000 / Math.max(0.01, rate);
  }

  /** Forgets saved-up slots: the next request waits a whole interval from now. */
  drain(): void {
    const t = this.now();
    if (this.intervalMs !== undefined) this.next = Math.max(this.next, t + this.intervalMs * (this.burst - 1));
  }

  /**
   * The server said at most `credit` more requests may pass right now (rate-limit headers):
   * never send sooner than that allows, at this rate.
   */
  limitTo(credit: number): void {
    if (this.intervalMs === undefined) return;
    const t = this.now();
    const earliest = t + (1 - credit) * this.intervalMs - (this.burst - 1) * this.intervalMs;
    this.next = Math.max(this.next, earliest);
    this.early = Math.min(this.early, Math.max(0, Math.floor(credit)));
  }

  /**
   * The server said `credit` more requests may pass now that pacing would not use in time:
   * let that many go without waiting for their slots (half an interval apart with a burst of 1).
   */
  allowEarly(credit: number): void {
    this.early = this.intervalMs === undefined || !(credit >= 1) ? 0 : Math.floor(credit);
  }

  /** Milliseconds a `take()` made now would wait (0 when it could go now). Does not reserve. */
  waitTime(): number {
    if (this.intervalMs === undefined || this.early >= 1) return 0;
    return Math.max(0, this.slotFor(this.now()) - this.now());
  }

  /**
   * Resolves when this request's slot has come (`signal` cuts the wait short; an aborted take
   * uses no slot). Takes queue in order and only the first in line holds a slot: each computes
   * its slot at the rate of its turn, so a rate that rose (the slow start) or fell (a 429) applies
   * to the very next request, not after a queue of slots reserved at the old rate.
   */
  take(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs === undefined) return Promise.resolve();
    const turn = this.queue.then(() => this.pass(signal));
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async pass(signal: AbortSignal | undefined): Promise<void> {
    // A function, not a field read: the flag changes while we sleep.
    const aborted = (): boolean => signal?.aborted === true;
    if (aborted() || this.intervalMs === undefined) return;
    const early = this.early >= 1;
    if (early) this.early--;
    else {
      const t = this.now();
      const slot = this.slotFor(t);
      if (slot > t) await this.sleep(slot - t, signal);
      if (aborted()) return;
      this.next = Math.max(this.next, slot + (this.intervalMs ?? 0));
    }
    const interval = this.intervalMs ?? 0;
    // Woken late: keep the gap to the previous send, and move the queue behind us back
    // (with a burst of 1 only: a larger burst means back-to-back sends are fine).
    const gapLeft = this.burst > 1 ? 0 : this.lastSent + MIN_GAP * interval - this.now();
    if (gapLeft > 0) {
      if (!early) this.next += gapLeft;
      await this.sleep(gapLeft, signal);
    }
    this.lastSent = this.now();
  }

  private slotFor(t: number): number {
    const interval = this.intervalMs as number;
    return Math.max(this.next, t - (this.burst - 1) * interval);
  }
}
