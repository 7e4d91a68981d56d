import type { SendQuota } from './send-count.js';
import { firstEstimate, MAX_RATE, PRIOR_BURST_SECONDS, solveLimit, type Segment } from './limit-fit.js';

/**
 * The request rate of one class of requests (reads or writes), learned from 429s (pure: time is
 * passed in, in ms). The scheduler paces requests at `rateAt(t)`, evenly spaced.
 *
 * The model. Whatever its shape, a server limiter lets through, over any stretch of time T, at
 * most about R·T + C requests: R is the sustainable rate, C what it saves up (a token bucket's
 * burst, a window's quota). A 429 says "nothing is saved right now". Between two 429s the server
 * was empty at both ends, so the requests it accepted in between are what it refilled in between,
 * less what overflowed while it was full: for a bucket of capacity C, replaying the accepted send
 * times through a bucket of rate R that starts empty at the first 429 must end empty at the
 * second. C itself is read off the same log: the server must have held at least the largest
 * (accepted in a stretch − R × its length), so C and R are solved together (a fixed point). A
 * long Retry-After pause is then credited with at most C saved requests, never a whole pause of
 * them; a fixed window (its quota at once, then nothing to the window's end) and a sliding window
 * fit the same model with C = the quota.
 *
 * Phases:
 *  - `start`: nothing known. Slow start: from `startRate` (20/s, whatever the ceiling: a ceiling
 *    five times too high must cost nothing) the rate grows ×`rampPerSecond` (256) per second, so
 *    the first 429 comes within about a second, after at most `--concurrency` requests too many.
 *    One 429 cannot tell a fast server with a small burst from a slower one with a larger burst;
 *    the first estimate assumes a burst of a tenth of a second of the rate (see
 *    PRIOR_BURST_SECONDS), and a quick ramp makes that estimate the least sensitive to the
 *    guess. A slow start the ceiling had stopped did not overshoot: its 429 is treated as a
 *    settled one.
 *  - `settled`: the estimate E is the replay above over the last two 429s, made again when the
 *    pause ends (answers to requests sent before the 429 then count, which matters on a slow
 *    server). The rate is
 *    `headroom × E`, never more than 0.98 × the rate that was throttled (a 429 always lowers the
 *    rate), then rises slowly and, the longer no 429 comes, faster (a cubic in the time since the
 *    last 429, as TCP CUBIC does): a limit that rose is found in tens of seconds, a steady one is
 *    probed rarely. A window read as N in W (see solveLimit) is paced at 0.985 × N/W, held as a
 *    count of sends (`window`, kept by the scheduler), probed only after 30 s, and survives one
 *    429 under it in 30 s (a stall's doing), not two.
 *  - `headers`: the server states its quota (rate-limit headers): the rate is 0.985 × quota per
 *    window and the scheduler never sends more than the remaining count, and sends at once what
 *    the pace would leave unused by the reset (see scheduler.ts); no 429 needs to be provoked.
 * A user's rate (`ceiling`) bounds every phase; it is never a belief about the server.
 */
export interface RateControlOptions {
  /** The most requests per second the user allows; undefined = no ceiling. */
  ceiling?: number | undefined;
  /** Where the slow start begins (req/s). */
  startRate?: number;
  /** Growth per second in the slow start. */
  rampPerSecond?: number;
  /** Fraction of the estimated limit to settle at. */
  headroom?: number;
}

export type RatePhase = 'start' | 'settled' | 'headers';

/** What the last 429's decision rested on: the first 429's guess, a bucket fit, or a window fit. */
export type RateModel = 'guess' | 'bucket' | 'window';

export interface ThrottleDecision {
  /** The rate (req/s) from the end of the pause on. */
  rate: number;
  /** The server limit the replay estimated (req/s). */
  estimate: number | undefined;
  /** The server's saved-up allowance the replay estimated (requests). */
  capacity: number | undefined;
  phase: RatePhase;
}

const SEGMENT_MEMORY_MS = 60_000;
/** Cubic probing: +0.1 % per second plus this × seconds³ (≈ +10 % after 30 s without a 429). */
const PROBE_LINEAR = 0.001;
const PROBE_CUBIC = 3.7e-6;
const HEADER_HEADROOM = 0.985;
const WINDOW_PROBE_DELAY_MS = 30_000;
/** A window in force survives one 429 under it in this long (see decide). */
const WINDOW_DOUBT_MS = 30_000;
/**
 * Paced at exactly the user's rate, a server whose limit is that rate and whose burst is 1 would
 * refuse every request that arrives a little early; 1.5 % below it absorbs some jitter.
 */
const CEILING_SHARE = 0.985;

export class RateControl {
  private readonly ceiling: number;
  private readonly startRate: number;
  private readonly ramp: number;
  private readonly headroom: number;
  private phaseValue: RatePhase = 'start';
  private base: number;
  private baseTime: number | undefined;
  /** Send times of accepted requests since the last 429 (ascending after sort). */
  private log: number[] = [];
  private lastEpisode: number | undefined;
  /** The stretches between recent 429s, for the fit (see solveLimit). */
  private segments: Segment[] = [];
  private startedAt: number | undefined;
  private lastEstimate: number | undefined;
  private lastCapacity: number | undefined;
  /** The capacity the last fit found (not the first guess's prior). */
  private knownCapacity: number | undefined;
  private modelValue: RateModel | undefined;
  private windowValue: SendQuota | undefined;
  /** The 429 (its send time) that the window in force was given the benefit of the doubt for. */
  private windowDoubt: number | undefined;
  /** How long after a 429 the upward probe begins (ms). */
  private probeDelayMs = 0;
  /** The last 429's decision, made again once its pause is over. */
  private pending: { current: number; first: boolean; held: boolean; resumeAt: number } | undefined;

  constructor(options: RateControlOptions = {}) {
    this.ceiling = options.ceiling ?? MAX_RATE;
    this.startRate = Math.min(this.ceiling, options.startRate ?? 20);
    this.ramp = options.rampPerSecond ?? 256;
    this.headroom = options.headroom ?? 0.97;
    this.base = this.startRate;
  }

  get phase(): RatePhase {
    return this.phaseValue;
  }

  /** What the last 429's decision rested on (undefined before the first 429). */
  get model(): RateModel | undefined {
    return this.modelValue;
  }

  /**
   * The server's window when the last fit read one (N requests in any W ms): the scheduler then
   * never sends more in any W than the pace allows (0.985 × N at first), whatever its timers do
   * (see send-count.ts).
   */
  get window(): SendQuota | undefined {
    // Stated rate-limit headers say what is left: they overrule a window read from 429s.
    return this.phaseValue === 'settled' ? this.windowValue : undefined;
  }

  /** The server limit estimated at the last 429 (req/s). */
  get estimate(): number | undefined {
    return this.lastEstimate;
  }

  /** The saved-up allowance estimated at the last 429 (requests). */
  get capacity(): number | undefined {
    return this.lastCapacity;
  }

  /** The rate to pace at, at time `t` (req/s). */
  rateAt(t: number): number {
    if (this.pending !== undefined && t >= this.pending.resumeAt) {
      this.decide();
      this.pending = undefined;
    }
    // Not started yet (no request sent): the slow start's clock has not begun.
    const dt = this.baseTime === undefined ? 0 : Math.max(0, t - this.baseTime) / 1000;
    let rate: number;
    switch (this.phaseValue) {
      case 'start':
        rate = this.base * this.ramp ** dt;
        break;
      case 'settled':
        {
          const probing = Math.max(0, dt - this.probeDelayMs / 1000);
          rate = this.base * (1 + PROBE_LINEAR * probing + PROBE_CUBIC * probing ** 3);
        }
        break;
      case 'headers':
        rate = this.base;
        break;
      default: {
        const never: never = this.phaseValue;
        return never;
      }
    }
    return Math.min(this.ceiling * CEILING_SHARE, MAX_RATE, rate);
  }

  /**
   * A request of this class is about to be paced, at `t`: the slow start's clock begins with the
   * first (not when the client was made: a run may read and check files for seconds first).
   */
  begin(t: number): void {
    this.baseTime ??= t;
  }

  /** A request sent at `t` was accepted (any answer but 429). */
  onAccepted(t: number): void {
    this.baseTime ??= t;
    this.startedAt ??= t;
    // Sent before the last 429 was sent, answered after it (a slow server): it belongs to the
    // stretch before, which the next fit reads again.
    if (this.lastEpisode !== undefined && t <= this.lastEpisode) {
      const home = this.segments.find((s) => t <= s.end && (t > s.start || s.startFull));
      if (home !== undefined) insertSorted(home.accepted, t);
      return;
    }
    this.log.push(t);
    if (this.log.length > 500_000) this.log = this.log.slice(-250_000); // older history: conservative
  }

  /** The server stated its quota: `perSecond` sustainable requests per second. */
  onStatedRate(perSecond: number, t: number): void {
    if (!(perSecond > 0)) return;
    this.rateAt(t);
    this.phaseValue = 'headers';
    this.base = HEADER_HEADROOM * perSecond;
    this.baseTime = t;
    this.lastEstimate = perSecond;
  }

  /**
   * The first 429 of a throttling episode, for a request sent at `t`; the run resumes at
   * `resumeAt`. 429s for requests sent before it belong to the same episode (the scheduler
   * reports only the first).
   */
  onThrottled(t: number, resumeAt: number): ThrottleDecision {
    const current = this.rateAt(t);
    this.log.sort((a, b) => a - b);
    const accepted = this.log.filter((at) => at <= t);
    // A slow start the ceiling had stopped did not overshoot: the server refused at the rate the
    // user gave, so it is only a little slower than that (see decide).
    const starting = this.lastEpisode === undefined || this.phaseValue === 'start';
    const held = starting && this.ceiling < MAX_RATE && current >= this.ceiling * CEILING_SHARE * 0.9;
    const first = starting && !held;
    const segment: Segment = { start: this.lastEpisode ?? this.startedAt ?? t, startFull: this.lastEpisode === undefined, accepted, end: t };
    this.segments = [...this.segments.filter((s) => s.end > t - SEGMENT_MEMORY_MS).slice(-3), segment];
    this.phaseValue = 'settled';
    this.baseTime = resumeAt;
    this.lastEpisode = t;
    // Requests sent after the 429'd one but answered later belong to the next stretch.
    this.log = this.log.filter((at) => at > t);
    this.pending = { current, first, held, resumeAt };
    this.decide();
    return { rate: this.base, estimate: this.lastEstimate, capacity: this.lastCapacity, phase: this.phaseValue };
  }

  /**
   * Sets the rate from the stretches between 429s. Run at the 429 and again when its pause ends:
   * requests sent before the 429 but answered during the pause (a slow server) count by then.
   */
  private decide(): void {
    const p = this.pending;
    if (p === undefined) return;
    const latest = this.segments[this.segments.length - 1] as Segment;
    let estimate: number | undefined;
    let capacity: number | undefined;
    let window = false;
    let stepDown = false;
    let doubted = false;
    if (p.first || p.held) {
      // Slow start: one 429 cannot tell a fast server with a small burst from a slower one with
      // a larger burst (see firstEstimate); never above the rate the last requests went out at.
      // Refused at once (a server slower than the slow start begins): nothing was measured, so
      // half the rate it was refused at.
      const recent = recentRate(latest.accepted) ?? p.current / 2;
      estimate = Math.min(recent, firstEstimate(latest) ?? recent);
      // Refused at (nearly) the user's rate: the server is likely a little slower than that rate,
      // so step down; if it is far slower, the next 429 is fitted.
      stepDown = p.held;
      if (stepDown) estimate = undefined;
    } else {
      let fit = solveLimit(this.segments, this.knownCapacity);
      // A window read as N/W that the server refused under is not the server's window (a small
      // bucket looks like "2 C in C/R seconds" over a short log): fit a bucket instead. Once,
      // when that window was already in force, the 429 may be the network's doing (a stall that
      // moved a request or two into the window; measured at the bench's proxy): the window then
      // stands and the rate only steps down. Fitted as a bucket, such a 429 read the 100-in-1-s
      // window as 68/s for the rest of the run. One such 429 in WINDOW_DOUBT_MS, not one a run:
      // the probe above the window meets it too.
      if (fit?.window === true && fit.rate * HEADER_HEADROOM >= p.current * 0.98) {
        const inForce = this.windowValue !== undefined && this.windowValue.count === fit.capacity;
        const doubtable = this.windowDoubt === undefined || this.windowDoubt === this.lastEpisode || (this.lastEpisode ?? 0) - this.windowDoubt >= WINDOW_DOUBT_MS;
        if (inForce && doubtable) {
          this.windowDoubt = this.lastEpisode;
          doubted = true;
        } else fit = solveLimit(this.segments, this.knownCapacity, false);
      }
      estimate = fit?.rate;
      capacity = fit?.capacity;
      window = fit?.window === true;
    }
    // A 429 always lowers the rate, by at least 2 %. After the first 429 by at most half at a
    // time: the fit can err low (a pause mistaken for saved-up requests) and a rate too low is
    // slow to recover; the slow start's own overshoot is not a rate the server ever allowed, and
    // a window read as N/W is exact.
    // N in W seconds is read exactly: only timing jitter needs room.
    const headroom = window ? HEADER_HEADROOM : this.headroom;
    let next = stepDown ? p.current * 0.95 : estimate === undefined ? p.current * 0.5 : estimate * headroom;
    if (doubted) next = p.current * 0.98;
    next = Math.min(next, p.current * 0.98);
    if (!p.first && !p.held && !window) next = Math.max(p.current * 0.5, next);
    this.modelValue = window ? 'window' : p.first || p.held ? 'guess' : 'bucket';
    const read = window && estimate !== undefined && capacity !== undefined ? { count: capacity, ms: (capacity / estimate) * 1000 } : undefined;
    if (read?.count !== this.windowValue?.count || read?.ms !== this.windowValue?.ms) {
      this.windowValue = read;
      this.windowDoubt = undefined;
    }
    this.base = Math.max(0.05, next);
    // N in any W seconds is exact once read: probing above it only buys a whole-second pause,
    // so it waits (a window that grows is still found, later).
    this.probeDelayMs = window ? WINDOW_PROBE_DELAY_MS : 0;
    this.lastEstimate = estimate;
    this.lastCapacity = capacity ?? (estimate === undefined ? undefined : estimate * PRIOR_BURST_SECONDS);
    // A window's quota is not a bucket's burst: kept, it would make the next bucket fit absurd.
    if (capacity !== undefined && !window) this.knownCapacity = capacity;
  }
}

function insertSorted(list: number[], t: number): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as number) > t) i--;
  list.splice(i, 0, t);
}

/** The rate the last few accepted requests were sent at (req/s), from their spacing. */
function recentRate(accepted: readonly number[]): number | undefined {
  const n = Math.min(3, accepted.length - 1);
  if (n < 1) return undefined;
  const span = (accepted[accepted.length - 1] as number) - (accepted[accepted.length - 1 - n] as number);
  return span > 0 ? (n * 1000) / span : undefined;
}
