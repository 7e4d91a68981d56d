import { describe, expect, it } from 'vitest';
import { RefplanError } from '../../src/core/errors.js';
import { ApiError, apiErrorFor, AuthError, NetworkError, NotFoundError, parseErrorBody, PreconditionFailedError, RateLimitedError, TimeoutError } from '../../src/api/errors.js';

describe('parseErrorBody', () => {
  it('reads the documented nested shape', () => {
    expect(parseErrorBody('{"error":{"code":"preconditionFailed","message":"ETag mismatch","target":"eTag"}}')).toEqual({
      apiCode: 'preconditionFailed',
      message: 'ETag mismatch',
      target: 'eTag',
    });
  });
  it('reads the flat APIM shape of 429s', () => {
    expect(parseErrorBody('{"statusCode":429,"message":"Rate limit is exceeded. Try again in 57 seconds."}')).toEqual({
      apiCode: '429',
      message: 'Rate limit is exceeded. Try again in 57 seconds.',
      target: undefined,
    });
  });
  it('gives nothing for non-JSON and other shapes', () => {
    expect(parseErrorBody('<html>bad gateway</html>').apiCode).toBeUndefined();
    expect(parseErrorBody('[1,2]').apiCode).toBeUndefined();
    expect(parseErrorBody('null').apiCode).toBeUndefined();
  });
});

describe('ApiError family', () => {
  const init = { method: 'PATCH', path: '/engagements/referrals/r1', requestId: 'rid-1', body: '{"error":{"code":"preconditionFailed","message":"changed"}}' };

  it('maps statuses to subclasses, all RefplanErrors with exit code 1', () => {
    const cases: Array<[number, new (...a: never[]) => ApiError]> = [
      [401, AuthError],
      [403, AuthError],
      [404, NotFoundError],
      [412, PreconditionFailedError],
      [429, RateLimitedError],
    ];
    for (const [status, cls] of cases) {
      const e = apiErrorFor({ ...init, status });
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(ApiError);
      expect(e).toBeInstanceOf(RefplanError);
      expect(e.exitCode).toBe(1);
      expect(e.hint).toBeTruthy();
    }
    expect(apiErrorFor({ ...init, status: 500 }).constructor).toBe(ApiError);
  });

  it('says method, path, status, code and request id', () => {
    const e = apiErrorFor({ ...init, status: 412 });
    expect(e.message).toBe('PATCH /engagements/referrals/r1 failed: 412 preconditionFailed (request id rid-1): changed');
    expect(e.apiCode).toBe('preconditionFailed');
    expect(e.requestId).toBe('rid-1');
    expect(e.status).toBe(412);
  });

  it('keeps only an excerpt of long bodies and marks retryable statuses', () => {
    const e = apiErrorFor({ ...init, status: 503, body: 'x'.repeat(5000) });
    expect(e.bodyExcerpt.length).toBeLessThan(400);
    expect(e.retryable).toBe(true);
    expect(apiErrorFor({ ...init, status: 400 }).retryable).toBe(false);
  });

  it('network errors keep the cause and say whether the request may have been processed', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const e = new NetworkError({ method: 'PATCH', path: '/engagements/referrals/r1', requestId: 'rid', ambiguous: true, cause });
    expect(e.cause).toBe(cause);
    expect(e.errorCode).toBe('UND_ERR_SOCKET');
    expect(e.ambiguous).toBe(true);
    expect(e.message).toContain('may have reached the server');
    const t = new TimeoutError({ method: 'GET', path: '/x', requestId: 'r', ambiguous: false, cause, timeoutMs: 100 });
    expect(t).toBeInstanceOf(NetworkError);
    expect(t.message).toContain('timed out after 100 ms');
  });
});
