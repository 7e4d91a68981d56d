import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { hasErrors } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import { putToPatch } from '../core/put-to-patch.js';
import type { JsonValue, PatchOp, Referral } from '../core/referral.js';
import { parseTolerantJson } from '../core/tolerant-json.js';
import { checkTokenTransport } from '../api/token-destination.js';
import { loadWritablePaths, type WritablePaths } from '../schema/specs.js';

/**
 * A local compatibility proxy for integrations that still PUT whole referrals.
 * `PUT /v1.0/engagements/referrals/{id}` becomes GET current → putToPatch →
 * PATCH (If-Match, Prefer: return=representation), and the client gets the
 * answer its PUT would have had. Everything else passes through unchanged.
 *
 * Upstream calls use undici `request()` on a keep-alive Agent rather than the
 * API client: a proxy must hand back the upstream's exact status, headers and
 * body (including 429s and error bodies), which the client deliberately turns
 * into retries and typed errors. The client's Authorization header is
 * forwarded, and never appears in an event, a log line or an error message.
 */

export interface ProxyOptions {
  /** Upstream base URL, e.g. `https://api.partner.microsoft.com/v1.0` or an emulator's URL. */
  upstream: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default, so the proxy is not reachable from other machines. */
  host?: string;
  /** Forward PUTs unchanged and only report the patch that would have been sent. */
  shadow?: boolean;
  /**
   * Accept a PUT with neither If-Match nor an eTag in its body, pinned to the proxy's own fresh
   * read (the behaviour before 0.2). Off by default: such a PUT is refused with 400, as the API
   * does, because its stale fields would overwrite edits made since the client read the referral.
   */
  allowPutWithoutETag?: boolean;
  /** The writable-path table; specs/writable-paths.json by default. */
  writablePaths?: WritablePaths;
  /** undici dispatcher for upstream calls; a keep-alive Agent by default. */
  dispatcher?: Dispatcher;
  /** Upstream headers/body timeout per request, ms (default 30000). */
  timeoutMs?: number;
  /** One event per request the proxy answered (for the log); never carries headers. */
  onRequest?: (event: ProxyRequestEvent) => void;
}

export type ProxyMode = 'patch' | 'no-op' | 'passthrough' | 'shadow';

export interface ProxyRequestEvent {
  method: string;
  /** Path without the query string (queries can hold customer data such as e-mails). */
  path: string;
  referralId?: string;
  mode: ProxyMode;
  /** Ops of the patch sent (mode patch) or that would have been sent (mode shadow). */
  ops?: number;
  /** Shadow mode: the patch that would have been sent instead of the PUT. */
  shadowPatch?: PatchOp[];
  /** Read-only paths the PUT body carried with a value different from the server's. */
  dropped?: string[];
  status: number;
  latencyMs: number;
  /** Why the proxy answered with an error of its own (bad body, upstream unreachable). */
  note?: string;
}

export interface RunningProxy {
  /** The proxy's base URL, `http://127.0.0.1:PORT/v1.0`: what a legacy client points at. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const PROXY_PREFIX = '/v1.0';
const PUT_PATH = /^\/v1\.0\/engagements\/referrals\/([^/]+)\/?$/i;
/** RFC 9110 §7.6.1 connection-specific headers, plus the ones undici sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'expect']);

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  let upstream: URL;
  try {
    upstream = new URL(options.upstream);
  } catch {
    throw new UsageError(`--upstream "${options.upstream}" is not a URL`, 'give the API base URL, e.g. https://api.partner.microsoft.com/v1.0');
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new UsageError(`--upstream must be an http(s) URL, not ${upstream.protocol}`);
  }
  // The proxy forwards each client's Authorization header: never in clear text over the network.
  checkTokenTransport(options.upstream, '--upstream');
  const ownAgent = options.dispatcher === undefined;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const ctx: ProxyContext = {
    upstream,
    upstreamPrefix: upstream.pathname.replace(/\/+$/, ''),
    dispatcher,
    shadow: options.shadow === true,
    allowPutWithoutETag: options.allowPutWithoutETag === true,
    writablePaths: options.writablePaths ?? loadWritablePaths(),
    emit: options.onRequest ?? (() => undefined),
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    handle(ctx, req, res, started).catch((e: unknown) => {
      // A failure after the response started (client hung up mid-stream): nothing to answer.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const note = describeFailure(e);
      sendError(res, 502, 'badGateway', `refplan proxy: ${note}`);
      const path = splitQuery(req.url ?? '/')[0] ?? '/';
      const referralId = referralIdOf(path);
      ctx.emit({
        method: (req.method ?? 'GET').toUpperCase(),
        path,
        ...(referralId === undefined ? {} : { referralId }),
        mode: 'passthrough',
        status: 502,
        latencyMs: Math.round(performance.now() - started),
        note,
      });
    });
  });
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${PROXY_PREFIX}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownAgent) await dispatcher.close();
    },
  };
}

interface ProxyContext {
  upstream: URL;
  upstreamPrefix: string;
  dispatcher: Dispatcher;
  shadow: boolean;
  allowPutWithoutETag: boolean;
  writablePaths: WritablePaths;
  emit: (e: ProxyRequestEvent) => void;
}

async function handle(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const [rawPath = '/', query] = splitQuery(req.url ?? '/');
  const match = PUT_PATH.exec(rawPath);
  const referralId = referralIdOf(rawPath);
  const event = (fields: Omit<ProxyRequestEvent, 'method' | 'path' | 'latencyMs'>) =>
    ctx.emit({ method, path: rawPath, ...(referralId === undefined ? {} : { referralId }), ...fields, latencyMs: Math.round(performance.now() - started) });

  if (method !== 'PUT' || match === null) {
    const status = await forward(ctx, req, res, method, rawPath, query, req);
    event({ mode: 'passthrough', status });
    return;
  }
  const id = referralId ?? '';
  const bodyBytes = await readAll(req);
  if (ctx.shadow) {
    const body = parsePutBody(bodyBytes, id);
    const computed = 'invalid' in body ? body : await computePatch(ctx, req.headers, rawPath, body.value).catch((e: unknown) => ({ failed: describeFailure(e) }));
    const status = await forward(ctx, req, res, method, rawPath, query, bodyBytes);
    if ('ops' in computed) event({ mode: 'shadow', status, ops: computed.ops.length, shadowPatch: computed.ops, dropped: computed.dropped });
    else event({ mode: 'shadow', status, note: `no patch computed: ${shadowFailure(computed)}` });
    return;
  }

  const body = parsePutBody(bodyBytes, id);
  if ('value' in body && !ctx.allowPutWithoutETag && !nonBlank(headerValue(req.headers['if-match'])) && !nonBlank(body.value['eTag'])) {
    // Refused before any upstream call, as the API refuses it.
    sendError(res, 400, 'invalidRequest', UNVERSIONED_PUT, 'If-Match');
    event({ mode: 'patch', status: 400, note: 'PUT without If-Match or eTag refused' });
    return;
  }
  const computed = 'invalid' in body ? body : await computePatch(ctx, req.headers, rawPath, body.value);
  if ('invalid' in computed) {
    sendError(res, 400, 'invalidRequest', computed.invalid);
    event({ mode: 'patch', status: 400, note: computed.invalid });
    return;
  }
  if ('upstreamStatus' in computed) {
    // The GET failed (404, 401, 429...): the PUT would have failed the same way.
    res.writeHead(computed.upstreamStatus, responseHeaders(computed.upstreamHeaders));
    res.end(computed.upstreamBody);
    event({ mode: 'patch', status: computed.upstreamStatus });
    return;
  }
  const pin = headerValue(req.headers['if-match']) ?? (typeof computed.desired['eTag'] === 'string' ? computed.desired['eTag'] : undefined) ?? computed.currentETag;
  if (computed.ops.length === 0) {
    if (pin !== undefined && computed.currentETag !== undefined && pin !== computed.currentETag) {
      sendError(res, 412, 'preconditionFailed', 'The referral was changed since the eTag in If-Match was read.');
      event({ mode: 'no-op', status: 412, ops: 0 });
      return;
    }
    res.writeHead(200, responseHeaders(computed.getHeaders));
    res.end(computed.getBody);
    event({ mode: 'no-op', status: 200, ops: 0, dropped: computed.dropped });
    return;
  }
  const headers = upstreamHeaders(req.headers, ['if-match', 'content-length', 'content-type', 'prefer', 'accept-encoding']);
  headers['content-type'] = 'application/json';
  headers['prefer'] = 'return=representation';
  if (pin !== undefined) headers['if-match'] = pin;
  const up = await request(upstreamUrl(ctx, rawPath, undefined), {
    method: 'PATCH',
    headers,
    body: JSON.stringify(computed.ops),
    dispatcher: ctx.dispatcher,
  });
  res.writeHead(up.statusCode, responseHeaders(up.headers));
  await pipeline(up.body, res);
  event({ mode: 'patch', status: up.statusCode, ops: computed.ops.length, dropped: computed.dropped });
}

type Computed =
  | { invalid: string }
  | { upstreamStatus: number; upstreamHeaders: IncomingHttpHeaders; upstreamBody: Buffer }
  | {
      ops: PatchOp[];
      dropped: string[];
      desired: { [key: string]: JsonValue };
      currentETag: string | undefined;
      getHeaders: IncomingHttpHeaders;
      getBody: Buffer;
    };

const UNVERSIONED_PUT =
  'The If-Match header is required for PUT: send the eTag you read with the referral (or keep its eTag field in the body). ' +
  'Without it nobody can tell whether the referral changed since your client read it, and its stale fields would overwrite those edits. ' +
  'Fix the client to send If-Match; for a client that cannot, start the proxy with --allow-put-without-etag (it then pins the PUT to its own fresh read).';

type PutBody = { invalid: string } | { value: { [key: string]: JsonValue } };

function parsePutBody(bodyBytes: Buffer, id: string): PutBody {
  const parsed = parseTolerantJson(bodyBytes.toString('utf8'), `PUT ${id}`);
  const value = parsed.values[0]?.value;
  if (hasErrors(parsed.diagnostics) || parsed.values.length !== 1 || typeof value !== 'object' || value === null || Array.isArray(value)) {
    const first = parsed.diagnostics.find((d) => d.severity === 'error');
    return { invalid: `The request body must be one JSON referral object${first === undefined ? '' : `: ${first.message}`}.` };
  }
  return { value };
}

/** GET the current referral (with the client's own credentials) and diff the PUT body against it. */
async function computePatch(ctx: ProxyContext, clientHeaders: IncomingHttpHeaders, rawPath: string, value: { [key: string]: JsonValue }): Promise<Computed> {
  const get = await request(upstreamUrl(ctx, rawPath, undefined), {
    method: 'GET',
    headers: { ...upstreamHeaders(clientHeaders, ['if-match', 'content-length', 'content-type', 'prefer', 'accept-encoding']), accept: 'application/json' },
    dispatcher: ctx.dispatcher,
  });
  const getBody = Buffer.from(await get.body.arrayBuffer());
  if (get.statusCode !== 200) return { upstreamStatus: get.statusCode, upstreamHeaders: get.headers as IncomingHttpHeaders, upstreamBody: getBody };
  const current = JSON.parse(getBody.toString('utf8')) as { [key: string]: JsonValue };
  const result = putToPatch(current as unknown as Referral, value as unknown as Referral, { writablePaths: ctx.writablePaths });
  return {
    ops: result.ops,
    // Only the read-only values that differed from the server's: those are what the PUT would have tried to change.
    dropped: result.dropped.filter((d) => d.changed).map((d) => d.path),
    desired: value,
    currentETag: typeof current['eTag'] === 'string' ? current['eTag'] : undefined,
    getHeaders: get.headers as IncomingHttpHeaders,
    getBody,
  };
}

/** Streams a request upstream unchanged and its response back; returns the status. */
async function forward(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  rawPath: string,
  query: string | undefined,
  body: IncomingMessage | Buffer,
): Promise<number> {
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const up = await request(upstreamUrl(ctx, rawPath, query), {
    method: method as Dispatcher.HttpMethod,
    headers: upstreamHeaders(req.headers, Buffer.isBuffer(body) ? ['content-length'] : []),
    body: hasBody ? body : null,
    dispatcher: ctx.dispatcher,
  });
  res.writeHead(up.statusCode, responseHeaders(up.headers));
  await pipeline(up.body, res);
  return up.statusCode;
}

function upstreamUrl(ctx: ProxyContext, rawPath: string, query: string | undefined): string {
  const lower = rawPath.toLowerCase();
  // Paths under the proxy's /v1.0 map onto the upstream base path; anything else onto its origin.
  const path = lower === PROXY_PREFIX || lower.startsWith(`${PROXY_PREFIX}/`) ? ctx.upstreamPrefix + rawPath.slice(PROXY_PREFIX.length) : rawPath;
  return `${ctx.upstream.origin}${path}${query === undefined ? '' : `?${query}`}`;
}

function upstreamHeaders(headers: IncomingHttpHeaders, drop: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out[name] = value;
  }
  return out;
}

/** An error in the API's documented body shape, so a client handles it as it would the API's own. */
function sendError(res: ServerResponse, status: number, code: string, message: string, target: string | null = null): void {
  const body = JSON.stringify({ error: { code, message, target, innerError: { code, message } } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function shadowFailure(c: { failed: string } | { invalid: string } | { upstreamStatus: number }): string {
  if ('failed' in c) return c.failed;
  if ('invalid' in c) return c.invalid;
  return `GET answered ${c.upstreamStatus}`;
}

function splitQuery(url: string): [string, string | undefined] {
  const q = url.indexOf('?');
  return q === -1 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1)];
}

function referralIdOf(rawPath: string): string | undefined {
  const m = PUT_PATH.exec(rawPath);
  if (m === null || m[1] === undefined) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

function nonBlank(v: unknown): boolean {
  return typeof v === 'string' && v.trim() !== '';
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A failure in words, without headers (undici errors never carry them; ours neither). */
function describeFailure(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `upstream request failed (${typeof code === 'string' ? code : e.name}: ${e.message})`;
  }
  return 'upstream request failed';
}
