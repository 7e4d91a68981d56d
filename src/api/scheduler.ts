import { aimdOnAccepted, aimdOnThrottle, initialAimd, type AimdState } from './concurrency-control.js';
import { RateControl, type RatePhase } from './rate-control.js';
import { TokenBucket } from './rate-limit.js';
import type { ClientEvent } from './types.js';
import { raceAbort } from './abort.js';
import { NotSentError } from './errors.js';

/**
 * The one request scheduler of a run: every request (reads, writes, retries) passes through it.
 * It combines
 *  - a global pause: after a 429 (or a 503 with Retry-After) nobody sends until the server's
 *    Retry-After has passed, not just the request that got it;
 *  - a concurrency limit, AIMD-adjusted below the cap on 429;
 *  - a token bucket whose rate is fixed (`rate`) or learned from the 429s (see rate-control.ts).
 */
export interface SchedulerOptions {
  concurrency?: number;
  rate?: number | undefined;
  now: () => number;
  /** `signal`: a sleep that can be cut short clears its timer on abort (the default one does). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: ((e: ClientEvent) => void) | undefined;
}

/** A permission to send one request; call `release()` when its response is fully read. */
export interface Ticket {
  /** When the request was let through (ms, scheduler clock). */
  readonly sentAt: number;
  release(): void;
}

export interface SchedulerSnapshot {
  concurrency: number;
  concurrencyCap: number;
  inFlight: number;
  rate: number | null;
  estimatedServerRate: number | null;
  phase: RatePhase;
  paused: boolean;
  pauses: number;
  pausedMs: number;
}

export class RequestScheduler {
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly emit: (e: ClientEvent) => void;
  private aimd: AimdState;
  private readonly control: RateControl;
  private readonly bucket: TokenBucket;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private pausedUntil = 0;
  private pauseStartedAt = 0;
  private episodeStartedAt = -Infinity;
  private pauses = 0;
  private pausedMsTotal = 0;
  /** A pause whose end has not been reported yet (reported by the next request that passes it). */
  private pauseOpen = false;
  private lastRateEmitted: number | null = null;
  private lastPhaseEmitted: RatePhase | undefined;

  constructor(options: SchedulerOptions) {
    this.now = options.now;
    this.sleep = options.sleep;
    const onEvent = options.onEvent;
    this.emit = onEvent === undefined ? () => {} : (e) => {
      try {
        onEvent(e);
      } catch {
        // A progress renderer must never break the run.
      }
    };
    this.aimd = initialAimd(options.concurrency ?? 8);
    this.control = new RateControl({ fixedRate: options.rate });
    this.bucket = new TokenBucket({ rate: options.rate, now: this.now, sleep: this.sleep });
    this.lastRateEmitted = options.rate ?? null;
    this.lastPhaseEmitted = this.control.phase;
  }

  /**
   * Waits for the pause to end, a concurrency slot and a rate token, in that order. When `signal`
   * aborts meanwhile (Ctrl+C), rejects with NotSentError at once: the request is not sent.
   */
  async acquire(signal?: AbortSignal): Promise<Ticket> {
    await this.waitWhilePaused(signal);
    await this.takeSlot(signal);
    try {
      for (;;) {
        await this.waitWhilePaused(signal);
        this.updateRate();
        await raceAbort(this.bucket.take(signal), signal, 'request');
        // A pause may have begun while we waited for the token: then wait again.
        if (this.now() >= this.pausedUntil) break;
      }
    } catch (e) {
      this.releaseSlot();
      throw e;
    }
    let released = false;
    return {
      sentAt: this.now(),
      release: () => {
        if (released) return;
        released = true;
        this.releaseSlot();
      },
    };
  }

  /**
   * Any answer other than 429 (including errors): the server had capacity for it. The send time
   * is what counts for the rate estimate: the server takes its token when the request arrives.
   */
  onAccepted(ticket: Ticket): void {
    this.control.onAccepted(ticket.sentAt);
    const before = this.aimd.limit;
    this.aimd = aimdOnAccepted(this.aimd);
    if (this.aimd.limit !== before) {
      this.emit({ type: 'concurrency', limit: this.aimd.limit, previous: before, cap: this.aimd.cap });
      this.pump();
    }
  }

  /**
   * A 429 for a request let through at `ticket.sentAt`. The first 429 of an episode pauses
   * everyone, halves the concurrency and re-estimates the rate; 429s for requests that were
   * already in flight when the episode began belong to it and change nothing more.
   */
  onThrottled(ticket: Ticket, retryAfterMs: number | undefined, fallbackMs: number): void {
    if (ticket.sentAt < this.episodeStartedAt) return;
    const t = this.now();
    const waitMs = Math.max(50, retryAfterMs ?? fallbackMs);
    this.episodeStartedAt = t;
    this.pause(waitMs, 429);
    const before = this.aimd.limit;
    this.aimd = aimdOnThrottle(this.aimd);
    if (this.aimd.limit !== before) this.emit({ type: 'concurrency', limit: this.aimd.limit, previous: before, cap: this.aimd.cap });
    const decision = this.control.onThrottled(ticket.sentAt, this.pausedUntil);
    this.bucket.setRate(decision.rate);
    this.emitRate(decision.rate ?? null, true);
  }

  /** A 503 (or other answer) with Retry-After: pause everyone, but it says nothing about the rate. */
  onServerBusy(status: number, retryAfterMs: number): void {
    this.pause(Math.max(0, retryAfterMs), status);
  }

  snapshot(): SchedulerSnapshot {
    const t = this.now();
    const rate = this.control.rateAt(t);
    const paused = t < this.pausedUntil;
    return {
      concurrency: this.aimd.limit,
      concurrencyCap: this.aimd.cap,
      inFlight: this.active,
      rate: rate ?? null,
      estimatedServerRate: this.control.estimate ?? null,
      phase: this.control.phase,
      paused,
      pauses: this.pauses,
      pausedMs: this.pausedMsTotal + (this.pauseOpen ? Math.min(t, this.pausedUntil) - this.pauseStartedAt : 0),
    };
  }

  private pause(ms: number, status: number): void {
    const t = this.now();
    const until = t + ms;
    if (until <= this.pausedUntil) return;
    if (t >= this.pausedUntil) {
      this.settlePause();
      this.pauses++;
      this.pauseStartedAt = t;
      this.pauseOpen = true;
      this.emit({ type: 'paused', untilMs: until, durationMs: ms, status });
    }
    this.pausedUntil = until;
  }

  /**
   * Reports the end of a pause once it is over. No timer of its own: a timer
   * would keep a finished run alive for up to Retry-After (57 s in the docs'
   * example); the next request through the gate reports it instead.
   */
  private settlePause(): void {
    if (!this.pauseOpen || this.now() < this.pausedUntil) return;
    this.pauseOpen = false;
    const pausedMs = Math.max(0, this.pausedUntil - this.pauseStartedAt);
    this.pausedMsTotal += pausedMs;
    this.emit({ type: 'resumed', pausedMs });
  }

  private async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const left = this.pausedUntil - this.now();
      if (left <= 0) {
        this.settlePause();
        return;
      }
      await raceAbort(this.sleep(left, signal), signal, 'request');
    }
  }

  private updateRate(): void {
    const rate = this.control.rateAt(this.now());
    if (rate !== this.bucket.rate) this.bucket.setRate(rate);
    this.emitRate(rate ?? null, false);
  }

  private emitRate(rate: number | null, force: boolean): void {
    const phase = this.control.phase;
    const prev = this.lastRateEmitted;
    const changed =
      force ||
      phase !== this.lastPhaseEmitted ||
      (prev === null) !== (rate === null) ||
      (prev !== null && rate !== null && Math.abs(rate - prev) / prev >= 0.05);
    if (!changed) return;
    this.lastRateEmitted = rate;
    this.lastPhaseEmitted = phase;
    this.emit({ type: 'rate', rate, previous: prev, estimate: this.control.estimate ?? null, phase });
  }

  private takeSlot(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(new NotSentError('request'));
    if (this.active < this.aimd.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      // Leaves the queue on abort: a slot is never handed to a request that will not be sent.
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new NotSentError('request'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private releaseSlot(): void {
    this.active--;
    this.pump();
  }

  private pump(): void {
    while (this.active < this.aimd.limit && this.waiting.length > 0) {
      this.active++;
      (this.waiting.shift() as () => void)();
    }
  }
}
