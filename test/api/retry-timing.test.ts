import { describe, expect, it } from 'vitest';
import { backoffDelay, THROTTLE_BACKOFF, isNotSentError, isRetryableReadStatus, parseRetryAfter, retryDelay } from '../../src/api/retry-timing.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('57', now)).toBe(57_000);
    expect(parseRetryAfter(' 1 ', now)).toBe(1000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000);
  });
  it('reads HTTP dates, a past date meaning now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent and garbage values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoff', () => {
  it('grows exponentially within [ceiling/2, ceiling] and is capped', () => {
    expect(backoffDelay(1, () => 0, { baseMs: 100 })).toBe(50);
    expect(backoffDelay(1, () => 1, { baseMs: 100 })).toBe(100);
    expect(backoffDelay(4, () => 1, { baseMs: 100 })).toBe(800);
    expect(backoffDelay(30, () => 1, { baseMs: 100, maxMs: 5000 })).toBe(5000);
    for (let a = 1; a < 10; a++) expect(backoffDelay(a, () => 0.5)).toBeGreaterThan(0);
  });
  it('after a 429 without Retry-After: 0.25–0.5 s at first, doubling, at most a minute', () => {
    expect(backoffDelay(1, () => 0, THROTTLE_BACKOFF)).toBe(250);
    expect(backoffDelay(1, () => 1, THROTTLE_BACKOFF)).toBe(500);
    expect(backoffDelay(2, () => 1, THROTTLE_BACKOFF)).toBe(1000);
    expect(backoffDelay(20, () => 1, THROTTLE_BACKOFF)).toBe(60_000);
  });
  it('prefers the server\'s Retry-After', () => {
    expect(retryDelay(3, 7000, () => 0)).toBe(7000);
    expect(retryDelay(1, undefined, () => 1, { baseMs: 100 })).toBe(100);
  });
  it('classifies statuses and transport errors', () => {
    expect([500, 502, 503, 504].every(isRetryableReadStatus)).toBe(true);
    expect([400, 401, 404, 412, 429].some(isRetryableReadStatus)).toBe(false);
    expect(isNotSentError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isNotSentError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }))).toBe(false);
  });
});
