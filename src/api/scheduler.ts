import { concurrencyFor, smoothRoundTrip } from './concurrency-control.js';
import type { StatedQuota } from './rate-limit-headers.js';
import { RateControl, type RatePhase } from './rate-control.js';
import { TokenBucket } from './rate-limit.js';
import { SendCount } from './send-count.js';
import type { ClientEvent } from './types.js';
import { raceAbort } from './abort.js';
import { NotSentError } from './errors.js';

/**
 * The one request scheduler of a run: every request (reads, writes, retries) passes through it.
 * It combines
 *  - a global pause: after a 429 (or a 503 with Retry-After) nobody sends until the server's
 *    Retry-After (or a jittered backoff when it sent none) has passed, not just the request that
 *    got it;
 *  - a pace per class of requests (reads, writes), learned from that class's 429s or read off
 *    the server's rate-limit headers (see rate-control.ts), never above the user's rate: a
 *    write-only quota never slows the reads;
 *  - a concurrency limit that keeps in flight about rate × round trip, up to the user's cap.
 */
export type RequestKind = 'read' | 'write';

export interface SchedulerOptions {
  concurrency?: number;
  /** The most requests per second the user allows (a ceiling for each class). */
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
  readonly kind: RequestKind;
  /** Position among the class's sends (episodes and header credit are counted in sends). */
  readonly seq: number;
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

interface ClassState {
  readonly control: RateControl;
  readonly pacer: TokenBucket;
  /** A window the server was read to have, as a count of this class's sends (see send-count.ts). */
  readonly sends: SendCount;
  sent: number;
  /** Sends with a smaller seq were on their way when the current episode began. */
  episodeSeq: number;
  /** The longest RateLimit-Reset seen: the window, when the server does not state one. */
  longestReset: number;
  /** Lowered on each 429 while pacing by headers: the headers were not the whole truth. */
  headerTrust: number;
  /**
   * The window the headers state (ms) while the server offers no more than its quota: sends are
   * then counted against it as against a window read from 429s. Undefined while the server
   * offers saved-up requests beyond the pace (a bucket's burst), which may then go early.
   */
  statedWindowMs: number | undefined;
  /** The quota per window the headers last stated (requests). */
  statedLimit: number | undefined;
  /** Let through and not yet released. */
  inFlight: number;
  /** Its last answer stated a quota: the server counts this class's requests against it. */
  quoted: boolean;
  /** The headers offered requests beyond the pace at some point (see followQuota). */
  spentEarly: boolean;
  lastRate: number | null;
  lastPhase: RatePhase | undefined;
}

/**
 * Counting by answers (see statedQuotaWait) only while the quickest round trip is at most this
 * share of the window: each answer comes a round trip after its send, so the count holds the pace
 * to about quota / (window + round trip). At 50 ms latency it held a stated 100/s to 0.93-0.96.
 */
const ANSWER_COUNT_MAX_ROUND_TRIP = 0.02;

export class RequestScheduler {
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly emit: (e: ClientEvent) => void;
  private readonly cap: number;
  private limit: number;
  private roundTrip: number | undefined;
  /** The quickest answer so far, ms. */
  private minRoundTrip = Infinity;
  /** When the server counted the requests whose answers stated a quota (see statedQuotaWait). */
  private readonly quotedAnswers = new SendCount();
  private readonly classes: Record<RequestKind, ClassState>;
  private lastKind: RequestKind = 'read';
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private pausedUntil = 0;
  private pauseStartedAt = 0;
  private pauses = 0;
  private pausedMsTotal = 0;
  /** A pause whose end has not been reported yet (reported by the next request that passes it). */
  private pauseOpen = false;

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
    this.cap = Math.max(1, Math.floor(options.concurrency ?? 8));
    this.limit = this.cap;
    const make = (): ClassState => {
      const control = new RateControl({ ceiling: options.rate });
      return {
        control,
        pacer: new TokenBucket({ rate: control.rateAt(this.now()), now: this.now, sleep: this.sleep }),
        sends: new SendCount(),
        sent: 0,
        episodeSeq: 0,
        longestReset: 1,
        headerTrust: 1,
        statedWindowMs: undefined,
        statedLimit: undefined,
        inFlight: 0,
        quoted: false,
        spentEarly: false,
        lastRate: null,
        lastPhase: undefined,
      };
    };
    this.classes = { read: make(), write: make() };
  }

  /**
   * Waits for the pause to end, a concurrency slot and the class's pace, in that order. When
   * `signal` aborts meanwhile (Ctrl+C), rejects with NotSentError at once: the request is not sent.
   */
  async acquire(kind: RequestKind = 'read', signal?: AbortSignal): Promise<Ticket> {
    const c = this.classes[kind];
    await this.waitWhilePaused(signal);
    await this.takeSlot(signal);
    try {
      for (;;) {
        await this.waitWhilePaused(signal);
        c.control.begin(this.now());
        this.updateRate(kind);
        await raceAbort(c.pacer.take(signal), signal, 'request');
        // Checked and recorded with no await in between: two woken together cannot both pass.
        for (let wait = this.countWait(c); wait > 0; wait = this.countWait(c)) {
          await raceAbort(this.sleep(wait, signal), signal, 'request');
        }
        // A pause may have begun while we waited for our turn: then wait again.
        if (this.now() >= this.pausedUntil) break;
      }
    } catch (e) {
      this.releaseSlot();
      throw e;
    }
    this.lastKind = kind;
    c.sends.record(this.now());
    c.inFlight++;
    const seq = c.sent++;
    let released = false;
    return {
      sentAt: this.now(),
      kind,
      seq,
      release: () => {
        if (released) return;
        released = true;
        c.inFlight--;
        this.releaseSlot();
      },
    };
  }

  /**
   * Any answer other than 429 (including errors): the server had capacity for it. The send time
   * is what counts for the rate estimate: the server counts a request when it arrives. `quota`
   * is what its rate-limit headers said, if any.
   */
  onAccepted(ticket: Ticket, quota?: StatedQuota): void {
    const c = this.classes[ticket.kind];
    const t = this.now();
    c.control.onAccepted(ticket.sentAt);
    const roundTrip = Math.max(0, t - ticket.sentAt);
    this.minRoundTrip = Math.min(this.minRoundTrip, roundTrip);
    c.quoted = quota !== undefined;
    if (c.quoted) this.quotedAnswers.record(t);
    this.roundTrip = smoothRoundTrip(this.roundTrip, roundTrip);
    if (quota !== undefined) this.followQuota(c, ticket, quota);
    this.updateLimit();
  }

  /**
   * A 429 for a request let through at `ticket.sentAt`. The first 429 of an episode pauses
   * everyone and re-estimates its class's rate; 429s for requests that were already on their way
   * when the episode began belong to it and change nothing more.
   */
  onThrottled(ticket: Ticket, retryAfterMs: number | undefined, fallbackMs: number, quota?: StatedQuota): void {
    const c = this.classes[ticket.kind];
    if (ticket.seq < c.episodeSeq) return;
    c.episodeSeq = c.sent;
    const waitMs = Math.max(50, retryAfterMs ?? fallbackMs);
    this.pause(waitMs, 429);
    if (c.control.phase === 'headers') c.headerTrust *= 0.95;
    const decision = c.control.onThrottled(ticket.sentAt, this.pausedUntil);
    if (quota !== undefined) this.followQuota(c, ticket, quota);
    c.pacer.setRate(c.control.rateAt(this.now()));
    this.emitRate(ticket.kind, decision.rate, true);
    this.updateLimit();
  }

  /** A 503 (or other answer) with Retry-After: pause everyone, but it says nothing about the rate. */
  onServerBusy(status: number, retryAfterMs: number): void {
    this.pause(Math.max(0, retryAfterMs), status);
  }

  snapshot(): SchedulerSnapshot {
    const t = this.now();
    const c = this.classes[this.classes.write.sent > 0 ? 'write' : this.lastKind];
    const paused = t < this.pausedUntil;
    return {
      concurrency: this.limit,
      concurrencyCap: this.cap,
      inFlight: this.active,
      rate: c.control.rateAt(t),
      estimatedServerRate: c.control.estimate ?? null,
      phase: c.control.phase,
      paused,
      pauses: this.pauses,
      pausedMs: this.pausedMsTotal + (this.pauseOpen ? Math.min(t, this.pausedUntil) - this.pauseStartedAt : 0),
    };
  }

  private followQuota(c: ClassState, ticket: Ticket, quota: StatedQuota): void {
    const t = this.now();
    if (quota.resetSeconds !== undefined) c.longestReset = Math.max(c.longestReset, quota.resetSeconds);
    if (quota.limit !== undefined) {
      // A new quota counts afresh: what was sent under the old one, the server allowed then
      // (counted against the new one, a limit halved mid-run held the run to half of it for 0.5 s).
      if (c.statedLimit !== undefined && quota.limit !== c.statedLimit) this.countAfresh(c, t);
      c.statedLimit = quota.limit;
      c.control.onStatedRate((c.headerTrust * quota.limit) / (quota.windowSeconds ?? c.longestReset), t);
    }
    const rate = c.control.rateAt(t);
    c.pacer.setRate(rate);
    // What the server had left when it counted this request, less what was sent after it,
    // plus what it refilled since at the stated rate.
    const sentSince = c.sent - ticket.seq - 1;
    const credit = quota.remaining - sentSince + (rate * Math.max(0, t - ticket.sentAt)) / 1000;
    c.pacer.limitTo(credit);
    // By the reset the quota is whole again whatever the limiter: what is left beyond what the
    // pace would send until then is wasted (a bucket overflows, a window ends), so it may go now.
    // A reserve stays unspent, for requests the server counts that this run did not send.
    let early = 0;
    if (c.control.phase === 'headers' && quota.resetSeconds !== undefined) {
      const reserve = Math.max(2, 0.1 * (quota.limit ?? 0));
      early = credit - rate * quota.resetSeconds - reserve;
      c.pacer.allowEarly(early);
    }
    // Paced at the stated rate, a server that stalls and then counts what arrived meanwhile
    // back to back sees a window's sends plus a stall's: measured at a sliding window, one 429
    // (and its whole-second pause) a run. So the client's own sends are counted against the
    // stated window too (see updateRate).
    const windowMs = c.control.phase === 'headers' && early <= 0 ? 1000 * (quota.windowSeconds ?? c.longestReset) : undefined;
    if (windowMs !== c.statedWindowMs) {
      // Sends made early, while the server offered them, do not count against the window.
      if (c.statedWindowMs === undefined && c.spentEarly) this.countAfresh(c, t);
      c.statedWindowMs = windowMs;
    }
    if (early > 0) c.spentEarly = true;
    this.updateRate(ticket.kind);
  }

  /** Both counts a stated window holds `c` to start again at `t`. */
  private countAfresh(c: ClassState, t: number): void {
    c.sends.countFrom(t);
    this.quotedAnswers.countFrom(t);
  }

  /** Milliseconds until one more send of class `c` keeps every count it is held to. */
  private countWait(c: ClassState): number {
    const t = this.now();
    return Math.max(c.sends.waitTime(t), this.statedQuotaWait(c, t));
  }

  /**
   * A server that states its quota per window (and offers no more) counts a request when it
   * arrives, which is before its answer comes back: so the requests it holds in its window when
   * one more arrives are at most those still on their way plus those answered in the last window.
   * Unlike a count of send times, this holds however long the network or the server stalled
   * (measured at the bench's proxy: 33 ms once, enough to put 101 in a window of 100 at 98.5/s).
   * Its cost is a round trip of the window (ANSWER_COUNT_MAX_ROUND_TRIP).
   */
  private statedQuotaWait(c: ClassState, t: number): number {
    if (c.control.phase !== 'headers' || c.statedWindowMs === undefined || c.statedLimit === undefined) return 0;
    if (!(this.minRoundTrip <= ANSWER_COUNT_MAX_ROUND_TRIP * c.statedWindowMs)) return 0;
    // Reads and writes alike, when the server counts both (the answers to both state the quota);
    // this class always, though its last answer (an error page, say) may have stated none.
    const onTheirWay = [this.classes.read, this.classes.write].reduce((n, k) => n + (k.quoted || k === c ? k.inFlight : 0), 0);
    const room = c.statedLimit - onTheirWay;
    // More on their way than the quota (a --concurrency above it): the answers decide.
    if (room < 1) return 1;
    this.quotedAnswers.setQuota({ count: room, ms: c.statedWindowMs });
    return this.quotedAnswers.waitTime(t);
  }

  private updateLimit(): void {
    // The classes in use share the slots; one still in its slow start has no rate to go by yet.
    const inUse = [this.classes.read, this.classes.write].filter((c) => c.sent > 0);
    const starting = inUse.length === 0 || inUse.some((c) => c.control.phase === 'start');
    const rate = inUse.reduce((sum, c) => sum + c.control.rateAt(this.now()), 0);
    const next = starting ? this.cap : concurrencyFor(rate, this.roundTrip, this.cap);
    if (next === this.limit) return;
    this.emit({ type: 'concurrency', limit: next, previous: this.limit, cap: this.cap });
    this.limit = next;
    this.pump();
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

  private updateRate(kind: RequestKind): void {
    const c = this.classes[kind];
    const rate = c.control.rateAt(this.now());
    if (rate !== c.pacer.rate) c.pacer.setRate(rate);
    // In any window, no more than the pace allows in it (1.5 % under the window's count when
    // first read; more as the rate probes upward): paced at 98.5/s alone, the client's own sends
    // reached 99 in some second, and the proxy counted 100 of them in one.
    const read = c.control.window;
    if (read !== undefined) c.sends.setQuota({ count: Math.floor((rate * read.ms) / 1000), ms: read.ms });
    else if (c.control.phase === 'headers' && c.statedWindowMs !== undefined) c.sends.setQuota({ count: Math.round((rate * c.statedWindowMs) / 1000), ms: c.statedWindowMs });
    else c.sends.setQuota(undefined);
    this.emitRate(kind, rate, false);
  }

  private emitRate(kind: RequestKind, rate: number, force: boolean): void {
    const c = this.classes[kind];
    const phase = c.control.phase;
    const prev = c.lastRate;
    const changed = force || phase !== c.lastPhase || prev === null || Math.abs(rate - prev) / prev >= 0.05;
    if (!changed) return;
    c.lastRate = rate;
    c.lastPhase = phase;
    this.emit({ type: 'rate', rate, previous: prev, estimate: c.control.estimate ?? null, phase });
  }

  private takeSlot(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(new NotSentError('request'));
    if (this.active < this.limit) {
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
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      (this.waiting.shift() as () => void)();
    }
  }
}
