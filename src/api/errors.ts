import { RefplanError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';

/**
 * The API client's failures. Every one extends RefplanError with exit code 1 (operational);
 * callers act on the fields (status, apiCode, ambiguous), never on the message.
 * Messages and fields never hold request headers or tokens: the client builds them from the
 * method, the path (without query string) and the response body only.
 */

const EXCERPT_CHARS = 300;

/** What an error body said, from either shape the API uses. */
export interface ParsedErrorBody {
  /** `error.code` of the documented shape, or `statusCode` of the flat APIM shape (as text). */
  apiCode: string | undefined;
  message: string | undefined;
  target: string | undefined;
}

/**
 * Parses `{"error":{"code","message","target","innerError"}}` and the flat
 * `{"statusCode":429,"message":"..."}` that throttling answers carry. Anything else: all undefined.
 */
export function parseErrorBody(text: string): ParsedErrorBody {
  const empty: ParsedErrorBody = { apiCode: undefined, message: undefined, target: undefined };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return empty;
  }
  if (typeof body !== 'object' || body === null) return empty;
  const rec = body as Record<string, unknown>;
  const nested = rec['error'];
  if (typeof nested === 'object' && nested !== null) {
    const e = nested as Record<string, unknown>;
    return {
      apiCode: typeof e['code'] === 'string' ? e['code'] : undefined,
      message: typeof e['message'] === 'string' ? e['message'] : undefined,
      target: typeof e['target'] === 'string' ? e['target'] : undefined,
    };
  }
  if (typeof rec['statusCode'] === 'number' || typeof rec['statusCode'] === 'string') {
    return {
      apiCode: String(rec['statusCode']),
      message: typeof rec['message'] === 'string' ? rec['message'] : undefined,
      target: undefined,
    };
  }
  return empty;
}

export function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > EXCERPT_CHARS ? `${oneLine.slice(0, EXCERPT_CHARS)}…` : oneLine;
}

export interface ApiErrorInit {
  status: number;
  method: string;
  /** Path relative to the base URL, without the query string (e.g. `/engagements/referrals/<id>`). */
  path: string;
  requestId: string | undefined;
  /** The raw response body (only an excerpt is kept). */
  body: string;
  /** Milliseconds the server asked us to wait (Retry-After), when it said so. */
  retryAfterMs?: number | undefined;
  hint?: string;
}

/** A non-2xx answer from the API. */
export class ApiError extends RefplanError {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** `error.code` (e.g. `preconditionFailed`) or the flat body's `statusCode`; undefined if the body had neither. */
  readonly apiCode: string | undefined;
  /** The server's error message, when the body had one. */
  readonly apiMessage: string | undefined;
  /** The `MS-RequestId` refplan sent (the same on every retry of one logical request). */
  readonly requestId: string | undefined;
  readonly bodyExcerpt: string;
  readonly retryAfterMs: number | undefined;
  /** True for statuses a caller may safely retry later (429, 500, 502, 503, 504). */
  readonly retryable: boolean;

  constructor(init: ApiErrorInit, code = 'api') {
    const parsed = parseErrorBody(init.body);
    const what = parsed.apiCode !== undefined ? `${init.status} ${parsed.apiCode}` : `${init.status}`;
    const said = parsed.message !== undefined ? `: ${excerpt(parsed.message)}` : '';
    const rid = init.requestId !== undefined ? ` (request id ${init.requestId})` : '';
    super(code, `${init.method} ${init.path} failed: ${what}${rid}${said}`, {
      exitCode: ExitCode.error,
      hint: init.hint ?? defaultHint(init.status),
    });
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.apiCode = parsed.apiCode;
    this.apiMessage = parsed.message;
    this.requestId = init.requestId;
    this.bodyExcerpt = excerpt(init.body);
    this.retryAfterMs = init.retryAfterMs;
    this.retryable = [429, 500, 502, 503, 504].includes(init.status);
  }
}

function defaultHint(status: number): string {
  if (status >= 500) return 'The API failed on its side; try again later. Reads are retried automatically; refplan apply retries writes safely.';
  if (status === 400) return 'The API refused the request as invalid; the message above says which field. Check the change set or plan.';
  return 'See the status and code above; the request id helps Microsoft support find the call.';
}

/** 412: the referral changed since its eTag was read (If-Match mismatch). */
export class PreconditionFailedError extends ApiError {
  constructor(init: ApiErrorInit) {
    super({ ...init, hint: init.hint ?? 'The referral changed after refplan read it. Plan again, or apply with --rebase.' }, 'precondition-failed');
  }
}

/** 404: no such referral (or a wrong base URL). */
export class NotFoundError extends ApiError {
  constructor(init: ApiErrorInit) {
    super({ ...init, hint: init.hint ?? 'Check the referral id, and that --base-url / REFPLAN_BASE_URL points at the referrals API.' }, 'not-found');
  }
}

/** 429 that was still answered after every retry refplan was willing to make. */
export class RateLimitedError extends ApiError {
  constructor(init: ApiErrorInit) {
    super({ ...init, hint: init.hint ?? 'The API kept throttling. Lower --rate or --concurrency, or try again later.' }, 'rate-limited');
  }
}

/** 401 (token missing, expired or wrong) or 403 (the account lacks a referrals role). */
export class AuthError extends ApiError {
  constructor(init: ApiErrorInit) {
    super(
      {
        ...init,
        hint:
          init.hint ??
          (init.status === 403
            ? 'The signed-in account lacks the Referrals Admin or Referrals User role (or conditional access refused the token).'
            : 'Check REFPLAN_TOKEN, --token-command or --auth: the API did not accept the token.'),
      },
      'auth',
    );
  }
}

/** Builds the right ApiError subclass for a status. */
export function apiErrorFor(init: ApiErrorInit): ApiError {
  switch (init.status) {
    case 401:
    case 403:
      return new AuthError(init);
    case 404:
      return new NotFoundError(init);
    case 412:
      return new PreconditionFailedError(init);
    case 429:
      return new RateLimitedError(init);
    default:
      return new ApiError(init);
  }
}

export interface NetworkErrorInit {
  method: string;
  path: string;
  requestId: string | undefined;
  /**
   * True when the request may have reached the server (the connection dropped or timed out after
   * it was sent): a write may have been committed. The caller resolves it by reading.
   */
  ambiguous: boolean;
  cause: unknown;
}

/**
 * A request refplan did not send because the run was interrupted (Ctrl+C) while it waited for
 * its turn: it never left, so nothing can have been committed.
 */
export class NotSentError extends RefplanError {
  readonly notSent = true;
  constructor(what: string) {
    super('interrupted', `${what} not sent: the run was interrupted`, { exitCode: ExitCode.error });
  }
}

/** No HTTP answer: connection refused, reset, dropped, DNS failure. `cause` keeps the socket error. */
export class NetworkError extends RefplanError {
  readonly method: string;
  readonly path: string;
  readonly requestId: string | undefined;
  readonly ambiguous: boolean;
  /** The underlying error code (e.g. `ECONNRESET`, `UND_ERR_SOCKET`), when known. */
  readonly errorCode: string | undefined;

  constructor(init: NetworkErrorInit, what = 'network error', code = 'network', text?: { message: string; hint: string }) {
    const errorCode = causeCode(init.cause);
    const rid = init.requestId !== undefined ? ` (request id ${init.requestId})` : '';
    const amb = init.ambiguous ? '; the request may have reached the server' : '';
    super(code, text?.message ?? `${init.method} ${init.path} failed: ${what}${errorCode !== undefined ? ` ${errorCode}` : ''}${rid}${amb}`, {
      exitCode: ExitCode.error,
      hint: text !== undefined ? text.hint : init.ambiguous
        ? 'The connection dropped after the request was sent, so the server may or may not have processed it. refplan apply resolves this by reading the referral; do not resend blindly.'
        : 'Check --base-url / REFPLAN_BASE_URL and the network connection.',
      cause: init.cause,
    });
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.ambiguous = init.ambiguous;
    this.errorCode = errorCode;
  }
}

/**
 * Nothing answered at the API's address before it ever had (connection refused, no such host, no
 * route): named by host:port, with what to check, instead of a path and an error code.
 */
export class UnreachableError extends NetworkError {
  /** `host:port` of the API. */
  readonly host: string;
  constructor(init: NetworkErrorInit, url: string) {
    const target = new URL(url);
    const port = target.port !== '' ? target.port : target.protocol === 'https:' ? '443' : '80';
    const host = `${target.hostname}:${port}`;
    const errorCode = causeCode(init.cause);
    const dns = errorCode === 'ENOTFOUND' || errorCode === 'EAI_AGAIN';
    const why = dns ? `the host name ${target.hostname} does not resolve` : errorCode === 'ECONNREFUSED' ? 'connection refused, nothing is listening there' : `no route to it (${errorCode ?? 'unreachable'})`;
    super(init, 'cannot connect', 'unreachable', {
      message: `cannot connect to ${host}: ${why} (${init.method} ${init.path}; nothing was sent)`,
      hint: dns
        ? `Check the host in --base-url / REFPLAN_BASE_URL (${target.origin}) and this machine's DNS.`
        : `Check --base-url / REFPLAN_BASE_URL (${target.origin}): is the API (or \`refplan emulator\`) running on that host and port, with no firewall or proxy in between?`,
    });
    this.host = host;
  }
}

/** No (complete) answer within `timeoutMs`. A NetworkError, so callers handle both the same way. */
export class TimeoutError extends NetworkError {
  readonly timeoutMs: number;
  constructor(init: NetworkErrorInit & { timeoutMs: number }) {
    super(init, `timed out after ${init.timeoutMs} ms`, 'timeout');
    this.timeoutMs = init.timeoutMs;
  }
}

function causeCode(cause: unknown): string | undefined {
  if (typeof cause === 'object' && cause !== null && 'code' in cause) {
    const c = (cause as { code: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}
