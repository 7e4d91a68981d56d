import { describe, expect, it } from 'vitest';
import { aimdOnAccepted, aimdOnThrottle, initialAimd } from '../../src/api/concurrency-control.js';
import { estimateBurst, RateControl, replayTokens } from '../../src/api/rate-control.js';

describe('AIMD concurrency', () => {
  it('halves on throttle, never below 1', () => {
    let s = initialAimd(8);
    s = aimdOnThrottle(s);
    expect(s.limit).toBe(4);
    s = aimdOnThrottle(aimdOnThrottle(aimdOnThrottle(s)));
    expect(s.limit).toBe(1);
  });
  it('grows by one per `limit` accepted responses, up to the cap', () => {
    let s = aimdOnThrottle(initialAimd(8)); // 4
    for (let i = 0; i < 3; i++) s = aimdOnAccepted(s);
    expect(s.limit).toBe(4);
    s = aimdOnAccepted(s);
    expect(s.limit).toBe(5);
    for (let i = 0; i < 1000; i++) s = aimdOnAccepted(s);
    expect(s.limit).toBe(8);
  });
});

describe('replay helpers', () => {
  it('replayTokens refills at the rate, caps at the capacity, pays one per request', () => {
    // Empty at 0, 1 s at 10/s → 10 tokens, 4 paid.
    expect(replayTokens([100, 200, 300, 400], 0, 0, Infinity, 10, 1000)).toBeCloseTo(6, 6);
    expect(replayTokens([], 0, 0, 5, 10, 1000)).toBe(5);
  });
  it('estimateBurst finds the bucket level when it was last full', () => {
    // 50 requests in the 100 ms before the end at 100/s: burst ≈ 50 − 10 = 40.
    const log = Array.from({ length: 50 }, (_, i) => 900 + i * 2);
    expect(estimateBurst(log, 1000, 100)).toBeCloseTo(40, 0);
  });
});

/**
 * A pure simulation of a run against a server token bucket (rate R, burst B, Retry-After 1 s),
 * with the client sending as fast as allowed: unlimited = one request per 0.5 ms.
 */
function simulate(R: number, B: number, fixedRate?: number, durationMs = 20_000) {
  const control = new RateControl({ fixedRate });
  let serverTokens = B;
  let last = 0;
  let pausedUntil = 0;
  let credit = 0;
  let accepted = 0;
  let throttled = 0;
  const step = 0.5;
  for (let t = 0; t < durationMs; t += step) {
    serverTokens = Math.min(B, serverTokens + ((t - last) * R) / 1000);
    last = t;
    if (t < pausedUntil) continue;
    const rate = control.rateAt(t);
    let sends = 1;
    if (rate !== undefined) {
      credit = Math.min(Math.max(1, rate * 0.02), credit + (rate * step) / 1000);
      sends = Math.floor(credit);
      credit -= sends;
    }
    for (let i = 0; i < sends; i++) {
      if (serverTokens >= 1) {
        serverTokens -= 1;
        accepted++;
        control.onAccepted(t);
      } else {
        throttled++;
        pausedUntil = t + 1000;
        control.onThrottled(t, pausedUntil);
        break;
      }
    }
  }
  return { accepted, throttled, achieved: accepted / (durationMs / 1000) / R, control };
}

describe('RateControl', () => {
  it('learns an unknown limit from two throttling episodes and settles just under it', () => {
    for (const [R, B] of [
      [100, 100],
      [200, 200],
      [500, 1000],
    ] as const) {
      const run = simulate(R, B);
      expect(run.control.phase).toBe('settled');
      expect(run.control.estimate).toBeGreaterThan(R * 0.97);
      expect(run.control.estimate).toBeLessThan(R * 1.03);
      expect(run.throttled).toBeLessThanOrEqual(3);
      expect(run.achieved).toBeGreaterThanOrEqual(0.92);
    }
  });

  it('with a given rate stays at it and never throttles when the server allows it', () => {
    const run = simulate(200, 200, 200);
    expect(run.throttled).toBe(0);
    expect(run.achieved).toBeGreaterThanOrEqual(0.97);
    expect(run.control.rateAt(5000)).toBe(200);
  });

  it('backs a given rate off on 429 and grows back to it, never above', () => {
    const c = new RateControl({ fixedRate: 100 });
    const d = c.onThrottled(1000, 2000);
    expect(d.rate).toBeCloseTo(90, 6);
    expect(c.rateAt(2000)).toBeCloseTo(90, 6);
    expect(c.rateAt(4000)).toBeCloseTo(94, 6);
    expect(c.rateAt(60_000)).toBe(100);
  });

  it('probes slowly once settled and backs off multiplicatively on a further 429', () => {
    const run = simulate(200, 200);
    const c = run.control;
    const t = 30_000;
    const before = c.rateAt(t) as number;
    expect(c.rateAt(t + 1000)! / before).toBeLessThan(1.01);
    const d = c.onThrottled(t, t + 1000);
    expect(d.rate).toBeLessThanOrEqual(before * 0.98);
    expect(d.rate).toBeGreaterThanOrEqual(before * 0.5);
  });
});
