import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { createClient } from '../src/api/client.js';
import { createStaticTokenProvider } from '../src/api/token.js';
import { applyPlan } from '../src/engine/apply.js';
import { writePlan } from '../src/files/plan-file.js';
import { benchPlanBody, readAll, TOKEN } from './apply-plan.js';
import { resetEmulator, startEmulatorProcess } from './emulator-process.js';
import type { ProxyShape, ProxyStats } from './throttle-proxy.js';

/**
 * The rate-control matrix (issue 14): for each server limiter shape, 2,000 PATCHes through the
 * bench's own throttling proxy (bench/throttle-proxy.ts, its own process, its own limiter code)
 * in front of an unthrottled emulator process, with refplan told
 *  - nothing (`unknown`),
 *  - `--rate` equal to the limit (`equal`),
 *  - nothing, but the proxy sends IETF rate-limit headers (`headers`),
 *  - `--rate` five times the limit (`high`).
 * Achieved = requests the proxy accepted ÷ (last answer − first request) ÷ the proxy's limit over
 * that time (its schedule followed). Cases run one after another: on 2 cores, running them side by
 * side would distort the timing they measure.
 */
export interface ShapeCase {
  name: string;
  shape: ProxyShape;
  /** The sustainable limit refplan is told in `equal` and five times in `high`. */
  limit: number;
  latencyMs?: number;
}

export type Mode = 'unknown' | 'equal' | 'headers' | 'high';
export const MODES: readonly Mode[] = ['unknown', 'equal', 'headers', 'high'];

export const SHAPES: readonly ShapeCase[] = [
  { name: 'token bucket 100/s, burst 100', shape: { kind: 'bucket', rate: 100, burst: 100 }, limit: 100 },
  { name: 'token bucket 100/s, burst 10', shape: { kind: 'bucket', rate: 100, burst: 10 }, limit: 100 },
  { name: 'token bucket 100/s, burst 1', shape: { kind: 'bucket', rate: 100, burst: 1 }, limit: 100 },
  { name: 'token bucket 100/s, burst 300 (3 s)', shape: { kind: 'bucket', rate: 100, burst: 300 }, limit: 100 },
  { name: 'sliding window, 100 in any 1 s', shape: { kind: 'sliding', rate: 100, window: 1 }, limit: 100 },
  { name: 'fixed window, 600 per 6 s', shape: { kind: 'fixed', rate: 100, window: 6 }, limit: 100 },
  { name: 'writes only, 50/s burst 5', shape: { kind: 'bucket', rate: 50, burst: 5, writesOnly: true }, limit: 50 },
  { name: 'limit halves at 10 s (100 → 50/s, burst 10)', shape: { kind: 'bucket', rate: 100, burst: 10, schedule: [[0, 100], [10, 50]] }, limit: 100 },
  { name: 'token bucket 100/s burst 10, 50 ms latency', shape: { kind: 'bucket', rate: 100, burst: 10 }, limit: 100, latencyMs: 50 },
  { name: 'token bucket 100/s burst 10, no Retry-After', shape: { kind: 'bucket', rate: 100, burst: 10, retryAfter: false }, limit: 100 },
];

export const GOALS: Record<Mode, { achieved: number; throttledShare: number; text: string }> = {
  unknown: { achieved: 0.92, throttledShare: 0.02, text: '≥ 0.92, < 2 %' },
  equal: { achieved: 0.97, throttledShare: 0.001, text: '≥ 0.97, < 0.1 %' },
  headers: { achieved: 0.97, throttledShare: 0, text: '≥ 0.97, 0 429s' },
  high: { achieved: 0.92, throttledShare: 0.02, text: '≥ 0.92, < 2 %' },
};

export interface MatrixCell {
  shape: string;
  mode: Mode;
  entries: number;
  applied: number;
  seconds: number;
  accepted: number;
  throttled: number;
  achieved: number;
  throttledShare: number;
  meetsGoal: boolean;
}

const proxyScript = join(dirname(fileURLToPath(import.meta.url)), 'throttle-proxy.js');

async function startProxy(upstream: string, shape: ProxyShape): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [proxyScript, upstream, JSON.stringify(shape)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const m = /(http:\/\/\S+)/.exec(line);
      if (m === null) reject(new Error(`proxy printed no URL: ${line}`));
      else resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`proxy exited with ${String(code)}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function proxyCall<T>(url: string, path: string, method: 'GET' | 'POST'): Promise<T> {
  const res = await request(`${new URL(url).origin}${path}`, { method });
  return (await res.body.json()) as T;
}

/** The proxy's limit averaged over [from, to] ms since its reset. */
function averageLimit(shape: ProxyShape, from: number, to: number): number {
  const steps = shape.schedule ?? [[0, shape.rate]];
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const a = Math.max(from, steps[i]![0] * 1000);
    const b = Math.min(to, (steps[i + 1]?.[0] ?? Infinity) * 1000);
    if (b > a) total += steps[i]![1] * (b - a);
  }
  return total / Math.max(1, to - from);
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runRateMatrix(options: { entries?: number; shapes?: readonly ShapeCase[]; modes?: readonly Mode[]; log?: (l: string) => void } = {}): Promise<MatrixCell[]> {
  const log = options.log ?? ((l: string) => console.log(l));
  const entries = options.entries ?? 2000;
  const cells: MatrixCell[] = [];
  const byLatency = new Map<number, ShapeCase[]>();
  for (const s of options.shapes ?? SHAPES) byLatency.set(s.latencyMs ?? 0, [...(byLatency.get(s.latencyMs ?? 0) ?? []), s]);
  for (const [latencyMs, shapes] of byLatency) {
    // About 65 % of generated referrals are editable (New or Active).
    const emulator = await startEmulatorProcess(['--generate', String(Math.ceil(entries / 0.6) + 50), '--random-seed', '4', ...(latencyMs > 0 ? ['--latency', String(latencyMs)] : [])]);
    const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-rate-'));
    try {
      const referrals = await readAll(emulator.url);
      for (const sc of shapes) {
        for (const mode of options.modes ?? MODES) {
          const shape: ProxyShape = mode === 'headers' ? { ...sc.shape, headers: true } : sc.shape;
          const proxy = await startProxy(emulator.url, shape);
          try {
            await resetEmulator(emulator.url);
            const planPath = join(dir, `${cells.length}.plan.json`);
            const plan = await writePlan(planPath, benchPlanBody(referrals, entries, proxy.url));
            const rate = mode === 'equal' ? sc.limit : mode === 'high' ? sc.limit * 5 : undefined;
            const client = createClient({ baseUrl: proxy.url, token: createStaticTokenProvider(TOKEN), ...(rate === undefined ? {} : { rate }) });
            await proxyCall(proxy.url, '/_proxy/reset', 'POST');
            const summary = await applyPlan(plan, { client, planPath });
            await client.close();
            const st = await proxyCall<ProxyStats>(proxy.url, '/_proxy/stats', 'GET');
            const from = st.firstAt ?? 0;
            const to = st.lastAt ?? from + 1;
            const achieved = st.accepted / ((to - from) / 1000) / averageLimit(sc.shape, from, to);
            const share = st.throttled / Math.max(1, st.total);
            const goal = GOALS[mode];
            const cell: MatrixCell = {
              shape: sc.name,
              mode,
              entries: plan.entries.length,
              applied: summary.counts.applied,
              seconds: round((to - from) / 1000, 2),
              accepted: st.accepted,
              throttled: st.throttled,
              achieved: round(achieved, 3),
              throttledShare: round(share, 4),
              meetsGoal: achieved >= goal.achieved && (goal.throttledShare === 0 ? st.throttled === 0 : share < goal.throttledShare) && summary.counts.applied === plan.entries.length,
            };
            cells.push(cell);
            log(`${sc.name} | ${mode}: ${cell.achieved} of the limit, ${cell.throttled} 429s (${(share * 100).toFixed(2)} %), ${cell.seconds} s, ${cell.applied}/${cell.entries} applied${cell.meetsGoal ? '' : '  ← misses the goal'}`);
          } finally {
            await proxy.stop();
          }
        }
      }
    } finally {
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return cells;
}

/** The matrix as a Markdown table: one row per shape, one column per mode. */
export function matrixTable(cells: readonly MatrixCell[]): string {
  const modes = MODES.filter((m) => cells.some((c) => c.mode === m));
  const head = `| server limiter | ${modes.map((m) => `${m} (goal ${GOALS[m].text})`).join(' | ')} |`;
  const rule = `|---|${modes.map(() => '---').join('|')}|`;
  const rows = [...new Set(cells.map((c) => c.shape))].map((shape) => {
    const parts = modes.map((m) => {
      const c = cells.find((x) => x.shape === shape && x.mode === m);
      return c === undefined ? '—' : `${c.achieved.toFixed(3)}, ${(c.throttledShare * 100).toFixed(2)} %${c.meetsGoal ? '' : ' ✗'}`;
    });
    return `| ${shape} | ${parts.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** One run of the matrix as bench/results.json keeps it (`rateMatrix`), from `npm run bench` or `bench:rate`. */
export function matrixRun(cells: readonly MatrixCell[], command: string, started: Date): { date: string; command: string; cores: number; load: number[]; met: number; cells: readonly MatrixCell[]; table: string } {
  return { date: started.toISOString(), command, cores: cpus().length, load: loadavg().map((l) => Math.round(l * 10) / 10), met: cells.filter((c) => c.meetsGoal).length, cells, table: matrixTable(cells) };
}

/** bench/results.json, beside the built bench's folder. */
export const RESULTS_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.json');

/**
 * The goal is met only when it holds twice in a row: the run before this one (whichever command
 * made it) is kept beside it, from the results file as it was.
 */
export function withPreviousRun<T extends object>(run: T, results: Record<string, unknown>): T & { previousRun: unknown } {
  const before = results['rateMatrix'] as { date?: string; command?: string; load?: number[]; met?: number; cells?: MatrixCell[]; table?: string } | undefined;
  const previousRun = before === undefined ? null : { date: before.date, command: before.command, load: before.load, met: before.met ?? before.cells?.filter((c) => c.meetsGoal).length, table: before.table };
  return { ...run, previousRun };
}

// `npm run bench:rate` (the whole matrix, kept in bench/results.json beside the other figures),
// or node dist/bench/rate-matrix.js SHAPE-SUBSTRING [MODE,MODE] for a look at some cells only
// (a name ending in $ is matched whole: 'token bucket 100/s, burst 1$').
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [only, modes] = process.argv.slice(2);
  const started = new Date();
  const cells = await runRateMatrix({
    shapes: SHAPES.filter((s) => only === undefined || only === '' || (only.endsWith('$') ? s.name === only.slice(0, -1) : s.name.includes(only))),
    ...(modes === undefined ? {} : { modes: modes.split(',') as Mode[] }),
  });
  const run = matrixRun(cells, 'npm run bench:rate', started);
  console.log(`\n${run.table}\n${run.met} of ${cells.length} cells meet their goal`);
  if (only === undefined) {
    const out = RESULTS_PATH;
    const results = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    results['rateMatrix'] = withPreviousRun(run, results);
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  }
}
