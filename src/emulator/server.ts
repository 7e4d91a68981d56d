import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Referral } from '../core/referral.js';
import { checkDataFile, dataFileExists, readReferralsFile, writeReferralsFile } from './data-file.js';
import { Faults } from './faults.js';
import { generateReferrals } from './generate.js';
import { createHandler } from './handler.js';
import type { EmulatorRequest, EmulatorResponse } from './http-types.js';
import { RateLimitPolicy, type RateLimitHeaderStyle, type RateStep, type RetryAfterMode } from './rate-limit.js';
import type { LimiterShape } from './limiter-shapes.js';
import { ReferralStore, type EmulatorStats } from './store.js';

/** The node:http adapter: binds a port and hands socket-free requests to the handler. */
export interface EmulatorOptions {
  /** Port to bind; 0 (the default for the library) picks a free one. */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Generate this many referrals at start (ignored when `dataFile` exists). */
  generate?: number;
  /** Seed for `generate` and for fault injection (default 1). */
  randomSeed?: number;
  /** A JSON array of referrals to start with (added after generated ones). */
  seedFile?: string;
  /** Loaded at start when it exists (then it is the whole starting data); saved atomically by close(). */
  dataFile?: string;
  /** Referrals to start with, for library users (added after the others). */
  referrals?: Referral[];
  /** Require exactly `Authorization: Bearer <token>`; any bearer token when unset. */
  token?: string;
  /** Requests per second before 429s (every API request); unlimited when unset. */
  rate?: number;
  /** Token bucket size (default: one second of the rate). */
  burst?: number;
  /** How the limit is counted (default `token-bucket`; see limiter-shapes.ts). */
  limiter?: LimiterShape;
  /** Window length in seconds for `fixed-window` and `sliding-window` (default 1). */
  windowSeconds?: number;
  /** Requests per second for writes (PATCH/PUT/POST) alone: a separate write quota. */
  writeRate?: number;
  /** A limit that changes mid-run: rates from given seconds on (see rate-limit.ts). */
  rateSchedule?: RateStep[];
  /** `auto` (default): Retry-After in whole seconds, rounded up; `none`: no Retry-After. */
  retryAfter?: RetryAfterMode;
  /** Send rate-limit headers on every API answer: IETF `RateLimit-*`, APIM `x-ratelimit-*`, or both. */
  rateLimitHeaders?: RateLimitHeaderStyle;
  /** Mean latency added to each API request, ms (±25% jitter). */
  latencyMs?: number;
  /** Probability of a 500/503 before the request is processed. */
  failRate?: number;
  /** Probability that a committed write's connection is destroyed before the response. */
  resetAfterCommitRate?: number;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /** Where unexpected errors are reported (default: stderr). */
  log?: (message: string) => void;
}

export interface EmulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:4780/v1.0`. */
  url: string;
  port: number;
  host: string;
  store: ReferralStore;
  stats(): EmulatorStats;
  /** Restores the starting data and zeroes the statistics. */
  reset(): void;
  /** Stops listening, drops open connections and saves `dataFile` if set. */
  close(): Promise<void>;
}

function startingData(options: EmulatorOptions): Referral[] {
  if (options.dataFile !== undefined) checkDataFile(options.dataFile);
  if (options.dataFile !== undefined && dataFileExists(options.dataFile)) return readReferralsFile(options.dataFile);
  const data: Referral[] = [];
  if (options.generate !== undefined && options.generate > 0) data.push(...generateReferrals(options.generate, options.randomSeed ?? 1));
  if (options.seedFile !== undefined) data.push(...readReferralsFile(options.seedFile));
  if (options.referrals !== undefined) data.push(...structuredClone(options.referrals));
  const ids = new Set<string>();
  for (const r of data) {
    if (ids.has(r.id)) throw new Error(`two starting referrals share the id ${r.id}`);
    ids.add(r.id);
  }
  return data;
}

function send(res: ServerResponse, response: EmulatorResponse): void {
  if (response.destroySocket === true) {
    // The write is committed; the client never hears about it.
    res.socket?.destroy();
    return;
  }
  const headers = response.headers;
  if (response.body !== '' || headers['Content-Length'] === undefined) headers['Content-Length'] = String(Buffer.byteLength(response.body));
  res.writeHead(response.status, headers);
  res.end(response.body);
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const store = new ReferralStore(startingData(options), options.now);
  const faults = new Faults({
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.failRate === undefined ? {} : { failRate: options.failRate }),
    ...(options.resetAfterCommitRate === undefined ? {} : { resetAfterCommitRate: options.resetAfterCommitRate }),
    seed: options.randomSeed ?? 1,
  });
  const rateLimit = new RateLimitPolicy({
    limiter: options.limiter ?? 'token-bucket',
    rate: options.rate,
    writeRate: options.writeRate,
    burst: options.burst,
    windowSeconds: options.windowSeconds,
    schedule: options.rateSchedule,
    retryAfter: options.retryAfter ?? 'auto',
    headers: options.rateLimitHeaders,
  });
  const handler = createHandler(store, {
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(rateLimit.active ? { rateLimit } : {}),
    ...(faults.active ? { faults } : {}),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let origin = '';

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const base: Omit<EmulatorRequest, 'body'> = {
      method: req.method ?? 'GET',
      path: q === -1 ? url : url.slice(0, q),
      query: q === -1 ? '' : url.slice(q + 1),
      headers: req.headers,
      origin,
    };
    const run = (body: string): void => {
      const isControl = base.path.startsWith('/_emulator/');
      const delay = isControl ? 0 : faults.delayMs();
      const go = (): void => send(res, handler.handle({ ...base, body }));
      if (delay > 0) setTimeout(go, delay);
      else go();
    };
    if (base.method === 'GET' || base.method === 'HEAD') {
      // Drain any stray body without buffering it; GETs are the hot path.
      req.resume();
      run('');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => run(Buffer.concat(chunks).toString('utf8')));
  };

  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000, noDelay: true }, onRequest);
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  origin = `http://${urlHost}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/v1.0`,
    port,
    host,
    store,
    stats: () => store.stats(),
    reset: () => handler.reset(),
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => {
          try {
            if (options.dataFile !== undefined) writeReferralsFile(options.dataFile, store.snapshot());
          } catch (e) {
            reject(e);
            return;
          }
          if (err !== undefined) reject(err);
          else resolve();
        });
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
