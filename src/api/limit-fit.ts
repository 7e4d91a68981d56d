/**
 * Fitting a limiter to the log of one class of requests (pure, times in ms): the rate R and the
 * saved-up allowance C that explain the stretches between 429s, a sliding window's N per W, and
 * the first 429's guess. The model and why: rate-control.ts.
 */

/** The highest rate refplan ever paces at or believes (req/s). */
export const MAX_RATE = 100_000;

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
export const PRIOR_BURST_SECONDS = 0.1;

/** The rate R whose bucket of R × PRIOR_BURST_SECONDS, full at the start, is empty at the 429. */
export function firstEstimate(s: Segment): number | undefined {
  if (s.accepted.length < 2 || s.end <= s.start) return undefined;
  const left = (rate: number): number => {
    const cap = Math.max(1, rate * PRIOR_BURST_SECONDS);
    return replayTokens(s.accepted, s.start, cap, cap, rate, s.end);
  };
  return rateEmptyingAt(s, left, 0.05);
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
export function solveLimit(segments: readonly Segment[], knownCapacity?: number, windows = true): { rate: number; capacity: number; window?: true } | undefined {
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
  const window = windows ? slidingWindowFit(segments) : undefined;
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
    // 429s closer together than W see nearly the same W seconds of log: any steady rate would
    // then fit a window of W as long as the log (a bucket whose limit dropped, taken for N per W).
    if (judged[judged.length - 1]! - judged[0]! < 0.9 * ms) continue;
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
  const startTokens = s.startFull ? capacity : 0;
  return rateEmptyingAt(s, (rate) => replayTokens(s.accepted, s.start, startTokens, capacity, rate, s.end), 0.01);
}

/**
 * The rate at which a replay (`left`: tokens left at the stretch's 429 for a rate) ends empty,
 * by bisection from `lo` up to a little above the rate the requests were sent at.
 */
function rateEmptyingAt(s: Segment, left: (rate: number) => number, lo: number): number {
  const target = 0.5;
  // A server faster than the requests were sent would never have run empty; requests sent in
  // the same instant as the 429 would otherwise let any rate explain it.
  let hi = Math.min(MAX_RATE, 1.25 * (sendingRate(s.accepted) ?? MAX_RATE));
  if (left(lo) > target) return lo;
  for (let i = 0; i < 60 && hi / lo > 1.0005; i++) {
    const mid = Math.sqrt(lo * hi);
    if (left(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Requests per second the log was sent at as it ended (its last 8 intervals: a slow start sends
 * far faster at its end than on average); undefined for fewer than 3.
 */
function sendingRate(accepted: readonly number[]): number | undefined {
  if (accepted.length < 3) return undefined;
  const first = Math.max(0, accepted.length - 9);
  const span = (accepted[accepted.length - 1] as number) - (accepted[first] as number);
  return span > 0 ? ((accepted.length - 1 - first) * 1000) / span : undefined;
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
