import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the loopback test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type ScriptHandler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void;

export interface ScriptServer {
  /** `http://127.0.0.1:PORT/v1.0`, the client's base URL. */
  baseUrl: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A real node:http server on port 0 whose answers the test scripts; it records every request. */
export async function startScriptServer(handler: ScriptHandler): Promise<ScriptServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req: SeenRequest = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(req);
      handler(req, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1.0`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A controllable clock: short sleeps (backoff) resolve at once; long ones (pauses) are held until
 * the test calls `advance`, so "nobody sends during a pause" can be checked by counting requests.
 */
export function manualClock(start = 1_000_000, holdAtLeastMs = 200) {
  let t = start;
  const held: Array<{ until: number; resolve: () => void }> = [];
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleeps,
    sleep: (ms: number): Promise<void> => {
      sleeps.push(ms);
      if (ms < holdAtLeastMs) return Promise.resolve();
      return new Promise<void>((resolve) => held.push({ until: t + ms, resolve }));
    },
    get held() {
      return held.length;
    },
    advance(ms: number): void {
      t += ms;
      for (let i = held.length - 1; i >= 0; i--) {
        const h = held[i]!;
        if (h.until <= t) {
          held.splice(i, 1);
          h.resolve();
        }
      }
    },
  };
}

/** Lets pending I/O and timers run (a real, short wait). */
export const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));
