import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/api/rate-limit.js';

/** A fake clock whose sleep advances time (the bucket is then driven without real waiting). */
function fakeTime() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), get t() { return t; } };
}

describe('TokenBucket', () => {
  it('lets through at most burst + rate·t requests', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 50, burst: 5, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 505; i++) await bucket.take();
    // 505 requests = 5 from the burst + 500 at 50/s → 10 s.
    expect(clock.t).toBeCloseTo(10_000, 0);
  });

  it('does not wait while the burst lasts, then waits', () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    expect(bucket.waitTime()).toBe(0);
    void bucket.take();
    void bucket.take();
    void bucket.take();
    expect(bucket.waitTime()).toBeCloseTo(100, 5);
  });

  it('never saves more than the burst while idle', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 100, burst: 2, now: clock.now, sleep: clock.sleep });
    await clock.sleep(60_000);
    const before = clock.t;
    for (let i = 0; i < 12; i++) await bucket.take();
    expect(clock.t - before).toBeCloseTo(100, 5); // 2 free, 10 at 10 ms each
  });

  it('follows rate changes and can be unlimited', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: undefined, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 1000; i++) await bucket.take();
    expect(clock.t).toBe(0);
    bucket.setRate(1000);
    expect(bucket.rate).toBe(1000);
    for (let i = 0; i < 1020; i++) await bucket.take();
    expect(clock.t).toBeGreaterThanOrEqual(999);
    expect(clock.t).toBeLessThanOrEqual(1020); // at most the burst (20) was saved up
  });
});
