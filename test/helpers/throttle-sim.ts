import { parseRateLimitHeaders } from '../../src/api/rate-limit-headers.js';
import { backoffDelay, THROTTLE_BACKOFF, parseRetryAfter } from '../../src/api/retry-timing.js';
import { RequestScheduler } from '../../src/api/scheduler.js';
import { RateLimitPolicy, type RateLimitOptions } from '../../src/emulator/rate-limit.js';

/**
 * A whole run in simulated time (pure, no sockets, no timers): the real RequestScheduler paces
 * `requests` writes from `workers` concurrent callers against the emulator's limiter shapes, with
 * a one-way network delay, server latency and timers that fire late as Node's do. Ten minutes
 * of API time take well under a second.
 */
export interface SimOptions {
  server: Omit<RateLimitOptions, 'now'>;
  requests: number;
  /** The user's --rate. */
  rate?: number;
  concurrency?: number;
  workers?: number;
  /** Mean one-way delay client↔server, ms (±50 % jitter). */
  oneWayMs?: number;
  /** Mean server latency, ms (±25 %). */
  latencyMs?: number;
  /** Sleeps end up to this much late (uniform), ms. */
  timerLateMs?: number;
  seed?: number;
  method?: 'PATCH' | 'GET';
  /** The scheduler is made this long before the first request (a run reading its files). */
  startDelayMs?: number;
  /** Give up after this much simulated time. */
  maxMs?: number;
  /**
   * The server stops now and then (a busy core, a garbage collection) and then handles what
   * arrived meanwhile back to back: stalls of `ms`, on average `everyMs` apart. Measured at the
   * bench's proxy: an 11 ms stall turned two sends 11.2 ms apart into arrivals 1.1 ms apart.
   */
  serverStalls?: { everyMs: number; ms: number };
}

export interface SimResult {
  accepted: number;
  throttled: number;
  /** First send to last answer, ms. */
  elapsedMs: number;
  /** Accepted per second over the run, divided by the server's average limit over the run. */
  achieved: number;
  finished: boolean;
  scheduler: RequestScheduler;
  /** When each request was let through, and when each 429'd one was (ms, ascending). */
  sentAt: number[];
  throttledAt: number[];
}

class Clock {
  t = 0;
  private timers: { at: number; seq: number; fire: () => void }[] = [];
  private seq = 0;

  at(when: number, fire: () => void): void {
    this.timers.push({ at: when, seq: this.seq++, fire });
  }

  /** Runs timers in time order; between two, every promise chain settles. */
  async run(until: () => boolean, maxMs: number): Promise<void> {
    for (;;) {
      await new Promise<void>((r) => setImmediate(r));
      if (until() || this.timers.length === 0) return;
      let best = 0;
      for (let i = 1; i < this.timers.length; i++) {
        const a = this.timers[i]!;
        const b = this.timers[best]!;
        if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) best = i;
      }
      const next = this.timers[best]!;
      if (next.at > maxMs) return;
      this.timers.splice(best, 1);
      this.t = Math.max(this.t, next.at);
      next.fire();
      // Fire everything due at the same time before settling promises again.
      for (let i = 0; i < this.timers.length; ) {
        const x = this.timers[i]!;
        if (x.at <= this.t) {
          this.timers.splice(i, 1);
          x.fire();
        } else i++;
      }
    }
  }
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

export async function simulateRun(o: SimOptions): Promise<SimResult> {
  const clock = new Clock();
  const random = prng(o.seed ?? 7);
  const late = o.timerLateMs ?? 0.2;
  // The client's sleep: a timer, then yielding until the moment (see client.ts), so a little late.
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.at(clock.t + Math.max(0, ms) + random() * late, resolve));
  const trace = process.env.SIM_TRACE === '1';
  let pausedAt = -1;
  const scheduler = new RequestScheduler({
    concurrency: o.concurrency ?? 8,
    rate: o.rate,
    now: () => clock.t,
    sleep,
    ...(trace ? { onEvent: (e) => { if (e.type === 'paused') pausedAt = clock.t; if (e.type === 'rate' && pausedAt === clock.t) console.log(`${clock.t.toFixed(0)} 429 → rate ${e.rate?.toFixed(1)} (estimate ${e.estimate?.toFixed(1)}, was ${e.previous?.toFixed(1)})`); } } : {}),
  });
  const policy = new RateLimitPolicy({ ...o.server, now: () => clock.t });
  const oneWay = (): number => (o.oneWayMs ?? 0.3) * (0.5 + random());
  const latency = (): number => (o.latencyMs ?? 0) * (0.75 + 0.5 * random());
  const method = o.method ?? 'PATCH';
  // Stalls [start, end), made as far ahead as arrivals need them, with their own random stream.
  const stallRandom = prng((o.seed ?? 7) * 7919 + 1);
  const stalls: [number, number][] = [];
  const handledAt = (arrival: number): number => {
    const st = o.serverStalls;
    if (st === undefined) return arrival;
    while (stalls.length === 0 || stalls[stalls.length - 1]![0] < arrival) {
      const from = stalls.length === 0 ? 0 : stalls[stalls.length - 1]![1];
      const start = from - st.everyMs * Math.log(1 - stallRandom());
      stalls.push([start, start + st.ms]);
    }
    for (let i = stalls.length - 1; i >= 0 && stalls[i]![1] > arrival - st.ms; i--) {
      const [a, b] = stalls[i]!;
      if (arrival >= a && arrival < b) return b;
    }
    return arrival;
  };
  let next = 0;
  let done = 0;
  let accepted = 0;
  let throttled = 0;
  let first: number | undefined;
  let last = 0;
  const sentAt: number[] = [];
  const throttledAt: number[] = [];

  const exchange = (): Promise<{ status: number; headers: Record<string, string> }> =>
    new Promise((resolve) => {
      clock.at(handledAt(clock.t + oneWay()), () => {
        const verdict = policy.check(method);
        const status = verdict.refusedForSeconds === undefined ? 200 : 429;
        const headers = Object.fromEntries(Object.entries(verdict.headers).map(([k, v]) => [k.toLowerCase(), v]));
        clock.at(clock.t + (status === 200 ? latency() : 0) + oneWay(), () => resolve({ status, headers }));
      });
    });

  const worker = async (): Promise<void> => {
    while (next < o.requests) {
      next++;
      for (let attempt = 1; ; attempt++) {
        const ticket = await scheduler.acquire(method === 'GET' ? 'read' : 'write');
        first ??= ticket.sentAt;
        sentAt.push(ticket.sentAt);
        const res = await exchange();
        ticket.release();
        last = clock.t;
        const quota = parseRateLimitHeaders(res.headers);
        if (res.status === 429) {
          throttled++;
          throttledAt.push(ticket.sentAt);
          scheduler.onThrottled(ticket, parseRetryAfter(res.headers['retry-after'], clock.t), backoffDelay(attempt, random, THROTTLE_BACKOFF), quota);
          continue;
        }
        scheduler.onAccepted(ticket, quota);
        accepted++;
        break;
      }
      done++;
    }
  };
  const started = new Promise<void>((resolve) => clock.at(o.startDelayMs ?? 0, resolve));
  const workers = Array.from({ length: o.workers ?? 32 }, () => started.then(worker));
  await clock.run(() => done >= o.requests, o.maxMs ?? 30 * 60_000);
  const finished = done >= o.requests;
  if (finished) await Promise.all(workers);
  const start = first ?? 0;
  const elapsedMs = Math.max(1, last - start);
  return { accepted, throttled, elapsedMs, achieved: accepted / (elapsedMs / 1000) / averageLimit(o.server, start, last), finished, scheduler, sentAt, throttledAt: throttledAt.sort((a, b) => a - b) };
}

/** The server's sustainable rate averaged over [from, to] (ms), following its schedule. */
export function averageLimit(server: Omit<RateLimitOptions, 'now'>, from: number, to: number): number {
  const steps = server.schedule ?? [{ atSeconds: 0, rate: (server.writeRate ?? server.rate) as number }];
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const a = Math.max(from, steps[i]!.atSeconds * 1000);
    const b = Math.min(to, (steps[i + 1]?.atSeconds ?? Infinity) * 1000);
    if (b > a) total += steps[i]!.rate * (b - a);
  }
  return total / Math.max(1, to - from);
}
