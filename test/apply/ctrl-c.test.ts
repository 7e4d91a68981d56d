import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startEmulator } from '../../src/emulator/index.js';
import { replayJournal } from '../../src/files/journal.js';
import { builtCli, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { editable, writeTestPlan } from './build-plan.js';

/**
 * Ctrl+C during apply, through the built CLI and a real SIGINT. Between the CLI and the emulator
 * sits a forwarding proxy that lets a few writes through and then holds every PATCH it receives:
 * a held PATCH is "on the wire". So the test knows exactly which requests had left when Ctrl+C
 * came, without depending on timing: after the first Ctrl+C no further PATCH may arrive.
 */
const TOKEN = 'ctrl-c-token';
const ENTRIES = 24;
type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ generate: 80, randomSeed: 5, token: TOKEN });
});
afterAll(async () => {
  await emu.close();
});

interface Proxy {
  url: string;
  /** PATCHes that reached the proxy, in order. */
  patches: string[];
  /** PATCHes held (on the wire, unanswered). */
  held: () => number;
  /** Forward every held PATCH, and any later one at once. */
  releaseAll: () => void;
  close: () => Promise<void>;
}

/** Forwards to the emulator; lets the first `passFirst` PATCHes through, then holds PATCHes until releaseAll(). */
async function startProxy(passFirst: number): Promise<Proxy> {
  const origin = new URL(emu.url).origin;
  const patches: string[] = [];
  const waiting: (() => void)[] = [];
  let released = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = async (): Promise<void> => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const answer = await fetch(`${origin}${req.url}`, { method: req.method!, headers, ...(body === undefined ? {} : { body }) });
        const out: Record<string, string> = {};
        answer.headers.forEach((v, k) => {
          if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
        });
        const text = Buffer.from(await answer.arrayBuffer());
        if (!res.destroyed) res.writeHead(answer.status, out).end(text);
      };
      if (req.method === 'PATCH') {
        patches.push(req.url!);
        if (!released && patches.length > passFirst) {
          waiting.push(() => void forward());
          return;
        }
      }
      void forward();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1.0`,
    patches,
    held: () => waiting.length,
    releaseAll: () => {
      released = true;
      for (const w of waiting.splice(0)) w();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startApply(planPath: string, baseUrl: string, concurrency: number): Running {
  const child = spawn(process.execPath, [builtCli, 'apply', planPath, '--concurrency', String(concurrency)], {
    env: { ...process.env, REFPLAN_BASE_URL: baseUrl, REFPLAN_TOKEN: TOKEN, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function setUp(passFirst: number, tag: string, offset: number) {
  const proxy = await startProxy(passFirst);
  const dir = tempTree();
  const planPath = join(dir, 'p.json');
  const plan = await writeTestPlan(planPath, editable(emu.store.all()).slice(offset), proxy.url, { count: ENTRIES, tag });
  return { proxy, dir, planPath, plan };
}

const commitsOf = (ids: readonly string[]): number[] => ids.map((id) => emu.stats().commits.byId[id] ?? 0);

describe('Ctrl+C during apply (built CLI, real SIGINT)', () => {
  it('stops sending at once: only the requests on the wire finish; the rest are skipped, journalled, resumable', async () => {
    const CONCURRENCY = 2;
    const { proxy, dir, planPath, plan } = await setUp(3, 'ctrl-c-once', 0);
    const ids = plan.entries.map((e) => e.referralId);
    try {
      const run = startApply(planPath, proxy.url, CONCURRENCY);
      // Three writes go through; then both request slots hold a PATCH on the wire.
      await until('two PATCHes on the wire', () => proxy.held() === CONCURRENCY);
      run.child.kill('SIGINT');
      await until('the interrupt notice', () => run.stderr().includes('interrupted: sending nothing more'));
      // Before the fix, entries already past their journal intent still sent their PATCH here.
      await new Promise((r) => setTimeout(r, 300));
      expect(proxy.patches.length, 'PATCHes that reached the server').toBe(3 + CONCURRENCY);
      proxy.releaseAll(); // the requests on the wire are answered and must be recorded
      const { code } = await run.exited;
      expect(code, run.stderr()).toBe(130);
      expect(proxy.patches.length).toBe(3 + CONCURRENCY);

      const out = run.stdout();
      const applied = 3 + CONCURRENCY;
      const notStarted = ENTRIES - applied;
      expect(out).toContain(`apply: stopped (Ctrl+C): ${applied} applied, 0 unchanged, ${notStarted} not started of ${ENTRIES} entries.`);
      expect(out).toContain(`The ${notStarted} entries not started are listed in ${join(dir, 'p.results.csv')} (outcome "skipped").`);
      expect(out).toContain('Run the same command to continue');
      expect(out).not.toMatch(/SKIPPED|failed|retries only the conflicts/);

      // The journal: every entry settled (applied, or skipped), nothing left in flight.
      const replay = replayJournal(join(dir, 'p.journal.jsonl'), plan.checksum);
      const outcomes = ids.map((id) => replay.entries.get(id));
      expect(outcomes.filter((s) => s?.inFlight === true)).toEqual([]);
      expect(outcomes.filter((s) => s?.outcome === 'applied').length).toBe(applied);
      expect(outcomes.filter((s) => s?.outcome === 'skipped').length).toBe(notStarted);
      const results = parse(readFileSync(join(dir, 'p.results.csv'), 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as { outcome: string }[];
      expect(results.filter((r) => r.outcome === 'skipped').length).toBe(notStarted);
      expect(existsSync(join(dir, 'p.lock'))).toBe(false);
      expect(commitsOf(ids).filter((n) => n === 1).length).toBe(applied);

      // The same command continues: it sends the skipped entries, and nothing twice.
      const resumed = await runCli(['apply', planPath], { env: { REFPLAN_BASE_URL: proxy.url, REFPLAN_TOKEN: TOKEN } });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(commitsOf(ids)).toEqual(ids.map(() => 1));
      expect(proxy.patches.length).toBe(ENTRIES);
    } finally {
      proxy.releaseAll();
      await proxy.close();
    }
  }, 60_000);

  it('exits at once on a second Ctrl+C, releasing the lock, with a journal the next run resumes exactly', async () => {
    const CONCURRENCY = 2;
    const { proxy, dir, planPath, plan } = await setUp(1, 'ctrl-c-twice', ENTRIES);
    const ids = plan.entries.map((e) => e.referralId);
    try {
      const run = startApply(planPath, proxy.url, CONCURRENCY);
      await until('two PATCHes on the wire', () => proxy.held() === CONCURRENCY);
      run.child.kill('SIGINT');
      await until('the interrupt notice', () => run.stderr().includes('interrupted: sending nothing more'));
      run.child.kill('SIGINT');
      // It exits while its two requests are still unanswered: it did not wait for them.
      const { code } = await run.exited;
      expect(code, run.stderr()).toBe(130);
      expect(proxy.held()).toBe(CONCURRENCY);
      expect(run.stderr()).toContain('stopped at once (second Ctrl+C); the lock is released');
      expect(existsSync(join(dir, 'p.lock'))).toBe(false);
      const replay = replayJournal(join(dir, 'p.journal.jsonl'), plan.checksum);
      expect([...replay.entries.values()].filter((s) => s.inFlight).length).toBe(CONCURRENCY);

      // The held writes now reach the server and commit, with nobody to hear the answer.
      proxy.releaseAll();
      await until('the held writes to commit', () => commitsOf(ids).reduce((a, b) => a + b, 0) === 1 + CONCURRENCY);
      const resumed = await runCli(['apply', planPath, '--json'], { env: { REFPLAN_BASE_URL: proxy.url, REFPLAN_TOKEN: TOKEN } });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).not.toMatch(/took over the lock/);
      const counts = (JSON.parse(resumed.stdout) as { counts: Record<string, number> }).counts;
      expect(counts['applied']! + counts['unchanged']!).toBe(ENTRIES);
      expect(commitsOf(ids)).toEqual(ids.map(() => 1));
    } finally {
      proxy.releaseAll();
      await proxy.close();
    }
  }, 60_000);
});
