/**
 * The adaptive request rate (pure: time is passed in, in ms). It decides the refill rate of the
 * run's token bucket so that a run settles just under the server's limit with few 429s.
 *
 * Why a rate and not only a concurrency limit: Retry-After comes in whole seconds and every 429
 * pauses the whole run, so each throttling episode costs at least a second. The run can afford
 * one or two of them, which means the server's limit must be *learned*, not hunted for.
 *
 * Phases when no rate is given:
 *  - `discover`: no rate limit at all (only the concurrency cap) until the first 429. The number of
 *    requests accepted until then is (about) the server's burst; their rate is a first guess.
 *  - `ramp`: from the first guess the rate grows fast (×4 per second) until the second 429. By then
 *    the server's bucket was provably empty twice, so replaying the accepted requests since the
 *    first 429 through a token bucket of unknown rate R (empty at the first 429, capacity = the
 *    burst) and solving for the R that empties it exactly at the second 429 gives the limit.
 *  - `settled`: headroom × the estimate (0.97), slow additive probing (+0.3 % per second), and on
 *    a further 429 a fresh estimate from the same replay, never more than 0.98 × the rate that
 *    was throttled (fast multiplicative backoff) and never below half of it.
 * With a fixed rate (`--rate`): the given rate, backed off ×0.9 on a 429 and grown back by 2 % of
 * the given rate per second, never above it.
 */
export interface RateControlOptions {
  /** Requests per second the user allowed; undefined = learn the server's limit. */
  fixedRate?: number | undefined;
  /** Fraction of the estimated limit to settle at. */
  headroom?: number;
  /** Additive probing in the settled phase, as a fraction of the rate per second. */
  probePerSecond?: number;
  /** Growth factor per second in the ramp phase. */
  rampPerSecond?: number;
  /** Longest replay log kept (entries); older ones are dropped, assuming a full bucket. */
  maxLog?: number;
}

export type RatePhase = 'fixed' | 'discover' | 'ramp' | 'settled';

export interface ThrottleDecision {
  /** The rate (req/s) from the end of the pause on; undefined = unlimited. */
  rate: number | undefined;
  /** The server limit the replay estimated (req/s), when it could. */
  estimate: number | undefined;
  phase: RatePhase;
}

export class RateControl {
  private readonly fixedRate: number | undefined;
  private readonly headroom: number;
  private readonly probe: number;
  private readonly ramp: number;
  private readonly maxLog: number;
  private phaseValue: RatePhase;
  private base = 0;
  private baseTime = 0;
  private startedAt: number | undefined;
  private log: number[] = [];
  private sorted = true;
  private logStart = 0;
  private logStartTokens = 0;
  /** Capacity used in the replay; Infinity = uncapped (see onThrottled). */
  private burstEstimate = Infinity;
  private firstEpisode: { log: number[]; end: number } | undefined;
  private lastEstimate: number | undefined;

  constructor(options: RateControlOptions = {}) {
    this.fixedRate = options.fixedRate;
    this.headroom = options.headroom ?? 0.97;
    this.probe = options.probePerSecond ?? 0.003;
    this.ramp = options.rampPerSecond ?? 4;
    this.maxLog = options.maxLog ?? 200_000;
    if (this.fixedRate !== undefined) {
      this.phaseValue = 'fixed';
      this.base = this.fixedRate;
    } else {
      this.phaseValue = 'discover';
    }
  }

  get phase(): RatePhase {
    return this.phaseValue;
  }

  /** The server limit estimated at the last throttling episode (req/s). */
  get estimate(): number | undefined {
    return this.lastEstimate;
  }

  /** The rate to use at time `t` (req/s), or undefined for "no limit". */
  rateAt(t: number): number | undefined {
    if (this.startedAt === undefined) this.startedAt = t;
    const dt = Math.max(0, t - this.baseTime) / 1000;
    switch (this.phaseValue) {
      case 'discover':
        return undefined;
      case 'fixed': {
        const cap = this.fixedRate as number;
        return Math.min(cap, this.base + cap * 0.02 * dt);
      }
      case 'ramp':
        return Math.min(1e6, this.base * this.ramp ** dt);
      case 'settled':
        return this.base * (1 + this.probe * dt);
      default: {
        const never: never = this.phaseValue;
        return never;
      }
    }
  }

  /** A request was accepted (any answer but 429) at time `t`. */
  onAccepted(t: number): void {
    if (this.startedAt === undefined) this.startedAt = t;
    if (this.phaseValue === 'fixed') return;
    // Sent before the request the server found its bucket empty for: paid for before that moment
    // (so it belongs to the first episode's burst, if that is still being measured).
    if (t < this.logStart) {
      if (this.firstEpisode !== undefined && t <= this.firstEpisode.end) this.firstEpisode.log.push(t);
      return;
    }
    if (this.log.length > 0 && t < (this.log[this.log.length - 1] as number)) this.sorted = false;
    this.log.push(t);
    if (this.log.length > this.maxLog) {
      // Dropping history: assume the bucket was full where the kept log starts (conservative:
      // it makes the estimate lower, never higher).
      const drop = this.log.length - Math.floor(this.maxLog / 2);
      this.logStart = this.log[drop - 1] as number;
      this.log = this.log.slice(drop);
      this.logStartTokens = Number.isFinite(this.burstEstimate) ? this.burstEstimate : 0;
    }
  }

  /**
   * A new throttling episode: the first 429 at time `t`; the run pauses until `pauseEnd`.
   * (429s that arrive during the pause belong to the same episode and are not reported.)
   */
  onThrottled(t: number, pauseEnd: number): ThrottleDecision {
    const current = this.rateAt(t);
    if (this.phaseValue === 'fixed') {
      const cap = this.fixedRate as number;
      this.base = Math.max(cap * 0.5, (current ?? cap) * 0.9);
      this.baseTime = pauseEnd;
      return { rate: this.base, estimate: undefined, phase: 'fixed' };
    }

    if (this.phaseValue === 'discover') {
      const firstLog = this.log.filter((at) => at <= t).sort((a, b) => a - b);
      const accepted = firstLog.length;
      const elapsedMs = Math.max(0, t - (this.startedAt ?? t));
      this.firstEpisode = { log: firstLog, end: t };
      this.burstEstimate = Infinity;
      // The accepted count is mostly the server's burst; spread over at least a second it is a
      // first guess the ramp starts from.
      this.base = Math.max(5, accepted / Math.max(1, elapsedMs / 1000));
      this.baseTime = pauseEnd;
      this.phaseValue = 'ramp';
      this.resetLog(t);
      return { rate: this.base, estimate: undefined, phase: this.phaseValue };
    }

    let estimate = this.solve(t);
    if (this.firstEpisode !== undefined) {
      // The burst is the bucket level at the last moment it was full during the first episode:
      // the largest (accepted − R·time) over the windows ending at the first 429. It only matters
      // when the bucket could not refill fully during a pause (burst < R·pause). Measured bursts
      // come out somewhat low (requests in flight, clock skew), and a low burst makes the
      // estimate high, which costs pauses; so the capacity is used only when the burst is clearly
      // smaller than half a second of requests, and otherwise the replay is uncapped (which can
      // only err low).
      const first = this.firstEpisode;
      this.firstEpisode = undefined;
      if (estimate !== undefined) {
        const burst = estimateBurst(first.log.sort((a, b) => a - b), first.end, estimate);
        if (burst < 0.5 * estimate) {
          this.burstEstimate = burst;
          for (let i = 0; i < 4 && estimate !== undefined; i++) {
            const next = this.solve(t);
            if (next === undefined) break;
            const converged = Math.abs(next - estimate) / estimate < 0.005;
            estimate = next;
            if (converged) break;
            this.burstEstimate = estimateBurst(first.log, first.end, estimate);
          }
        }
      }
    }
    const wasRamp = this.phaseValue === 'ramp';
    let next: number;
    if (estimate === undefined) {
      next = (current ?? this.base) * 0.85;
    } else {
      next = estimate * this.headroom;
      // The ramp overshoots on purpose, so its estimate is trusted; once settled, a 429 means
      // we probed too high: never go up, never collapse.
      if (!wasRamp && current !== undefined) next = Math.min(current * 0.98, Math.max(current * 0.5, next));
    }
    this.lastEstimate = estimate;
    this.base = Math.max(0.5, next);
    this.baseTime = pauseEnd;
    this.phaseValue = 'settled';
    this.resetLog(t);
    return { rate: this.base, estimate, phase: this.phaseValue };
  }

  private resetLog(t: number): void {
    // Requests sent before the 429'd one but answered after it already paid their token.
    this.log = this.log.filter((at) => at > t);
    this.sorted = false;
    this.logStart = t;
    this.logStartTokens = 0; // the server's bucket is empty when it answers 429
  }

  /** The rate R (req/s) for which a bucket replaying the accepted log is empty at `t`. */
  private solve(t: number): number | undefined {
    const target = 0.5;
    let lo = 0.05;
    let hi = 1e5;
    if (this.tokensLeft(hi, t) < target) return undefined;
    if (this.tokensLeft(lo, t) > target) return lo;
    for (let i = 0; i < 50; i++) {
      const mid = Math.sqrt(lo * hi);
      if (this.tokensLeft(mid, t) < target) lo = mid;
      else hi = mid;
      if (hi / lo < 1.0005) break;
    }
    return (lo + hi) / 2;
  }

  private tokensLeft(ratePerSecond: number, end: number): number {
    if (!this.sorted) {
      // Send times arrive in response order, which differs slightly from send order.
      this.log.sort((a, b) => a - b);
      this.sorted = true;
    }
    return replayTokens(this.log, this.logStart, this.logStartTokens, this.burstEstimate, ratePerSecond, end);
  }
}

/**
 * Tokens left at `end` in a bucket (refill `ratePerSecond`, capacity `cap`) that held `startTokens`
 * at `start` and paid one token per accepted request at the times in `accepted` (ascending, ms).
 * Exported for tests.
 */
export function replayTokens(accepted: readonly number[], start: number, startTokens: number, cap: number, ratePerSecond: number, end: number): number {
  const perMs = ratePerSecond / 1000;
  let tokens = startTokens;
  let last = start;
  for (const at of accepted) {
    tokens = Math.min(cap, tokens + (at - last) * perMs) - 1;
    last = at;
  }
  return Math.min(cap, tokens + Math.max(0, end - last) * perMs);
}

/**
 * The fullest the bucket was during a log that ended with it empty at `end`: the largest
 * (requests accepted in [a, end]) − R·(end − a) over the window starts a. Exported for tests.
 */
export function estimateBurst(accepted: readonly number[], end: number, ratePerSecond: number): number {
  const perMs = ratePerSecond / 1000;
  let best = 1;
  for (let i = accepted.length - 1; i >= 0; i--) {
    const value = accepted.length - i - (end - (accepted[i] as number)) * perMs;
    if (value > best) best = value;
  }
  return best;
}
