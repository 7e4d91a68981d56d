/**
 * Sorts an error from a PATCH into what the write loop does next. Matches the
 * client's error family (src/api/errors.ts) by its data fields and names, not by
 * message, so it also works across module copies.
 */
export type WriteFailure =
  /** Never sent: the run was interrupted while the request waited for its turn. */
  | { kind: 'not-sent' }
  /** 412: the referral's eTag is not the one sent; read it and judge. */
  | { kind: 'precondition' }
  /** The request may have been committed (connection lost after sending, timeout): read it and judge. */
  | { kind: 'ambiguous'; message: string }
  /** Not committed, worth another try after a backoff (5xx, connection refused, 429 after the client's own retries). */
  | { kind: 'transient'; message: string; mayHaveCommitted: boolean }
  /** The server refused this entry (400, 404, 409, 422...): the entry fails, the run goes on. */
  | { kind: 'rejected'; message: string }
  /** Nothing else will work either (401/403, a bug): stop the run. */
  | { kind: 'fatal'; error: unknown };

interface ErrorFields {
  name?: string;
  status?: number;
  ambiguous?: boolean;
  apiCode?: string;
  message?: string;
}

export function classifyWriteError(e: unknown): WriteFailure {
  if (typeof e !== 'object' || e === null) return { kind: 'fatal', error: e };
  const f = e as ErrorFields;
  const message = typeof f.message === 'string' ? f.message : String(e);
  if (f.name === 'NotSentError' || (e as { notSent?: unknown }).notSent === true) return { kind: 'not-sent' };
  if (f.name === 'PreconditionFailedError' || f.status === 412) return { kind: 'precondition' };
  if (f.name === 'AuthError' || f.status === 401 || f.status === 403) return { kind: 'fatal', error: e };
  // NetworkError and its TimeoutError subclass say whether the request may have reached the server.
  if (typeof f.ambiguous === 'boolean') {
    return f.ambiguous ? { kind: 'ambiguous', message } : { kind: 'transient', message, mayHaveCommitted: false };
  }
  if (f.name === 'TimeoutError') return { kind: 'ambiguous', message };
  if (f.name === 'RateLimitedError' || f.status === 429) return { kind: 'transient', message, mayHaveCommitted: false };
  if (typeof f.status === 'number') {
    // A 2xx whose body could not be read (cut off, not JSON): the server took the write, only the
    // answer is lost. Settle it by reading, like a dropped connection; never as a refusal, or
    // the next run would find our own write and call it "unchanged", outside the rollback.
    if (f.status >= 200 && f.status < 300) return { kind: 'ambiguous', message };
    // A 503 is "not processed"; other 5xx might have failed after the commit, so a
    // later 412 that shows the planned values must count as applied, not unchanged.
    if (f.status >= 500) return { kind: 'transient', message, mayHaveCommitted: f.status !== 503 };
    if (f.status === 404) return { kind: 'rejected', message: 'the referral no longer exists (404)' };
    return { kind: 'rejected', message };
  }
  return { kind: 'fatal', error: e };
}
