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

  it('does not wait while the burst lasts, then waits', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    expect(bucket.waitTime()).toBe(0);
    await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    expect(clock.t).toBe(0);
    expect(bucket.waitTime()).toBeCloseTo(100, 5);
  });

  it('queued takes follow a rate change at once, not after slots reserved at the old rate', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 10, now: clock.now, sleep: clock.sleep });
    const sends: number[] = [];
    const queued = Array.from({ length: 6 }, () => bucket.take().then(() => sends.push(clock.t)));
    await queued[0];
    bucket.setRate(1000);
    await Promise.all(queued);
    // One interval at the old rate (the first in line held it), then 1 ms apart.
    expect(sends[sends.length - 1]).toBeLessThan(110);
  });

  it('an aborted take uses no slot', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 10, now: clock.now, sleep: clock.sleep });
    await bucket.take();
    const gone = new AbortController();
    gone.abort();
    await bucket.take(gone.signal);
    await bucket.take();
    expect(clock.t).toBeCloseTo(100, 5);
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

describe('TokenBucket with the default burst of 1 (the scheduler\'s pacer)', () => {
  it('never lets two requests through at once, even when one wakes late, and wins the late time back', async () => {
    let t = 0;
    let late = 0;
    const sends: number[] = [];
    const bucket = new TokenBucket({
      rate: 100,
      now: () => t,
      // every third sleep ends 4 ms late, as a busy event loop's timers do
      sleep: async (ms) => void (t += ms + (late++ % 3 === 0 ? 4 : 0)),
    });
    for (let i = 0; i < 300; i++) {
      await bucket.take();
      sends.push(t);
    }
    const gaps = sends.slice(1).map((s, i) => s - (sends[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(5 - 1e-9); // never two at once: ≥ half of 10 ms
    // …and the long-run rate still holds: the late time is won back.
    expect(sends[sends.length - 1]! / 299).toBeLessThan(10.2);
  });

  it('limitTo: the server said nothing is left, so the next request waits a whole interval', async () => {
    let t = 0;
    const bucket = new TokenBucket({ rate: 10, now: () => t, sleep: async (ms) => void (t += ms) });
    bucket.limitTo(0);
    expect(bucket.waitTime()).toBeCloseTo(100, 5);
    bucket.limitTo(-2);
    expect(bucket.waitTime()).toBeCloseTo(300, 5);
  });

  it('allowEarly: that many go now (half an interval apart), then the pace resumes', async () => {
    const clock = fakeTime();
    const bucket = new TokenBucket({ rate: 10, now: clock.now, sleep: clock.sleep });
    await bucket.take(); // t = 0; the next slot is at 100
    bucket.allowEarly(5);
    for (let i = 0; i < 5; i++) await bucket.take();
    // Five early sends 50 ms apart instead of five 100 ms apart.
    expect(clock.t).toBeCloseTo(250, 5);
    // The early sends came on top of the pace, whose slot (100) is past: the next goes half an
    // interval after the last, and from then on one every interval.
    await bucket.take();
    expect(clock.t).toBeCloseTo(300, 5);
    await bucket.take();
    expect(clock.t).toBeCloseTo(400, 5);
    bucket.allowEarly(0.5); // less than one request: nothing early
    expect(bucket.waitTime()).toBeCloseTo(100, 5);
    bucket.allowEarly(3);
    bucket.limitTo(0); // the server then said nothing is left: nothing early either
    expect(bucket.waitTime()).toBeGreaterThan(0);
  });

  it('allowEarly while the next request sleeps for its slot: the credit is kept for those after it', async () => {
    let t = 0;
    const timers: { at: number; fire: () => void }[] = [];
    const sleep = (ms: number): Promise<void> => new Promise((r) => timers.push({ at: t + ms, fire: r }));
    const bucket = new TokenBucket({ rate: 10, now: () => t, sleep });
    await bucket.take(); // t = 0
    const sleeping = bucket.take(); // waits for 100
    await Promise.resolve();
    bucket.allowEarly(3);
    const timer = timers.shift()!;
    t = timer.at;
    timer.fire();
    await sleeping;
    // Without the credit the one after would wait another 100 ms.
    expect(bucket.waitTime()).toBeLessThanOrEqual(0);
  });
});
