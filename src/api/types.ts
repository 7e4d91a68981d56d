import type { Dispatcher } from 'undici';
import type { PatchOp, Referral } from '../core/referral.js';

/** Where the bearer token comes from. Implementations never expose the token as a property. */
export interface TokenProvider {
  getToken(): Promise<string>;
  /** Gets a fresh token after the API answered 401; providers that cannot refresh omit it. */
  refresh?(): Promise<string>;
}

/** What the client reports while it works, for progress lines. Never carries headers or tokens. */
export type ClientEvent =
  | { type: 'retry'; method: string; path: string; requestId: string; attempt: number; reason: 'status' | 'network' | 'timeout' | 'auth' | 'throttled'; status?: number; delayMs: number }
  | { type: 'throttled'; method: string; path: string; requestId: string; status: number; retryAfterMs: number | undefined }
  | { type: 'paused'; untilMs: number; durationMs: number; status: number }
  | { type: 'resumed'; pausedMs: number }
  | { type: 'concurrency'; limit: number; previous: number; cap: number }
  | { type: 'rate'; rate: number | null; previous: number | null; estimate: number | null; phase: string };

export interface ClientOptions {
  /** e.g. `http://127.0.0.1:PORT/v1.0`; a trailing slash is ignored. */
  baseUrl: string;
  token: TokenProvider;
  /** undici dispatcher; default: a keep-alive Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  /**
   * The most requests per second to send, a ceiling and not a belief: under it the server's limit
   * is still learned from its 429s (or read from its rate-limit headers). Undefined = no ceiling.
   */
  rate?: number;
  /** Cap of requests in flight (about rate × round trip are kept in flight below it). @default 8 */
  concurrency?: number;
  /** Retries of a read after 5xx, timeouts and resets. @default 6 */
  maxRetries?: number;
  /** Retries after 429 (reads and writes) before RateLimitedError. @default 20 */
  maxThrottleRetries?: number;
  /** Per request headers and body timeout. @default 30000 */
  timeoutMs?: number;
  /** `MS-CorrelationId` for every request of the run. @default a random UUID */
  correlationId?: string;
  onEvent?: (e: ClientEvent) => void;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Injectable request id factory (default `crypto.randomUUID`). */
  newId?: () => string;
}

export interface ReferralPage {
  value: Referral[];
  /** `@odata.count` when the page carried it (the total matching the filter). */
  count?: number;
  /** The next page's URL, already normalised onto the configured base URL. */
  nextLink?: string;
}

export interface ListQuery {
  filter?: string;
  orderby?: string;
  top?: number;
}

export interface PatchOptions {
  /** The eTag exactly as read (with its embedded quotes). */
  ifMatch?: string;
  /** `MS-RequestId` to use (e.g. from the journal); default a new UUID. */
  requestId?: string;
  /** Send `Prefer: return=representation` and return the updated referral. */
  returnRepresentation?: boolean;
  /**
   * Stops the request while it waits for its turn (a pause, a concurrency slot, a rate token, a
   * retry delay): it then rejects with NotSentError. A request already on the wire is never
   * cancelled (its answer tells whether it committed).
   */
  signal?: AbortSignal;
}

export interface ClientStats {
  /** Every HTTP request sent, retries included. */
  requests: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
  /** Requests sent again (after 429, 5xx, network errors, 401 refresh). */
  retries: number;
  /** Responses with status 429. */
  throttled: number;
  /** Transport failures (no HTTP answer). */
  networkErrors: number;
  /** Global pauses begun (429, or 503 with Retry-After). */
  pauses: number;
  /** Total time the run spent paused, ms. */
  pausedMs: number;
  /** Current concurrency limit (rate × round trip, with room) and its cap. */
  concurrency: number;
  concurrencyCap: number;
  /** The pace in requests per second (of writes, once any were sent). */
  rate: number | null;
  /** The server limit learned from 429s (req/s), null until learned. */
  estimatedServerRate: number | null;
}

export interface ReferralsClient {
  readonly baseUrl: string;
  readonly correlationId: string;
  /** 404 → NotFoundError. The eTag comes from the body or, failing that, the ETag header. */
  getReferral(id: string): Promise<Referral>;
  /** Pages of a list, following `@odata.nextLink` until there is none. */
  listReferrals(q?: ListQuery): AsyncIterable<ReferralPage>;
  /** One request (`$top=1`), returns `@odata.count`. */
  countReferrals(filter?: string): Promise<number>;
  /**
   * 429 is retried inside (not processed); any other non-2xx throws an ApiError subclass
   * (PreconditionFailedError for 412); a dropped connection / timeout after sending throws
   * NetworkError with `ambiguous: true`. Returns the referral with `returnRepresentation`,
   * otherwise undefined (204).
   */
  patchReferral(id: string, ops: PatchOp[], o?: PatchOptions): Promise<Referral | undefined>;
  /** The deprecated full-document PUT (`links` and `@odata.*` are stripped before sending). */
  putReferral(id: string, doc: Referral, o: { ifMatch: string; requestId?: string }): Promise<Referral>;
  createReferral(doc: Partial<Referral>, o?: { requestId?: string }): Promise<Referral>;
  stats(): ClientStats;
  close(): Promise<void>;
}
