import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { RefplanError } from '../core/errors.js';
import type { PatchOp, Referral } from '../core/referral.js';
import { raceAbort, sleepUnlessAborted } from './abort.js';
import { ApiError, apiErrorFor, NetworkError, NotSentError, RateLimitedError, TimeoutError, UnreachableError } from './errors.js';
import { backoffDelay, THROTTLE_BACKOFF, isNotSentError, isRetryableReadError, isRetryableReadStatus, isTimeoutError, isUnreachableError, parseRetryAfter } from './retry-timing.js';
import { parseRateLimitHeaders } from './rate-limit-headers.js';
import { createRedactor, redactBody, redactHeaders, redactSuccessBody, type Redact } from './redact.js';
import { RequestScheduler } from './scheduler.js';
import { checkTokenTransport } from './token-destination.js';
import type { ClientEvent, ClientOptions, ClientStats, ListQuery, PatchOptions, ReferralPage, ReferralsClient } from './types.js';
import { buildQuery, normaliseNextLink, pathForMessage, REFERRALS_PATH, trimBaseUrl } from './urls.js';

const USER_AGENT = 'refplan/0.1.0';

interface SendSpec {
  method: 'GET' | 'PATCH' | 'PUT' | 'POST';
  url: string;
  body?: string;
  headers?: Record<string, string>;
  requestId: string;
  ok: readonly number[];
  /** Aborts the request while it waits to be sent (never once it is on the wire). */
  signal?: AbortSignal | undefined;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  requestId: string;
}

/**
 * Timers fire up to a millisecond or so late; pacing 10 ms apart needs better. Short waits
 * (the pacer's) sleep on a timer until 1.5 ms before the moment, then yield to the event loop
 * (setImmediate, so I/O still runs) until it has come. Long waits (pauses) are plain timers,
 * cleared when `signal` aborts (Ctrl+C), so an interrupted run does not wait for them to exit.
 */
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> => {
  if (ms <= 0) return Promise.resolve();
  if (ms >= 50) return sleepUnlessAborted(ms, signal);
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const spin = (): void => {
      if (performance.now() >= until) resolve();
      else setImmediate(spin);
    };
    if (ms > 2) setTimeout(spin, ms - 1.5);
    else spin();
  });
};

/**
 * The referrals API client. One instance per run: every request of the run shares its scheduler
 * (global pause on 429, a learned pace per class of requests, concurrency ≈ rate × round trip)
 * and its correlation id.
 */
export function createClient(options: ClientOptions): ReferralsClient {
  const baseUrl = trimBaseUrl(options.baseUrl);
  try {
    new URL(baseUrl);
  } catch {
    throw new RefplanError('usage', `the base URL ${JSON.stringify(options.baseUrl)} is not a URL`, {
      hint: 'Use e.g. --base-url https://api.partner.microsoft.com/v1.0 (or REFPLAN_BASE_URL).',
    });
  }
  // Library callers too: the token never crosses the network in clear text.
  checkTokenTransport(baseUrl);
  // Epoch milliseconds with sub-millisecond precision: the pacer spaces requests 10 ms apart at
  // 100/s, and a whole-millisecond clock would make that spacing off by up to 10 %.
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const sleep: (ms: number, signal?: AbortSignal) => Promise<void> = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const newId = options.newId ?? randomUUID;
  const correlationId = options.correlationId ?? newId();
  const maxRetries = options.maxRetries ?? 6;
  const maxThrottleRetries = options.maxThrottleRetries ?? 20;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const concurrency = options.concurrency ?? 8;
  const ownAgent = options.dispatcher === undefined;
  const dispatcher: Dispatcher =
    options.dispatcher ?? new Agent({ connections: concurrency + 2, pipelining: 1, keepAliveTimeout: 4_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const onEvent = options.onEvent;
  const emit = (e: ClientEvent): void => {
    if (onEvent === undefined) return;
    try {
      onEvent(e);
    } catch {
      // Progress rendering must never break a request.
    }
  };
  const scheduler = new RequestScheduler({ concurrency, rate: options.rate, now, sleep, onEvent });
  const tokenProvider = options.token;
  // The tokens of this run, kept only to redact them from error bodies should a server echo them.
  const tokensSeen: string[] = [];
  let redactor: Redact = (t) => t;
  const remember = (token: string): void => {
    if (tokensSeen.includes(token)) return;
    tokensSeen.push(token);
    if (tokensSeen.length > 4) tokensSeen.shift();
    redactor = createRedactor(tokensSeen);
  };

  const counters = { requests: 0, retries: 0, throttled: 0, networkErrors: 0, byMethod: {} as Record<string, number>, byStatus: {} as Record<string, number> };

  // Parsed first, then every decoded string redacted (see redact.ts): a raw-text match misses an
  // echo that is JSON-escaped, URL-encoded or base64.
  const scrub = (text: string): string => redactBody(text, redactor);

  /** Whether the API has answered at all in this run: until it has, "nothing there" is not retried for long. */
  let answered = false;

  async function send(spec: SendSpec): Promise<RawResponse> {
    const path = pathForMessage(spec.url, baseUrl);
    const isRead = spec.method === 'GET';
    let failures = 0;
    let throttles = 0;
    let refreshed = false;
    const what = `${spec.method} ${path}`;
    /** Before anything leaves: an interrupted run sends nothing more. */
    const checkNotAborted = (): void => {
      if (spec.signal?.aborted === true) throw new NotSentError(what);
    };
    for (;;) {
      checkNotAborted();
      const token = await tokenProvider.getToken();
      remember(token);
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'user-agent': USER_AGENT,
        'MS-CorrelationId': correlationId,
        'MS-RequestId': spec.requestId,
        'client-request-id': spec.requestId,
        ...spec.headers,
      };
      if (spec.body !== undefined) headers['content-type'] = 'application/json';

      const ticket = await scheduler.acquire(isRead ? 'read' : 'write', spec.signal);
      if (spec.signal?.aborted === true) {
        ticket.release();
        checkNotAborted();
      }
      counters.requests++;
      counters.byMethod[spec.method] = (counters.byMethod[spec.method] ?? 0) + 1;
      let status: number;
      let resHeaders: Record<string, string | string[] | undefined>;
      let text: string;
      try {
        const res = await request(spec.url, {
          method: spec.method,
          headers,
          ...(spec.body === undefined ? {} : { body: spec.body }),
          dispatcher,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        status = res.statusCode;
        resHeaders = res.headers;
        // Always read the body, so the keep-alive socket is free again.
        text = await res.body.text();
      } catch (e) {
        ticket.release();
        counters.networkErrors++;
        const notSent = isNotSentError(e);
        const timedOut = isTimeoutError(e);
        // A read changes nothing, so any transport failure is retried; a write only when it
        // provably never left (connection refused and the like).
        // Nothing listening or no such host before the API ever answered: a wrong URL or a server
        // that is not running, which the backoff would only hide for 13 s. One quick retry, then fail.
        const unreachable = !answered && isUnreachableError(e);
        if (unreachable && failures >= 1) {
          throw new UnreachableError({ method: spec.method, path, requestId: spec.requestId, ambiguous: false, cause: e }, spec.url);
        }
        if ((isRead ? isRetryableReadError(e) : notSent) && failures < maxRetries) {
          failures++;
          const delayMs = unreachable ? 250 : backoffDelay(failures, random);
          counters.retries++;
          emit({ type: 'retry', method: spec.method, path, requestId: spec.requestId, attempt: failures, reason: timedOut ? 'timeout' : 'network', delayMs });
          await raceAbort(sleep(delayMs, spec.signal), spec.signal, what);
          continue;
        }
        const init = { method: spec.method, path, requestId: spec.requestId, ambiguous: !isRead && !notSent, cause: e };
        throw timedOut ? new TimeoutError({ ...init, timeoutMs }) : new NetworkError(init);
      }
      ticket.release();
      answered = true;
      counters.byStatus[String(status)] = (counters.byStatus[String(status)] ?? 0) + 1;
      const retryAfterMs = parseRetryAfter(resHeaders['retry-after'], now());
      const quota = parseRateLimitHeaders(resHeaders);

      if (status === 429) {
        counters.throttled++;
        scheduler.onThrottled(ticket, retryAfterMs, backoffDelay(throttles + 1, random, THROTTLE_BACKOFF), quota);
        emit({ type: 'throttled', method: spec.method, path, requestId: spec.requestId, status, retryAfterMs });
        if (throttles < maxThrottleRetries) {
          throttles++;
          counters.retries++;
          emit({ type: 'retry', method: spec.method, path, requestId: spec.requestId, attempt: throttles, reason: 'throttled', status, delayMs: retryAfterMs ?? 0 });
          continue; // acquire() waits for the global pause
        }
        throw new RateLimitedError({ status, method: spec.method, path, requestId: spec.requestId, body: scrub(text), retryAfterMs });
      }
      scheduler.onAccepted(ticket, quota);

      // A successful answer is stored and printed too (plans, journals, exports, results): a server
      // or proxy that reflects the Authorization header into it is redacted like an error body.
      if (spec.ok.includes(status)) return { status, headers: redactHeaders(resHeaders, redactor), text: redactSuccessBody(text, redactor), requestId: spec.requestId };

      if (status === 401 && !refreshed && tokenProvider.refresh !== undefined) {
        refreshed = true;
        remember(await tokenProvider.refresh());
        counters.retries++;
        emit({ type: 'retry', method: spec.method, path, requestId: spec.requestId, attempt: 1, reason: 'auth', status, delayMs: 0 });
        continue;
      }
      if (retryAfterMs !== undefined && status >= 500) scheduler.onServerBusy(status, retryAfterMs);
      if (isRead && isRetryableReadStatus(status) && failures < maxRetries) {
        failures++;
        const delayMs = retryAfterMs ?? backoffDelay(failures, random);
        counters.retries++;
        emit({ type: 'retry', method: spec.method, path, requestId: spec.requestId, attempt: failures, reason: 'status', status, delayMs });
        if (retryAfterMs === undefined) await raceAbort(sleep(delayMs, spec.signal), spec.signal, what);
        continue;
      }
      throw apiErrorFor({ status, method: spec.method, path, requestId: spec.requestId, body: scrub(text), retryAfterMs });
    }
  }

  function parseJson(res: RawResponse, method: string, url: string): unknown {
    try {
      return JSON.parse(res.text);
    } catch {
      throw new ApiError(
        {
          status: res.status,
          method,
          path: pathForMessage(url, baseUrl),
          requestId: res.requestId,
          body: scrub(res.text),
          hint: 'The server answered with something that is not JSON. Check that --base-url points at the referrals API.',
        },
        'invalid-response',
      );
    }
  }

  function asReferral(res: RawResponse, method: string, url: string): Referral {
    const body = parseJson(res, method, url);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError({ status: res.status, method, path: pathForMessage(url, baseUrl), requestId: res.requestId, body: scrub(res.text), hint: 'Expected a referral object.' }, 'invalid-response');
    }
    const referral = body as Referral;
    const etag = res.headers['etag'];
    if (referral.eTag === undefined && typeof etag === 'string') referral.eTag = etag;
    return referral;
  }

  const itemUrl = (id: string): string => `${baseUrl}${REFERRALS_PATH}/${encodeURIComponent(id)}`;

  async function* listPages(q: ListQuery = {}): AsyncGenerator<ReferralPage> {
    let url: string | undefined = `${baseUrl}${REFERRALS_PATH}${buildQuery({ $filter: q.filter, $orderby: q.orderby, $top: q.top })}`;
    const seen = new Set<string>();
    while (url !== undefined) {
      if (seen.has(url)) {
        throw new RefplanError('api-paging', `the API returned the same @odata.nextLink twice (${pathForMessage(url, baseUrl)}); stopping to avoid an endless list`, {
          hint: 'This is a server bug; narrow the selection or try again later.',
        });
      }
      seen.add(url);
      const res = await send({ method: 'GET', url, requestId: newId(), ok: [200] });
      const body = parseJson(res, 'GET', url) as { value?: unknown; '@odata.count'?: unknown; '@odata.nextLink'?: unknown };
      if (typeof body !== 'object' || body === null || !Array.isArray(body.value)) {
        throw new ApiError({ status: res.status, method: 'GET', path: pathForMessage(url, baseUrl), requestId: res.requestId, body: scrub(res.text), hint: 'Expected a list with a "value" array.' }, 'invalid-response');
      }
      const next = typeof body['@odata.nextLink'] === 'string' && body['@odata.nextLink'] !== '' ? normaliseNextLink(body['@odata.nextLink'], baseUrl) : undefined;
      const page: ReferralPage = { value: body.value as Referral[] };
      if (typeof body['@odata.count'] === 'number') page.count = body['@odata.count'];
      if (next !== undefined) page.nextLink = next;
      yield page;
      url = next;
    }
  }

  const stripForPut = (doc: Referral): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) if (k !== 'links' && !k.startsWith('@odata.')) out[k] = v;
    return out;
  };

  return {
    baseUrl,
    correlationId,

    async getReferral(id) {
      const url = itemUrl(id);
      return asReferral(await send({ method: 'GET', url, requestId: newId(), ok: [200] }), 'GET', url);
    },

    listReferrals: (q) => listPages(q),

    async countReferrals(filter) {
      const url = `${baseUrl}${REFERRALS_PATH}${buildQuery({ $filter: filter, $top: 1 })}`;
      const res = await send({ method: 'GET', url, requestId: newId(), ok: [200] });
      const body = parseJson(res, 'GET', url) as { '@odata.count'?: unknown };
      const count = body?.['@odata.count'];
      if (typeof count !== 'number') {
        throw new ApiError({ status: res.status, method: 'GET', path: pathForMessage(url, baseUrl), requestId: res.requestId, body: scrub(res.text), hint: 'The API did not return @odata.count; count by listing instead.' }, 'invalid-response');
      }
      return count;
    },

    async patchReferral(id: string, ops: PatchOp[], o: PatchOptions = {}) {
      const url = itemUrl(id);
      const headers: Record<string, string> = {};
      if (o.ifMatch !== undefined) headers['If-Match'] = o.ifMatch;
      if (o.returnRepresentation === true) headers['Prefer'] = 'return=representation';
      const res = await send({ method: 'PATCH', url, body: JSON.stringify(ops), headers, requestId: o.requestId ?? newId(), ok: [200, 204], signal: o.signal });
      if (res.status === 204 || res.text.trim() === '') return undefined;
      return asReferral(res, 'PATCH', url);
    },

    async putReferral(id, doc, o) {
      const url = itemUrl(id);
      const res = await send({ method: 'PUT', url, body: JSON.stringify(stripForPut(doc)), headers: { 'If-Match': o.ifMatch }, requestId: o.requestId ?? newId(), ok: [200] });
      return asReferral(res, 'PUT', url);
    },

    async createReferral(doc, o = {}) {
      const url = `${baseUrl}${REFERRALS_PATH}`;
      const res = await send({ method: 'POST', url, body: JSON.stringify(doc), requestId: o.requestId ?? newId(), ok: [200, 201] });
      return asReferral(res, 'POST', url);
    },

    stats(): ClientStats {
      const s = scheduler.snapshot();
      return {
        requests: counters.requests,
        byMethod: { ...counters.byMethod },
        byStatus: { ...counters.byStatus },
        retries: counters.retries,
        throttled: counters.throttled,
        networkErrors: counters.networkErrors,
        pauses: s.pauses,
        pausedMs: s.pausedMs,
        concurrency: s.concurrency,
        concurrencyCap: s.concurrencyCap,
        rate: s.rate,
        estimatedServerRate: s.estimatedServerRate,
      };
    },

    async close() {
      if (ownAgent) await dispatcher.close();
    },
  };
}
