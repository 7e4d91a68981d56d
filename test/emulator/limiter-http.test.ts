import { describe, expect, it } from 'vitest';
import { parseEmulatorFlags } from '../../src/cli/commands/emulator-action.js';
import { startEmulator } from '../../src/emulator/index.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

const ID = 'dddddddd-0000-4000-8000-000000000001';
const patch = [{ op: 'replace', path: '/details/notes', value: 'n' }];

describe('emulator limiter shapes over HTTP', () => {
  it('fixed window: Retry-After to the window end and IETF headers on every answer', async () => {
    const emu = await startEmulator({ limiter: 'fixed-window', rate: 1, windowSeconds: 30, rateLimitHeaders: 'ietf', referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      const replies = [];
      for (let i = 0; i < 31; i++) replies.push(await call('GET', u));
      expect(replies.slice(0, 30).every((r) => r.status === 200)).toBe(true);
      expect(replies[0]?.headers).toMatchObject({ 'ratelimit-limit': '30', 'ratelimit-remaining': '29', 'ratelimit-policy': '30;w=30' });
      const last = replies[30]!;
      expect(last.status).toBe(429);
      expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(29); // the window's end, not one token
      expect(last.headers['ratelimit-remaining']).toBe('0');
    } finally {
      await emu.close();
    }
  });

  it('a write quota throttles PATCHes, not GETs, with APIM-style headers; --retry-after none sends none', async () => {
    const emu = await startEmulator({ writeRate: 0.5, burst: 1, retryAfter: 'none', rateLimitHeaders: 'apim', referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      for (let i = 0; i < 20; i++) expect((await call('GET', u)).status).toBe(200);
      const first = await call('PATCH', u, { body: patch, headers: { 'if-match': '*' } });
      expect(first.status).toBeLessThan(300);
      expect(first.headers['x-ratelimit-remaining-writes']).toBe('0');
      const second = await call('PATCH', u, { body: patch, headers: { 'if-match': '*' } });
      expect(second.status).toBe(429);
      expect(second.headers['retry-after']).toBeUndefined();
      expect(emu.store.get(ID)?.details?.notes).toBe('n');
    } finally {
      await emu.close();
    }
  });

  it('sliding window from the CLI flags', async () => {
    const options = parseEmulatorFlags({ port: '0', limiter: 'sliding-window', rate: '2', window: '5', ratelimitHeaders: 'both' });
    const emu = await startEmulator({ ...options, referrals: [makeReferral({ id: ID })] });
    try {
      const u = `${referralsUrl(emu.url)}/${ID}`;
      const statuses = [];
      for (let i = 0; i < 11; i++) statuses.push((await call('GET', u)).status);
      expect(statuses).toEqual([...Array(10).fill(200), 429]);
    } finally {
      await emu.close();
    }
  });

  it.each([
    [{ limiter: 'leaky' }, /--limiter must be one of token-bucket, fixed-window, sliding-window/],
    [{ rate: '10', limiter: 'fixed-window', burst: '3' }, /--burst applies to --limiter token-bucket/],
    [{ rate: '10', window: '3' }, /--window applies to --limiter fixed-window or sliding-window/],
    [{ rate: '10', rateSchedule: '0:10,5:5' }, /either --rate or --rate-schedule/],
    [{ rateSchedule: '3:10' }, /--rate-schedule: the first step must start at 0/],
    [{ retryAfter: 'none' }, /--retry-after needs --rate, --write-rate or --rate-schedule/],
    [{ rate: '5', ratelimitHeaders: 'draft' }, /--ratelimit-headers must be one of ietf, apim, both/],
  ])('refuses %j with a message naming the flag', (flags, message) => {
    expect(() => parseEmulatorFlags(flags)).toThrow(message);
  });
});
