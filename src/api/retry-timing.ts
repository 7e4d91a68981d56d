/**
 * Pure retry timing: Retry-After parsing, jittered exponential backoff, and which failures a read
 * may retry. No clocks or randomness of its own; callers pass `now` and `random`.
 */

/**
 * `Retry-After` as milliseconds to wait: either delta-seconds (`57`) or an HTTP date.
 * Returns undefined when absent or unparseable (the caller then falls back to backoff).
 * A date in the past gives 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only accept things that look like an HTTP date (they contain a letter and a colon), so that
  // garbage such as "-5" or "soon" is not read by Date.parse's lenient rules.
  if (!/[A-Za-z]/.test(text) || !text.includes(':')) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export interface BackoffOptions {
  /** First delay in ms. */
  baseMs?: number;
  /** Largest delay in ms. */
  maxMs?: number;
}

/**
 * The pause after a 429 that came without Retry-After: 0.25–0.5 s, doubling with each 429 the
 * same request gets, up to a minute. Short at first: a server that names no wait usually refills
 * in well under a second, and every later 429 doubles it.
 */
export const THROTTLE_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 60_000 };

/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniform delay in
 * [base·2^(attempt-1) / 2, base·2^(attempt-1)], capped. Half the window is kept as a floor so a
 * retry is never immediate (the throttling guidance says immediate retries count against you).
 * `attempt` is 1 for the first retry.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 20_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay before a retry: what the server asked for when it said so, backoff otherwise. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, random: () => number, options: BackoffOptions = {}): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return backoffDelay(attempt, random, options);
}

/** Statuses a read retries: the server failed or is unavailable, the request did no harm. */
export function isRetryableReadStatus(status: number): boolean {
  return status === 500 || status === 502 || status === 503 || status === 504;
}

/** Statuses that mean "throttled: not processed, wait and send again" for reads and writes alike. */
export function isThrottleStatus(status: number): boolean {
  return status === 429;
}

/**
 * undici / Node socket error codes that mean the request was never put on the wire, so even a
 * write can be sent again safely. Any other failure after a write was sent is ambiguous.
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
]);

/** The server is not there at all (nothing listening, no such host, no route): retrying does not help a first contact. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function isUnreachableError(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function codeOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** Whether a transport error happened before the request could have reached the server. */
export function isNotSentError(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

export function isTimeoutError(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && TIMEOUT_CODES.has(code);
}

/** Transport errors a read retries (all of them: a GET changes nothing). */
export function isRetryableReadError(e: unknown): boolean {
  return codeOf(e) !== undefined || (e instanceof Error && /socket|ECONNRESET|other side closed/i.test(e.message));
}
