import { describe, expect, it } from 'vitest';
import { RequestScheduler } from '../../src/api/scheduler.js';
import { parseRateSchedule } from '../../src/emulator/rate-limit.js';
import { simulateRun, type SimOptions } from '../helpers/throttle-sim.js';

/**
 * Rate control against each server limiter shape, in simulated time (the emulator's limiters as
 * the server, the real scheduler and rate control as the client, jittered network and timers).
 * The throughput goals themselves are measured in `npm run bench` over HTTP; these bounds are
 * what a regression in the model would break.
 */
const share = (r: { throttled: number; accepted: number }): number => r.throttled / (r.throttled + r.accepted);

const SHAPES: [string, SimOptions['server'], number, Partial<SimOptions>?][] = [
  ['token bucket, burst 100', { rate: 100, burst: 100 }, 0.93],
  ['token bucket, burst 10', { rate: 100, burst: 10 }, 0.9],
  // One 429 cannot tell a burst of 1 from one of 10 (see rate-control.ts): the first guess
  // (a tenth of a second) errs low here, and probing upward is slow by design.
  ['token bucket, burst 1', { rate: 100, burst: 1 }, 0.4],
  ['token bucket, burst 300', { rate: 100, burst: 300 }, 0.95],
  ['sliding window 100 in 1 s', { limiter: 'sliding-window', rate: 100, windowSeconds: 1 }, 0.85],
  ['fixed window 600 per 6 s', { limiter: 'fixed-window', rate: 100, windowSeconds: 6 }, 0.95],
  ['writes only, 50/s burst 5', { writeRate: 50, burst: 5 }, 0.9],
  ['limit halves at 10 s', { schedule: parseRateSchedule('0:100,10:50'), burst: 10 }, 0.85],
  ['50 ms latency, burst 10', { rate: 100, burst: 10 }, 0.88, { latencyMs: 50 }],
  ['no Retry-After, burst 10', { rate: 100, burst: 10, retryAfter: 'none' }, 0.93],
];

describe('learning an unknown limit, per shape (2,000 writes, simulated)', () => {
  it.each(SHAPES)('%s', async (_name, server, floor, extra) => {
    const r = await simulateRun({ server, requests: 2000, ...extra });
    expect(r.finished).toBe(true);
    expect(r.achieved).toBeGreaterThanOrEqual(floor);
    expect(share(r)).toBeLessThan(0.02);
  });
});

describe('limits far from 100/s', () => {
  it.each([
    // The slow start ends far faster than its average: a fit bounded by the average read these low.
    ['300/s, burst 30', { rate: 300, burst: 30 }, 6000, 0.9],
    ['500/s, burst 50', { rate: 500, burst: 50 }, 10_000, 0.9],
    // Slower than the slow start begins: refused at once, nothing measured (this was 0.13: the
    // rate fell to 0.08/s and crept back).
    ['10/s, burst 1', { rate: 10, burst: 1 }, 300, 0.6],
  ] as const)('%s', async (_name, server, requests, floor) => {
    const r = await simulateRun({ server, requests });
    expect(r.finished).toBe(true);
    expect(r.achieved).toBeGreaterThanOrEqual(floor);
  });

  it('1/s, burst 5: a window the server refused under is dropped for a bucket fit', async () => {
    // Over a short log the bucket looks like "10 in any 5 s"; read as that window, every 429
    // lowered the rate by 2 % only, and 28 of 128 requests were refused.
    const r = await simulateRun({ server: { rate: 1, burst: 5 }, requests: 100 });
    expect(r.finished).toBe(true);
    expect(r.throttled).toBeLessThanOrEqual(12);
    expect(r.scheduler.snapshot().estimatedServerRate).toBeLessThan(1.2);
  });
});

describe('pacing by rate-limit headers provokes no 429', () => {
  it.each(SHAPES.filter(([n]) => !n.includes('burst 1') && !n.includes('halves') && !n.includes('Retry')))('%s', async (_name, server, _floor, extra) => {
    const r = await simulateRun({ server: { ...server, headers: 'ietf' }, requests: 2000, ...extra });
    expect(r.throttled).toBe(0);
    expect(r.achieved).toBeGreaterThanOrEqual(0.95);
    expect(r.scheduler.snapshot().phase).toBe('headers');
  });

  it('a sliding window that stalls and then counts what arrived meanwhile back to back', async () => {
    // Paced at 98.5 % of 100 in any 1 s, a 20 ms stall lets the server count 101 sends in one of
    // its windows unless the client counts what the server can still hold in it by answers.
    for (const seed of [1, 2, 3]) {
      const r = await simulateRun({ server: { limiter: 'sliding-window', rate: 100, windowSeconds: 1, headers: 'ietf' }, requests: 2000, seed, oneWayMs: 2, timerLateMs: 4, serverStalls: { everyMs: 200, ms: 20 } });
      expect(r.throttled, `seed ${seed}`).toBe(0);
      expect(r.achieved).toBeGreaterThan(0.97);
    }
  });

  it('a quota saved up beyond what the pace would use before the reset is spent at once', async () => {
    // Burst 300 at 100/s: the bucket is full at the start and its reset is 1 s, so about 190
    // requests would overflow unused; pacing at the stated rate alone gives 0.984.
    const r = await simulateRun({ server: { rate: 100, burst: 300, headers: 'ietf' }, requests: 2000 });
    expect(r.throttled).toBe(0);
    expect(r.achieved).toBeGreaterThan(1.03);
  });

  it('APIM-style x-ratelimit-* headers too', async () => {
    const r = await simulateRun({ server: { limiter: 'fixed-window', rate: 100, windowSeconds: 2, headers: 'apim' }, requests: 1000 });
    expect(r.throttled).toBeLessThanOrEqual(1); // the window is inferred from the longest reset seen
    expect(r.achieved).toBeGreaterThanOrEqual(0.9);
  });
});

describe('--rate', () => {
  it('equal to the limit: just under it, no 429', async () => {
    for (const server of [{ rate: 100, burst: 10 }, { limiter: 'fixed-window' as const, rate: 100, windowSeconds: 6 }]) {
      const r = await simulateRun({ server, requests: 2000, rate: 100 });
      expect(r.throttled).toBe(0);
      expect(r.achieved).toBeGreaterThanOrEqual(0.97);
    }
  });

  it.each([
    ['burst 10', { rate: 100, burst: 10 }],
    ['burst 100', { rate: 100, burst: 100 }],
  ] as const)('five times too high (%s): learned under it, as if none were given', async (_n, server) => {
    const unknown = await simulateRun({ server, requests: 2000 });
    const r = await simulateRun({ server, requests: 2000, rate: 500 });
    expect(r.achieved).toBeGreaterThanOrEqual(0.9);
    expect(r.achieved).toBeGreaterThanOrEqual(unknown.achieved - 0.03);
    expect(share(r)).toBeLessThan(0.02);
    expect(r.scheduler.snapshot().rate).toBeGreaterThan(85);
    expect(r.scheduler.snapshot().rate).toBeLessThan(115);
  });

  it('equal to the limit of a burst-1 server: a 429 from jitter steps the rate down a little, not to a guess', async () => {
    const r = await simulateRun({ server: { rate: 100, burst: 1 }, requests: 2000, rate: 100 });
    expect(r.achieved).toBeGreaterThanOrEqual(0.7);
  });
});

describe('long runs (10 minutes of API time)', () => {
  it('a steady burst-10 limit: settled within a few percent, 429s rare', async () => {
    const r = await simulateRun({ server: { rate: 100, burst: 10 }, requests: 60_000 });
    expect(r.elapsedMs).toBeGreaterThan(590_000);
    expect(r.achieved).toBeGreaterThanOrEqual(0.93);
    expect(share(r)).toBeLessThan(0.002);
  }, 30_000);

  it('a limit that rises mid-run (50/s → 100/s at 60 s) is found', async () => {
    const r = await simulateRun({ server: { schedule: parseRateSchedule('0:50,60:100'), burst: 20 }, requests: 45_000 });
    expect(r.finished).toBe(true);
    expect(r.achieved).toBeGreaterThanOrEqual(0.8);
    expect(r.scheduler.snapshot().rate).toBeGreaterThan(85);
  }, 30_000);
});

describe('the scheduler', () => {
  it('a request sent in the same millisecond as the first 429 belongs to its episode', async () => {
    const t = 1000;
    const s = new RequestScheduler({ now: () => t, sleep: async () => {}, rate: 1000 });
    const a = await s.acquire('write');
    const b = await s.acquire('write');
    expect(a.sentAt).toBe(b.sentAt);
    s.onThrottled(a, 1000, 1000);
    s.onThrottled(b, 1000, 1000);
    expect(s.snapshot().pauses).toBe(1);
    expect(s.snapshot().estimatedServerRate).not.toBeNaN();
  });

  it('the slow start begins with the first request, not when the client was made', async () => {
    let t = 0;
    const s = new RequestScheduler({ now: () => t, sleep: async (ms) => void (t += ms) });
    t = 5000; // a run reads and checks its files first
    const k = await s.acquire('write');
    s.onAccepted(k);
    k.release();
    expect(s.snapshot().rate).toBeLessThan(25);
    const sim = await simulateRun({ server: { rate: 100, burst: 10 }, requests: 2000, startDelayMs: 3000 });
    expect(sim.achieved).toBeGreaterThanOrEqual(0.9);
  });

  it('a write quota never slows the reads', async () => {
    let t = 0;
    const s = new RequestScheduler({ now: () => t, sleep: async (ms) => void (t += ms) });
    const done = (k: Awaited<ReturnType<typeof s.acquire>>): void => {
      s.onAccepted(k);
      k.release();
    };
    for (let i = 0; i < 20; i++) done(await s.acquire('write'));
    const w = await s.acquire('write');
    s.onThrottled(w, 1000, 1000);
    w.release();
    t += 1000;
    const readsFrom = t;
    for (let i = 0; i < 50; i++) done(await s.acquire('read'));
    // Reads are still in their slow start (20/s and rising), not at the writes' learned rate.
    expect(t - readsFrom).toBeLessThan(2000);
  });

  it('keeps in flight about rate × latency, up to --concurrency', async () => {
    const r = await simulateRun({ server: { rate: 100, burst: 10 }, requests: 1500, latencyMs: 50, concurrency: 32 });
    const c = r.scheduler.snapshot().concurrency;
    expect(c).toBeGreaterThanOrEqual(6); // ≈ 97/s × 50 ms × 1.5 + 2
    expect(c).toBeLessThanOrEqual(12);
    const capped = await simulateRun({ server: { rate: 100, burst: 10 }, requests: 300, latencyMs: 50, concurrency: 3 });
    expect(capped.scheduler.snapshot().concurrency).toBeLessThanOrEqual(3);
  });

  it('without Retry-After, pauses follow jittered exponential backoff', async () => {
    const pauses: number[] = [];
    let t = 0;
    let n = 0;
    const s = new RequestScheduler({ now: () => t, sleep: async (ms) => void (t += ms), onEvent: (e) => e.type === 'paused' && pauses.push(e.durationMs) });
    for (let i = 0; i < 3; i++) {
      const k = await s.acquire('write');
      // The client passes its backoff (base 1 s, full jitter) when no Retry-After came.
      s.onThrottled(k, undefined, [700, 1900, 3300][n++] as number);
      k.release();
    }
    expect(pauses).toEqual([700, 1900, 3300]);
  });
});
