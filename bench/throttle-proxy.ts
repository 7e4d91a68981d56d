import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

/**
 * The bench's own throttling proxy: it sits in front of an unthrottled emulator, plays a server
 * limiter shape and counts what it let through. It shares no code with refplan's rate control
 * or the emulator's limiters, so the figures are measured at a point refplan does not control.
 *
 * Run as its own process: `node dist/bench/throttle-proxy.js UPSTREAM SHAPE-JSON`; the first
 * stdout line is its base URL. `POST /_proxy/reset` restarts the limiter and the counters,
 * `GET /_proxy/stats` reads them.
 */
export interface ProxyShape {
  kind: 'bucket' | 'fixed' | 'sliding';
  /** Requests per second; a schedule overrides it: [[seconds, rate], …]. */
  rate: number;
  schedule?: [number, number][];
  burst?: number;
  window?: number;
  writesOnly?: boolean;
  retryAfter?: boolean;
  headers?: boolean;
}

export interface ProxyStats {
  total: number;
  throttled: number;
  accepted: number;
  /** ms since the reset: first request in, last answer out. */
  firstAt: number | null;
  lastAt: number | null;
}

interface Decision {
  ok: boolean;
  retryAfter: number;
  remaining: number;
  reset: number;
  limit: number;
  window: number;
}

/** One limiter, written from the definitions (not from refplan's code). */
class Throttle {
  private tokens = 0;
  private at = 0;
  private windowStart = 0;
  private used = 0;
  private log: number[] = [];
  private rateNow: number;

  constructor(private readonly shape: ProxyShape) {
    this.rateNow = shape.rate;
    this.restart(0);
  }

  restart(t: number): void {
    this.rateNow = this.shape.schedule?.[0]?.[1] ?? this.shape.rate;
    this.tokens = this.burst();
    this.at = t;
    this.windowStart = t;
    this.used = 0;
    this.log = [];
  }

  private burst(): number {
    return this.shape.burst ?? this.rateNow;
  }

  decide(t: number, sinceReset: number): Decision {
    const s = this.shape;
    if (s.schedule !== undefined) {
      let r = s.schedule[0]![1];
      for (const [sec, rate] of s.schedule) if (sinceReset >= sec * 1000) r = rate;
      if (r !== this.rateNow) {
        this.tokens = Math.min(this.burst(), this.tokens + ((t - this.at) * this.rateNow) / 1000);
        this.at = t;
        this.rateNow = r;
      }
    }
    const w = (s.window ?? 1) * 1000;
    if (s.kind === 'bucket') {
      this.tokens = Math.min(this.burst(), this.tokens + ((t - this.at) * this.rateNow) / 1000);
      this.at = t;
      const ok = this.tokens >= 1;
      if (ok) this.tokens--;
      return {
        ok,
        retryAfter: Math.ceil(Math.max(0.001, (1 - this.tokens) / this.rateNow)),
        remaining: Math.floor(this.tokens),
        reset: Math.ceil((this.burst() - this.tokens) / this.rateNow),
        limit: Math.round(this.rateNow),
        window: 1,
      };
    }
    const quota = Math.round(this.rateNow * (s.window ?? 1));
    if (s.kind === 'fixed') {
      while (t >= this.windowStart + w) {
        this.windowStart += w;
        this.used = 0;
      }
      const ok = this.used < quota;
      if (ok) this.used++;
      const toEnd = Math.ceil((this.windowStart + w - t) / 1000);
      return { ok, retryAfter: toEnd, remaining: quota - this.used, reset: toEnd, limit: quota, window: s.window ?? 1 };
    }
    this.log = this.log.filter((x) => x > t - w);
    const ok = this.log.length < quota;
    if (ok) this.log.push(t);
    const oldest = this.log[0] ?? t;
    const toFree = Math.ceil((oldest + w - t) / 1000);
    return { ok, retryAfter: Math.max(1, toFree), remaining: quota - this.log.length, reset: toFree, limit: quota, window: s.window ?? 1 };
  }
}

export async function startThrottleProxy(upstream: string, shape: ProxyShape, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const up = new URL(upstream);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const throttle = new Throttle(shape);
  let origin = performance.now();
  let stats: ProxyStats = { total: 0, throttled: 0, accepted: 0, firstAt: null, lastAt: null };
  const WRITES = new Set(['PATCH', 'PUT', 'POST']);

  const finish = (res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void => {
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
    stats.lastAt = performance.now() - origin;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer, arrivedAt: number): void => {
    const method = req.method ?? 'GET';
    stats.total++;
    stats.firstAt ??= arrivedAt - origin;
    const counted = !(shape.writesOnly === true && !WRITES.has(method));
    const d = counted ? throttle.decide(arrivedAt, arrivedAt - origin) : undefined;
    const extra: Record<string, string> = {};
    if (d !== undefined && shape.headers === true) {
      extra['RateLimit-Limit'] = String(d.limit);
      extra['RateLimit-Remaining'] = String(Math.max(0, d.remaining));
      extra['RateLimit-Reset'] = String(Math.max(0, d.reset));
      extra['RateLimit-Policy'] = `${d.limit};w=${d.window}`;
    }
    if (d !== undefined && !d.ok) {
      stats.throttled++;
      if (shape.retryAfter !== false) extra['Retry-After'] = String(d.retryAfter);
      finish(res, 429, { 'content-type': 'application/json', ...extra }, JSON.stringify({ statusCode: 429, message: 'Rate limit is exceeded.' }));
      return;
    }
    stats.accepted++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'host' || k === 'connection' || k === 'content-length' || v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    request(`${up.origin}${req.url ?? '/'}`, { method: method as 'GET', headers, ...(body.length > 0 ? { body } : {}), dispatcher: agent })
      .then(async (r) => {
        const text = Buffer.from(await r.body.arrayBuffer());
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) {
          if (k === 'connection' || k === 'content-length' || k === 'keep-alive' || k === 'transfer-encoding' || v === undefined) continue;
          out[k] = Array.isArray(v) ? v.join(', ') : v;
        }
        finish(res, r.statusCode, { ...out, ...extra }, text);
      })
      .catch((e: unknown) => finish(res, 502, { 'content-type': 'text/plain' }, String(e)));
  };

  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    const arrivedAt = performance.now();
    if (req.url === '/_proxy/reset' && req.method === 'POST') {
      req.resume();
      origin = performance.now();
      throttle.restart(origin);
      stats = { total: 0, throttled: 0, accepted: 0, firstAt: null, lastAt: null };
      res.end('{}');
      return;
    }
    if (req.url === '/_proxy/stats') {
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(stats));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks), arrivedAt));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}${up.pathname.replace(/\/$/, '')}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [upstream, shapeJson] = process.argv.slice(2);
  if (upstream === undefined || shapeJson === undefined) throw new Error('usage: throttle-proxy UPSTREAM SHAPE-JSON');
  const proxy = await startThrottleProxy(upstream, JSON.parse(shapeJson) as ProxyShape);
  process.stdout.write(`throttle proxy listening on ${proxy.url}\n`);
  const stop = (): void => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
