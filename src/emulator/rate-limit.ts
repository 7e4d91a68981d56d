import { createLimiter, type Limiter, type LimiterShape, type LimiterVerdict } from './limiter-shapes.js';

/**
 * The emulator's throttling policy: which limiter shape counts which requests, what a 429 says
 * (Retry-After) and which rate-limit headers every answer carries. Shapes: see limiter-shapes.ts.
 *
 * - `rate` counts every API request; `writeRate` counts PATCH/PUT/POST only (a separate, usually
 *   tighter write quota, as API Management puts in front of the real API). Either or both.
 * - `schedule` changes the limit mid-run: `[{ atSeconds: 0, rate: 100 }, { atSeconds: 10, rate: 50 }]`
 *   (seconds since start or since the last reset). It drives `rate`, or `writeRate` when only
 *   that one is set.
 * - `retryAfter: 'auto'` (default) sends the whole seconds, rounded up, until the next request
 *   could pass: the refill of one token, the end of a fixed window, the expiry of the oldest
 *   request of a sliding window. `'none'` sends no Retry-After at all.
 * - `headers`: `'ietf'` (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and
 *   `RateLimit-Policy: <limit>;w=<seconds>`), `'apim'` (`x-ratelimit-limit-*`,
 *   `x-ratelimit-remaining-*`, `x-ratelimit-reset-*` with `requests` or `writes`), or `'both'`.
 */
export type RetryAfterMode = 'auto' | 'none';
export type RateLimitHeaderStyle = 'ietf' | 'apim' | 'both';

export interface RateStep {
  atSeconds: number;
  rate: number;
}

export interface RateLimitOptions {
  limiter?: LimiterShape;
  /** Requests per second, every API request. */
  rate?: number | undefined;
  /** Requests per second, writes only. */
  writeRate?: number | undefined;
  /** Token bucket size (default one second of its rate). */
  burst?: number | undefined;
  /** Window seconds for the window shapes (default 1). */
  windowSeconds?: number | undefined;
  schedule?: readonly RateStep[] | undefined;
  retryAfter?: RetryAfterMode;
  headers?: RateLimitHeaderStyle | undefined;
  now?: () => number;
}

export interface ThrottleVerdict {
  /** Whole seconds for Retry-After when refused; undefined when the request may pass. */
  refusedForSeconds: number | undefined;
  /** Headers to add to the answer (refused or not). */
  headers: Record<string, string>;
}

const WRITES = new Set(['PATCH', 'PUT', 'POST', 'DELETE']);

/** Parses `--rate-schedule "0:100,10:50"`; throws a message naming the bad part. */
export function parseRateSchedule(text: string): RateStep[] {
  const steps: RateStep[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (m === null) throw new Error(`'${part}' is not SECONDS:RATE`);
    const step = { atSeconds: Number(m[1]), rate: Number(m[2]) };
    if (!(step.rate > 0)) throw new Error(`the rate in '${part}' must be greater than 0`);
    const prev = steps[steps.length - 1];
    if (prev !== undefined && step.atSeconds <= prev.atSeconds) throw new Error(`'${part}' must come later than ${prev.atSeconds}s`);
    steps.push(step);
  }
  if (steps[0]?.atSeconds !== 0) throw new Error('the first step must start at 0 seconds, e.g. 0:100');
  return steps;
}

export class RateLimitPolicy {
  private readonly now: () => number;
  private readonly all: Limiter | undefined;
  private readonly writes: Limiter | undefined;
  private readonly scheduled: Limiter | undefined;
  private readonly schedule: readonly RateStep[];
  private startedAt: number;
  private step = 0;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? (() => performance.now());
    const t = this.now();
    this.startedAt = t;
    this.schedule = options.schedule ?? [];
    const base = { shape: options.limiter ?? 'token-bucket', burst: options.burst, windowSeconds: options.windowSeconds } as const;
    const allRate = options.rate ?? (options.writeRate === undefined ? this.schedule[0]?.rate : undefined);
    if (allRate !== undefined) this.all = createLimiter({ ...base, rate: allRate }, t);
    if (options.writeRate !== undefined) this.writes = createLimiter({ ...base, rate: options.writeRate }, t);
    this.scheduled = this.schedule.length === 0 ? undefined : (this.all ?? this.writes);
  }

  /** Whether any limit is set at all. */
  get active(): boolean {
    return this.all !== undefined || this.writes !== undefined;
  }

  reset(): void {
    const t = this.now();
    this.startedAt = t;
    this.step = 0;
    const first = this.schedule[0];
    if (first !== undefined) this.scheduled?.setRate(first.rate, t);
    this.all?.reset(t);
    this.writes?.reset(t);
  }

  check(method: string): ThrottleVerdict {
    const t = this.now();
    this.followSchedule(t);
    const write = WRITES.has(method.toUpperCase());
    const verdicts: [LimiterVerdict, 'requests' | 'writes'][] = [];
    if (this.all !== undefined) verdicts.push([this.all.take(t), 'requests']);
    const first = verdicts[0];
    if (write && this.writes !== undefined && (first === undefined || first[0].allowed)) verdicts.push([this.writes.take(t), 'writes']);
    const refused = verdicts.find(([v]) => !v.allowed);
    const headers = this.headersFor(refused === undefined ? verdicts : [refused]);
    if (refused === undefined) return { refusedForSeconds: undefined, headers };
    const seconds = Math.max(1, Math.ceil(refused[0].waitMs / 1000 - 1e-9));
    if (this.options.retryAfter !== 'none') headers['Retry-After'] = String(seconds);
    return { refusedForSeconds: seconds, headers };
  }

  private followSchedule(t: number): void {
    if (this.scheduled === undefined) return;
    const elapsed = (t - this.startedAt) / 1000;
    let next = this.schedule[this.step + 1];
    while (next !== undefined && elapsed >= next.atSeconds) {
      this.step++;
      this.scheduled.setRate(next.rate, t);
      next = this.schedule[this.step + 1];
    }
  }

  private headersFor(verdicts: readonly [LimiterVerdict, 'requests' | 'writes'][]): Record<string, string> {
    const style = this.options.headers;
    const headers: Record<string, string> = {};
    if (style === undefined || verdicts.length === 0) return headers;
    // The binding quota is the one with the fewest requests left.
    const tightest = verdicts.reduce((a, b) => (b[0].remaining < a[0].remaining ? b : a));
    const seconds = (ms: number): string => String(Math.max(0, Math.ceil(ms / 1000 - 1e-9)));
    if (style === 'ietf' || style === 'both') {
      const [v] = tightest;
      headers['RateLimit-Limit'] = String(v.limit);
      headers['RateLimit-Remaining'] = String(Math.max(0, v.remaining));
      headers['RateLimit-Reset'] = seconds(v.resetMs);
      headers['RateLimit-Policy'] = `${v.limit};w=${v.windowSeconds}`;
    }
    if (style === 'apim' || style === 'both') {
      for (const [v, name] of verdicts) {
        headers[`x-ratelimit-limit-${name}`] = String(v.limit);
        headers[`x-ratelimit-remaining-${name}`] = String(Math.max(0, v.remaining));
        headers[`x-ratelimit-reset-${name}`] = seconds(v.resetMs);
      }
    }
    return headers;
  }
}

/**
 * The emulator's original limiter (a token bucket whose burst defaults to one second of its
 * rate), kept for callers that only need "may it pass, else how many seconds".
 */
export class TokenBucket {
  private readonly policy: RateLimitPolicy;

  constructor(options: { rate: number; burst?: number; now?: () => number }) {
    if (!(options.rate > 0)) throw new Error('rate must be a positive number');
    this.policy = new RateLimitPolicy({ rate: options.rate, burst: options.burst, ...(options.now === undefined ? {} : { now: options.now }) });
  }

  reset(): void {
    this.policy.reset();
  }

  /** Takes a token; returns undefined when allowed, else the whole seconds to wait (at least 1). */
  take(): number | undefined {
    return this.policy.check('GET').refusedForSeconds;
  }
}
