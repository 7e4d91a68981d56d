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
 *    probed rarely.
 *  - `headers`: the server states its quota (rate-limit headers): the rate is 0.985 × quota per
 *    window and the scheduler never sends more than the remaining count (see scheduler.ts); no
 *    429 needs to be provoked.
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

const MAX_RATE = 100_000;
/** Cubic probing: +0.1 % per second plus this × seconds³ (≈ +10 % after 30 s without a 429). */
const PROBE_LINEAR = 0.001;
const PROBE_CUBIC = 3.7e-6;
const HEADER_HEADROOM = 0.985;
const WINDOW_PROBE_DELAY_MS = 30_000;
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
    if (p.first || p.held) {
      // Slow start: one 429 cannot tell a fast server with a small burst from a slower one with
      // a larger burst (see firstEstimate); never above the rate the last requests went out at.
      const recent = recentRate(latest.accepted) ?? p.current / this.ramp;
      estimate = Math.min(recent, firstEstimate(latest) ?? recent);
      // Refused at (nearly) the user's rate: the server is likely a little slower than that rate,
      // so step down; if it is far slower, the next 429 is fitted.
      stepDown = p.held;
      if (stepDown) estimate = undefined;
    } else {
      const fit = solveLimit(this.segments, this.knownCapacity);
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
    next = Math.min(next, p.current * 0.98);
    if (!p.first && !p.held && !window) next = Math.max(p.current * 0.5, next);
    this.modelValue = window ? 'window' : p.first || p.held ? 'guess' : 'bucket';
    this.base = Math.max(0.05, next);
    // N in any W seconds is exact once read: probing above it only buys a whole-second pause,
    // so it waits (a window that grows is still found, later).
    this.probeDelayMs = window ? WINDOW_PROBE_DELAY_MS : 0;
    this.lastEstimate = estimate;
    this.lastCapacity = capacity ?? (estimate === undefined ? undefined : estimate * PRIOR_BURST_SECONDS);
    if (capacity !== undefined) this.knownCapacity = capacity;
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

/**
 * A server's burst, in seconds of its rate, assumed at the first 429 of a run. The slow start
 * ends empty at that 429, which every (R, C) on a curve explains: C = 1 and a rate near the one
 * sent at, or a larger C and a lower rate. The next 429 pins both, but each 429 costs its whole
 * Retry-After less what the server saved meanwhile (≈ 0.9 s of a 100/s server with a burst of
 * 10 and Retry-After: 1), so the first guess matters. A tenth of a second is the burst of common
 * gateway buckets; guessing too large a burst errs low (the rate then climbs by probing), too
 * small a one errs high, which costs one more pause, cheap exactly when the real burst is large
 * (the pause refills it).
 */
const PRIOR_BURST_SECONDS = 0.1;

/** The rate R whose bucket of R × PRIOR_BURST_SECONDS, full at the start, is empty at the 429. */
export function firstEstimate(s: Segment): number | undefined {
  if (s.accepted.length < 2 || s.end <= s.start) return undefined;
  const left = (rate: number): number => {
    const cap = Math.max(1, rate * PRIOR_BURST_SECONDS);
    return replayTokens(s.accepted, s.start, cap, cap, rate, s.end);
  };
  let lo = 0.05;
  let hi = Math.min(MAX_RATE, 1.25 * (sendingRate(s.accepted) ?? MAX_RATE));
  if (left(lo) > 0.5) return lo;
  for (let i = 0; i < 60 && hi / lo > 1.0005; i++) {
    const mid = Math.sqrt(lo * hi);
    if (left(mid) < 0.5) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The accepted send times between two 429s (or from the start, when the server was full). */
export interface Segment {
  start: number;
  /** True for the stretch from the run's start: the server is taken to have been full then. */
  startFull: boolean;
  /** Ascending send times of accepted requests. */
  accepted: number[];
  /** The send time of the 429 that ended it: the server was empty then. */
  end: number;
}

const SEGMENT_MEMORY_MS = 60_000;
/** Tokens a replay may go below empty before it counts as a misfit: send times are not arrival times. */
const OVERDRAFT_SLACK = 0.3;
const CAPACITIES = [1, 1.5, 2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 64, 90, 128, 180, 256, 360, 512, 720, 1024, 1450, 2048, 4096, 8192, Infinity];

/**
 * R and C of a bucket that explain the recent stretches between 429s: for each capacity C, the
 * rate R that empties the bucket exactly at the latest 429 (having been empty at the one before);
 * of those, the (R, C) whose replay of the earlier stretches also ends empty at their 429s and
 * never has to let a request through on an empty bucket. Of the fits within one token of the
 * best, the highest rate: a rate too high costs one more 429, a rate too low costs throughput
 * for the rest of the run.
 * Exported for tests.
 */
export function solveLimit(segments: readonly Segment[], knownCapacity?: number): { rate: number; capacity: number; window?: true } | undefined {
  const latest = segments[segments.length - 1];
  if (latest === undefined || latest.accepted.length === 0 || latest.end <= latest.start) return undefined;
  const fits: { rate: number; capacity: number; misfit: number }[] = [];
  for (const capacity of CAPACITIES) {
    const rate = solveRate(latest, capacity);
    let misfit = 2 * overdraft(latest, capacity, rate);
    for (const s of segments) {
      if (s === latest) continue;
      const left = replayTokens(s.accepted, s.start, s.startFull ? capacity : 0, capacity, rate, s.end);
      misfit += Math.abs(left - 0.5) + 2 * overdraft(s, capacity, rate);
    }
    fits.push({ rate, capacity, misfit });
  }
  const least = Math.min(...fits.map((f) => f.misfit));
  const candidates = fits.filter((f) => f.misfit <= least + 1).sort((a, b) => b.rate - a.rate);
  // A server's burst does not change when its rate does: when the capacity an earlier fit found
  // still fits, keep it (a limit that dropped is then followed at once, not 2 % at a time).
  const known = knownCapacity === undefined ? undefined : candidates.find((f) => Math.abs(Math.log(f.capacity / knownCapacity)) < 0.2);
  const good = known ?? candidates[0];
  const window = slidingWindowFit(segments);
  // A window fits only when every 429 came as the window's count reached the most ever seen in
  // one: a sliding window, or a bucket used in bursts of its whole capacity. A bucket fit of the
  // same log errs either way (the time spent sending the quota taken for refill, or a tiny burst
  // for a high rate), so the window wins.
  if (window !== undefined) return { ...window, window: true };
  if (good === undefined) return undefined;
  // The latest stretch alone, with the burst already learned, says the limit dropped: follow it
  // at once (the older stretches describe a limit that no longer holds). A rise is found by
  // probing instead, at no risk.
  if (knownCapacity !== undefined) {
    const alone = solveRate(latest, knownCapacity);
    if (alone < good.rate * 0.9) return { rate: alone, capacity: knownCapacity };
  }
  return { rate: good.rate, capacity: good.capacity };
}

const WINDOWS_S = [1, 2, 5, 10, 15, 30, 60];

/**
 * N requests in any W seconds: fits when, at every recent 429, the requests accepted in the W
 * seconds before it were (within two) the most accepted in any W seconds of the log. Rate N/W.
 */
function slidingWindowFit(segments: readonly Segment[]): { rate: number; capacity: number } | undefined {
  const log = segments.flatMap((s) => s.accepted);
  const ends = segments.map((s) => s.end);
  // Two 429s at least; with only two, both must fit (one alone fits any window), with more,
  // those after the first (its stretch may have begun before the log did).
  if (ends.length < 2 || log.length < 2) return undefined;
  const judged = ends.length === 2 ? ends : ends.slice(1);
  for (const w of WINDOWS_S) {
    const ms = w * 1000;
    if (log[log.length - 1]! - log[0]! < ms) break;
    let most = 0;
    for (let i = 0, j = 0; i < log.length; i++) {
      while (log[i]! - log[j]! >= ms) j++;
      most = Math.max(most, i - j + 1);
    }
    const fits = judged.every((end) => {
      const inWindow = log.filter((at) => at > end - ms && at <= end).length;
      return inWindow >= most - Math.max(2, most * 0.03);
    });
    if (fits && most >= 2) return { rate: most / w, capacity: most };
  }
  return undefined;
}

function solveRate(s: Segment, capacity: number): number {
  const target = 0.5;
  const startTokens = s.startFull ? capacity : 0;
  let lo = 0.01;
  // A server faster than the requests were sent would never have run empty; requests sent in
  // the same instant as the 429 would otherwise let any rate explain it.
  let hi = Math.min(MAX_RATE, 1.25 * (sendingRate(s.accepted) ?? MAX_RATE));
  if (replayTokens(s.accepted, s.start, startTokens, capacity, lo, s.end) > target) return lo;
  for (let i = 0; i < 60 && hi / lo > 1.0005; i++) {
    const mid = Math.sqrt(lo * hi);
    if (replayTokens(s.accepted, s.start, startTokens, capacity, mid, s.end) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Requests per second over the stretch the log was sent in; undefined for fewer than 3. */
function sendingRate(accepted: readonly number[]): number | undefined {
  if (accepted.length < 3) return undefined;
  const span = (accepted[accepted.length - 1] as number) - (accepted[0] as number);
  return span > 0 ? ((accepted.length - 1) * 1000) / span : undefined;
}

/** How far below empty a replay had to go to let the log through (0 when it never did). */
function overdraft(s: Segment, capacity: number, ratePerSecond: number): number {
  const perMs = ratePerSecond / 1000;
  let tokens = s.startFull ? capacity : 0;
  let last = s.start;
  let worst = 0;
  for (const at of s.accepted) {
    tokens = Math.min(capacity, tokens + Math.max(0, at - last) * perMs) - 1;
    last = Math.max(last, at);
    // A token of slack: send times are not arrival times.
    if (tokens < -OVERDRAFT_SLACK) worst = Math.max(worst, -OVERDRAFT_SLACK - tokens);
  }
  return worst;
}

/**
 * Tokens left at `end` in a bucket (refill `ratePerSecond`, capacity `cap`) that held `startTokens`
 * at `start` and paid one token per accepted request at the times in `accepted` (ascending, ms).
 * A request it had no token for is let through anyway (the log says the server accepted it).
 * Exported for tests.
 */
export function replayTokens(accepted: readonly number[], start: number, startTokens: number, cap: number, ratePerSecond: number, end: number): number {
  const perMs = ratePerSecond / 1000;
  let tokens = startTokens;
  let last = start;
  for (const at of accepted) {
    tokens = Math.min(cap, tokens + Math.max(0, at - last) * perMs) - 1;
    last = Math.max(last, at);
  }
  return Math.min(cap, tokens + Math.max(0, end - last) * perMs);
}

/**
 * The least the server must have saved up to accept the log at rate R: the largest
 * (requests in [a, b]) − R·(b − a) over all stretches. Exported for tests.
 */
export function largestBurst(accepted: readonly number[], ratePerSecond: number): number {
  const perMs = ratePerSecond / 1000;
  let best = 0;
  let minPrefix = Infinity;
  for (let i = 0; i < accepted.length; i++) {
    const at = accepted[i] as number;
    // requests in [a, b] = i − a + 1; value = (i − R·t_i) − (a − R·t_a) + 1.
    minPrefix = Math.min(minPrefix, i - perMs * at);
    best = Math.max(best, i - perMs * at - minPrefix + 1);
  }
  return best;
}
