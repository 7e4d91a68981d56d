import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/emulator/limiter-shapes.js';
import { parseRateSchedule, RateLimitPolicy } from '../../src/emulator/rate-limit.js';

/** Sends one request every `everyMs` for `ms` and counts what passed. */
function passed(limiter: ReturnType<typeof createLimiter>, everyMs: number, ms: number, from = 0): number {
  let n = 0;
  for (let t = from; t < from + ms; t += everyMs) if (limiter.take(t).allowed) n++;
  return n;
}

describe('limiter shapes (simulated clock)', () => {
  it('token bucket: burst, then exactly the rate; a burst of 1 refuses two requests closer than 1/rate', () => {
    const bucket = createLimiter({ shape: 'token-bucket', rate: 100, burst: 10 }, 0);
    expect(passed(bucket, 1, 10_000)).toBe(10 + 1000 - 1); // 10 saved + 100/s for 10 s (the last token lands at 10 s)
    const one = createLimiter({ shape: 'token-bucket', rate: 100, burst: 1 }, 0);
    expect(one.take(0).allowed).toBe(true);
    const early = one.take(9.9);
    expect(early.allowed).toBe(false);
    expect(early.waitMs).toBeCloseTo(0.1, 5);
    expect(one.take(10).allowed).toBe(true);
  });

  it('fixed window: the whole quota at once, then nothing until the window ends', () => {
    const w = createLimiter({ shape: 'fixed-window', rate: 100, windowSeconds: 6 }, 0);
    expect(passed(w, 1, 1000)).toBe(600);
    const refused = w.take(2500);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 600, windowSeconds: 6 });
    expect(refused.waitMs).toBe(3500); // to the window's end
    expect(w.take(6000)).toMatchObject({ allowed: true, remaining: 599 });
  });

  it('sliding window: never more than the quota in any window, even across a fixed boundary', () => {
    const w = createLimiter({ shape: 'sliding-window', rate: 100, windowSeconds: 1 }, 0);
    // 100 in the second half of the first second: a fixed window would allow 100 more at 1000 ms.
    expect(passed(w, 5, 500, 500)).toBe(100);
    const refused = w.take(1100);
    expect(refused.allowed).toBe(false);
    expect(refused.waitMs).toBe(400); // the oldest (500 ms) leaves the window at 1500 ms
    expect(w.take(1500).allowed).toBe(true);
    // Steady sending at the rate passes forever.
    const steady = createLimiter({ shape: 'sliding-window', rate: 100, windowSeconds: 1 }, 0);
    expect(passed(steady, 10, 60_000)).toBe(6000);
  });

  it('a rate change takes effect: at once for buckets, at the next window for fixed windows', () => {
    const bucket = createLimiter({ shape: 'token-bucket', rate: 100, burst: 1 }, 0);
    expect(passed(bucket, 10, 1000)).toBe(100);
    bucket.setRate(50, 1000);
    expect(passed(bucket, 10, 1000, 1000)).toBe(50);
    const w = createLimiter({ shape: 'fixed-window', rate: 100, windowSeconds: 2 }, 0);
    w.setRate(50, 100);
    expect(passed(w, 1, 2000)).toBe(200);
    expect(passed(w, 1, 2000, 2000)).toBe(100);
  });
});

describe('RateLimitPolicy', () => {
  it('a write quota leaves reads alone', () => {
    let t = 0;
    const policy = new RateLimitPolicy({ writeRate: 50, burst: 5, now: () => t });
    for (let i = 0; i < 500; i++) expect(policy.check('GET').refusedForSeconds).toBeUndefined();
    const writes = [];
    for (let i = 0; i < 7; i++) writes.push(policy.check('PATCH').refusedForSeconds);
    expect(writes).toEqual([undefined, undefined, undefined, undefined, undefined, 1, 1]);
    t = 20;
    expect(policy.check('PATCH').refusedForSeconds).toBeUndefined();
  });

  it('follows a rate schedule from the start or the last reset', () => {
    let t = 0;
    const policy = new RateLimitPolicy({ schedule: parseRateSchedule('0:100,10:50'), burst: 1, now: () => t });
    let ok = 0;
    for (t = 0; t < 20_000; t += 5) if (policy.check('GET').refusedForSeconds === undefined) ok++;
    expect(ok).toBe(1000 + 500);
    policy.reset();
    ok = 0;
    const start = t;
    for (; t < start + 1000; t += 5) if (policy.check('GET').refusedForSeconds === undefined) ok++;
    expect(ok).toBe(100); // back to 100/s after the reset
  });

  it('Retry-After: whole seconds rounded up, to the window end, or absent; headers in both styles', () => {
    let t = 0;
    const fixed = new RateLimitPolicy({ limiter: 'fixed-window', rate: 100, windowSeconds: 6, headers: 'both', now: () => t });
    for (let i = 0; i < 600; i++) fixed.check('GET');
    t = 1200;
    const refused = fixed.check('GET');
    expect(refused.refusedForSeconds).toBe(5); // 4.8 s to the window's end, rounded up
    expect(refused.headers).toMatchObject({
      'Retry-After': '5',
      'RateLimit-Limit': '600',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '5',
      'RateLimit-Policy': '600;w=6',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-limit-requests': '600',
    });
    const silent = new RateLimitPolicy({ rate: 1, burst: 1, retryAfter: 'none', now: () => t });
    silent.check('GET');
    const none = silent.check('GET');
    expect(none.refusedForSeconds).toBe(1);
    expect(none.headers['Retry-After']).toBeUndefined();
  });

  it('refuses a schedule that does not start at 0 or does not go forward', () => {
    expect(() => parseRateSchedule('5:100')).toThrow(/first step must start at 0/);
    expect(() => parseRateSchedule('0:100,10:50,10:20')).toThrow(/later than 10s/);
    expect(() => parseRateSchedule('0:100,x')).toThrow(/'x' is not SECONDS:RATE/);
  });
});
