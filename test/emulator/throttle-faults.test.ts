import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { Faults } from '../../src/emulator/faults.js';
import { TokenBucket } from '../../src/emulator/rate-limit.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

const ID = 'cccccccc-0000-4000-8000-000000000001';

describe('throttling', () => {
  it('answers 429 with an integer Retry-After and the flat {statusCode, message} body above the rate', async () => {
    const emu = await startEmulator({ rate: 0.5, burst: 2, referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      const statuses = [];
      let throttled;
      for (let i = 0; i < 3; i++) {
        const r = await call('GET', u);
        statuses.push(r.status);
        if (r.status === 429) throttled = r;
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(throttled?.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(throttled?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(throttled?.json).toEqual({ statusCode: 429, message: expect.stringMatching(/Rate limit is exceeded\. Try again in \d+ seconds\./) });
      expect(emu.stats().requests.byStatus['429']).toBe(1);
      // the emulator's own endpoints are never throttled
      expect((await call('GET', `${emu.url.replace('/v1.0', '')}/_emulator/stats`)).status).toBe(200);
    } finally {
      await emu.close();
    }
  });

  it('refills the bucket at the rate (token bucket with an injected clock)', () => {
    let t = 0;
    const bucket = new TokenBucket({ rate: 10, burst: 3, now: () => t });
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([undefined, undefined, undefined]);
    expect(bucket.take()).toBe(1);
    t += 100; // one token per 100 ms
    expect(bucket.take()).toBeUndefined();
    expect(bucket.take()).toBe(1);
    t += 10_000; // never more than the burst
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([undefined, undefined, undefined, 1]);
  });
});

describe('faults', () => {
  it('fail-rate 1 answers 500/503 before processing: no write happens', async () => {
    const emu = await startEmulator({ failRate: 1, referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      const statuses = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const r = await call('PATCH', u, { body: [{ op: 'replace', path: '/details/notes', value: `n${i}` }] });
        statuses.add(r.status);
        expect(['generalException', 'serviceNotAvailable']).toContain(r.json.error.code);
      }
      expect([...statuses].sort()).toEqual([500, 503]);
      expect(emu.stats().commits.total).toBe(0);
      expect(emu.store.get(ID)?.details?.notes).toBe('initial notes');
    } finally {
      await emu.close();
    }
  });

  it('is seeded: the same seed gives the same fault sequence', async () => {
    const sequence = async (seed: number) => {
      const emu = await startEmulator({ failRate: 0.5, randomSeed: seed, referrals: [makeReferral({ id: ID })] });
      try {
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await call('GET', `${referralsUrl(emu.url)}/${ID}`)).status);
        return out;
      } finally {
        await emu.close();
      }
    };
    const a = await sequence(42);
    const b = await sequence(42);
    const c = await sequence(43);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.some((s) => s === 200) && a.some((s) => s >= 500)).toBe(true);
  });

  it('reset-after-commit: the write is committed and counted, the client sees a socket error', async () => {
    const emu = await startEmulator({ resetAfterCommitRate: 1, referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      await expect(
        call('PATCH', u, { body: [{ op: 'replace', path: '/details/notes', value: 'committed' }], headers: { prefer: 'return=representation' } }),
      ).rejects.toThrow(/other side closed|socket|ECONNRESET/i);
      expect(emu.stats().commits).toEqual({ total: 1, byId: { [ID]: 1 } });
      // reads are never dropped, and show the committed write
      const r = await call('GET', u);
      expect(r.json.details.notes).toBe('committed');
      const stats = emu.stats();
      expect(stats.requests.byMethod['PATCH']).toBe(1);
      expect(stats.requests.byStatus).toEqual({ '200': 1 }); // a dropped response has no status
    } finally {
      await emu.close();
    }
  });

  it('latency has jitter within ±25% of the mean and repeats for a seed', () => {
    const delays = (seed: number) => {
      const f = new Faults({ latencyMs: 100, seed });
      return Array.from({ length: 200 }, () => f.delayMs());
    };
    const a = delays(5);
    expect(a.every((d) => d >= 75 && d <= 125)).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(10);
    expect(delays(5)).toEqual(a);
  });
});
