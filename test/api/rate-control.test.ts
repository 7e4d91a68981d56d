import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { concurrencyFor, smoothRoundTrip } from '../../src/api/concurrency-control.js';
import { largestBurst, replayTokens, solveLimit, type Segment } from '../../src/api/limit-fit.js';
import { RateControl } from '../../src/api/rate-control.js';

/** Send times every `everyMs` from `from` (inclusive) to `to` (exclusive). */
const evenly = (from: number, to: number, everyMs: number): number[] => {
  const out: number[] = [];
  for (let t = from; t < to; t += everyMs) out.push(t);
  return out;
};

describe('replay helpers', () => {
  it('replayTokens refills at the rate, caps at the capacity, pays one per request', () => {
    expect(replayTokens([100, 200, 300, 400], 0, 0, Infinity, 10, 1000)).toBeCloseTo(6, 6);
    expect(replayTokens([], 0, 0, 5, 10, 1000)).toBe(5);
  });
  it('largestBurst is the most a log needed saved up at a rate', () => {
    // 50 requests 2 ms apart at 100/s: 50 − 100 × 0.098 s ≈ 40.2 saved up at least.
    expect(largestBurst(evenly(900, 1000, 2), 100)).toBeCloseTo(40.2, 1);
    expect(largestBurst(evenly(0, 1000, 20), 100)).toBe(1); // slower than the rate: never more than one
  });
});

describe('solveLimit', () => {
  it('does not credit a Retry-After pause as saved-up requests when the burst is small', () => {
    // Server: 100/s, burst 10. 429 at 1000; 1 s pause (the bucket fills to 10 and overflows);
    // then 200/s until the bucket runs dry: 10 saved + 100/s × t = 200/s × t → t = 100 ms.
    // A second stretch at 150/s: 10 + 100 t = 150 t → t = 200 ms.
    const s1: Segment = { start: 1000, startFull: false, accepted: evenly(2000, 2100, 5), end: 2100 };
    // (the 429'd request is the one after the last accepted: at 2100 and 3300)
    const s2: Segment = { start: 2100, startFull: false, accepted: evenly(3100, 3300, 1000 / 150), end: 3300 };
    const fit = solveLimit([s1, s2]);
    expect(fit?.rate).toBeGreaterThan(85);
    expect(fit?.rate).toBeLessThan(120);
    // The whole pause credited as refill (an unlimited bucket) would say under 20/s.
    expect(replayTokens(s1.accepted, s1.start, 0, Infinity, 18, s1.end)).toBeLessThan(1);
  });

  it('keeps a capacity learned earlier when it still fits: a limit that dropped is followed at once', () => {
    // One stretch alone: 1 s pause, then 20 accepted at 200/s. A burst of 1 at ~190/s and a burst
    // of 10 at ~100/s explain it equally well; the burst known from before decides.
    const s: Segment = { start: 0, startFull: false, accepted: evenly(1000, 1100, 5), end: 1100 };
    expect(solveLimit([s])?.rate).toBeGreaterThan(150);
    const known = solveLimit([s], 11);
    expect(known?.capacity).toBe(11);
    expect(known?.rate).toBeGreaterThan(80);
    expect(known?.rate).toBeLessThan(120);
  });

  it('reads a sliding window as N per window, not less for the time spent sending the quota', () => {
    // 100 in any second: bursts of 100 at 400/s, each 1 s (Retry-After) after the last 429.
    const segments: Segment[] = [];
    let start = 0;
    for (let k = 0; k < 3; k++) {
      const resume = start + 1000;
      const accepted = evenly(resume, resume + 250, 2.5);
      segments.push({ start, startFull: false, accepted, end: resume + 250 });
      start = resume + 250;
    }
    const fit = solveLimit(segments);
    expect(fit?.rate).toBeGreaterThan(95);
    expect(fit?.rate).toBeLessThan(105);
  });

  it('does not read a bucket whose limit dropped as a window as long as the log', () => {
    // The bench's halving limit (100/s burst 10, 50/s from 10 s): the slow start's 429 at 753,
    // ~9.5 s at 95/s until the drop's 429 at 10207, then 20 accepted after the pause until the
    // next. Both later 429s come with about the most requests seen in any 10 s, which a window of
    // "843 per 10 s" would explain; but they are 1.2 s apart, so they see the same 10 s of log.
    const s0: Segment = { start: 300, startFull: true, accepted: evenly(300, 753, 12.3), end: 753 };
    const s1: Segment = { start: 753, startFull: false, accepted: evenly(1754, 10207, 1000 / 95.3), end: 10207 };
    const s2: Segment = { start: 10207, startFull: false, accepted: evenly(11208, 11428, 11), end: 11428 };
    const fit = solveLimit([s0, s1, s2], 11);
    expect(fit?.window).toBeUndefined();
    expect(fit?.rate).toBeLessThan(65);
  });
});

describe('RateControl', () => {
  it('slow start: from 20/s, ×256 per second, until the first 429', () => {
    const c = new RateControl();
    expect(c.phase).toBe('start');
    expect(c.rateAt(5000)).toBe(20); // nothing sent yet: the ramp has not begun
    c.begin(0);
    expect(c.rateAt(0)).toBe(20);
    expect(c.rateAt(500)).toBeCloseTo(320, 5);
  });

  it.each([
    [100, 10],
    [50, 5],
    [200, 20],
    [1000, 100],
  ])('the first 429 fits the slow start with a burst of a tenth of a second of the rate (%i/s, burst %i)', (rate, burst) => {
    // A server of `rate` with a burst of a tenth of a second, full at the start, sent the slow
    // start's ramp. (Its end is far faster than its average: a bound on the fit taken from the
    // average read 200/s as 173 and 1000/s as 621.)
    const c = new RateControl();
    let tokens = burst;
    let t = 0;
    for (;;) {
      const next = t + 1000 / c.rateAt(t);
      tokens = Math.min(burst, tokens + ((next - t) * rate) / 1000);
      t = next;
      if (tokens < 1) break;
      tokens--;
      c.onAccepted(t);
    }
    const d = c.onThrottled(t, t + 1000);
    expect(d.estimate).toBeGreaterThan(rate * 0.95);
    expect(d.estimate).toBeLessThan(rate * 1.05);
    // The rate the slow start reached when the 429 came was far above it: not a rate to keep.
    expect(c.rateAt(t + 1000)).toBeLessThan(rate);
  });

  it('a 429 while the ceiling held the slow start back is not an overshoot: the rate drops a little', () => {
    const c = new RateControl({ ceiling: 100 });
    for (let t = 0; t < 3000; t += 11) c.onAccepted(t);
    const before = c.rateAt(3000);
    expect(before).toBeCloseTo(98.5, 5);
    const d = c.onThrottled(3000, 4000);
    expect(d.rate).toBeLessThan(before);
    expect(d.rate).toBeGreaterThan(before * 0.5);
  });

  it('--rate is a ceiling, not a belief: never exceeded, and 429s push the rate far below it', () => {
    const c = new RateControl({ ceiling: 100 });
    c.begin(0);
    for (let t = 0; t < 60_000; t += 1000) expect(c.rateAt(t)).toBeLessThanOrEqual(100);
    // The server lets 20/s through: three stretches of 3 s at 20/s, each ending in a 429.
    let t = 10_000;
    for (let i = 0; i < 3; i++) {
      const before = c.rateAt(t);
      for (let k = 0; k < 60; k++) c.onAccepted(t + k * 50);
      const d = c.onThrottled(t + 3000, t + 4000);
      expect(d.rate).toBeLessThan(before); // a 429 always lowers the rate
      t += 4000;
    }
    expect(c.rateAt(t)).toBeLessThan(30); // no floor at half of --rate
  });

  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 3000 })), { minLength: 1, maxLength: 12 })])(
    'a 429 always lowers the rate, after the first by at most half, also once its pause is over',
    (episodes) => {
      const c = new RateControl();
      let t = 0;
      episodes.forEach(([accepted, gap], i) => {
        for (let k = 0; k < accepted; k++) c.onAccepted(t + (k * gap) / Math.max(1, accepted));
        t += gap;
        const before = c.rateAt(t);
        const d = c.onThrottled(t, t + 1000);
        expect(d.rate).toBeLessThan(before);
        // (A window read as N/W is exact and may say more.)
        if (i > 0 && c.model !== 'window') expect(d.rate).toBeGreaterThanOrEqual(before * 0.5 - 1e-9);
        t += 1000;
        // Decided again when the pause ends (late answers counted): still lower than before.
        expect(c.rateAt(t)).toBeLessThan(before);
      });
    },
  );

  it('a stated quota sets the rate just under it, capped by --rate', () => {
    const c = new RateControl({ ceiling: 80 });
    c.onStatedRate(100, 0);
    expect(c.phase).toBe('headers');
    expect(c.rateAt(5000)).toBeCloseTo(80 * 0.985, 5);
    const free = new RateControl();
    free.onStatedRate(100, 0);
    expect(free.rateAt(5000)).toBeCloseTo(98.5, 5);
  });

  it('settled, it probes upward, faster the longer no 429 comes', () => {
    const c = new RateControl();
    for (let k = 0; k < 50; k++) c.onAccepted(k * 10);
    c.onThrottled(500, 1500);
    const base = c.rateAt(1500);
    const after10 = c.rateAt(11_500) / base;
    const after30 = c.rateAt(31_500) / base;
    const after60 = c.rateAt(61_500) / base;
    expect(after10).toBeLessThan(1.02); // a steady limit is probed gently…
    expect(after30).toBeGreaterThan(1.1); // …a limit that rose is found within a minute
    expect(after60).toBeGreaterThan(1.8);
  });
});

describe('RateControl against a window it has read', () => {
  /** Sends at the control's rate into an exact sliding window of 100 in any 1 s, until `untilMs`. */
  const drive = (c: RateControl, from: number, untilMs: number, log: number[]): number => {
    let t = from;
    while (t < untilMs) {
      c.begin(t);
      const inWindow = log.filter((x) => x > t - 1000).length;
      if (inWindow >= 100) {
        c.onThrottled(t, t + 1000);
        t += 1000;
        continue;
      }
      log.push(t);
      c.onAccepted(t);
      t += 1000 / c.rateAt(t);
    }
    return t;
  };

  it('keeps the window through one 429 under it (a stall can cause one), not through two', () => {
    const c = new RateControl();
    const log: number[] = [];
    let t = drive(c, 0, 20_000, log);
    expect(c.model).toBe('window');
    const paced = c.rateAt(t);
    expect(paced).toBeGreaterThan(97);

    // A 429 the window does not explain: the server moved a request or two into it.
    c.onThrottled(t, t + 1000);
    t = drive(c, t + 1000, t + 5000, log);
    expect(c.model).toBe('window');
    expect(c.rateAt(t)).toBeGreaterThan(paced * 0.97);

    // A second one: the window is not the server's; a bucket is fitted instead.
    c.onThrottled(t, t + 1000);
    c.rateAt(t + 1000);
    expect(c.model).toBe('bucket');
  });

  it('keeps it through one such 429 now and then (the probe above it, a stall a minute later)', () => {
    const c = new RateControl();
    const log: number[] = [];
    let t = drive(c, 0, 20_000, log);
    c.onThrottled(t, t + 1000);
    // 30 s on, the probe above the window meets it: a 429 at about the window's rate again.
    const before = log.length;
    t = drive(c, t + 1000, t + 70_000, log);
    expect(c.model).toBe('window');
    expect(c.rateAt(t)).toBeGreaterThan(95);
    expect((log.length - before) / 69).toBeGreaterThan(95);
  });
});

describe('concurrency', () => {
  it('keeps rate × round trip in flight, with room for jitter, never above the cap', () => {
    expect(concurrencyFor(100, 50, 32)).toBe(10); // 100/s × 50 ms = 5, × 1.5 + 2
    expect(concurrencyFor(100, 50, 8)).toBe(8);
    expect(concurrencyFor(100, 1, 8)).toBe(3);
    expect(concurrencyFor(undefined, 1, 8)).toBe(8);
    expect(smoothRoundTrip(undefined, 40)).toBe(40);
    expect(smoothRoundTrip(40, 48)).toBe(41);
  });
});
