import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Referral } from '../src/core/referral.js';
import { writePlan } from '../src/files/plan-file.js';
import { runFilesFor } from '../src/files/run-files.js';
import { benchPlanBody, readAll } from './apply-plan.js';
import { emulatorCall, resetEmulator, startEmulatorProcess } from './emulator-process.js';

/**
 * The cost of an entry must not grow with the plan (issue 14, "Scale"). Against one
 * unthrottled emulator process (same machine), an apply process of its own (bench/apply-child)
 * runs plans of 2,000 and 50,000 entries; entries per second are taken at the emulator's own
 * commit counter (first to last commit), peak RSS from the apply process. Then a 50,000-entry
 * apply is SIGKILLed half-way and resumed: the figure is how long the resumed process takes
 * from its start to its first PATCH reaching the emulator.
 * Goals: 50,000 entries at ≥ 0.8 × the entries/s at 2,000, peak RSS ≤ 500 MB, resume sending
 * within 5 s.
 */
export interface ScaleCase {
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  peakRssMb: number;
}

export interface ApplyScaleResult {
  small: ScaleCase;
  large: ScaleCase;
  /** large.entriesPerSecond / small.entriesPerSecond (goal ≥ 0.8). */
  ratio: number;
  /** secondsToFirstPatch: the median of `samples`, resumes of the same killed state. */
  resume: { entries: number; killedAfterCommits: number; secondsToFirstPatch: number; samples: number[] };
  /** When, and the load average (1, 5, 15 min) before the first case and after the last: how far to trust the figures. */
  date?: string;
  loadAverage?: { start: number[]; end: number[] };
}

const childScript = join(dirname(fileURLToPath(import.meta.url)), 'apply-child.js');

interface Stats {
  requests: { total: number; byMethod: Record<string, number> };
  commits: { total: number };
}
// Without commits.byId: polling the full map of 50,000 ids would load the emulator more than the run does.
const stats = (url: string) => emulatorCall<Stats>(url, '/_emulator/stats?byId=false');

function startApply(url: string, planPath: string): { done: Promise<{ code: number | null; out: string }>; kill: () => void; startedAt: number } {
  const child = spawn(process.execPath, [childScript, url, planPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('close', (code) => resolve({ code, out })));
  return { done, kill: () => child.kill('SIGKILL'), startedAt: Date.now() };
}

/** Polls the emulator until `until` holds; returns the time it first held. */
async function waitFor(url: string, until: (s: Stats) => boolean, everyMs = 50): Promise<{ at: number; stats: Stats }> {
  for (;;) {
    const s = await stats(url);
    if (until(s)) return { at: Date.now(), stats: s };
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function runCase(url: string, referrals: readonly Referral[], entries: number, dir: string, log: (l: string) => void): Promise<ScaleCase> {
  await resetEmulator(url);
  const planPath = join(dir, `scale-${entries}.plan.json`);
  await writePlan(planPath, benchPlanBody(referrals, entries, url, { tag: `scale-${entries}`, labels: true }));
  const base = (await stats(url)).commits.total;
  const run = startApply(url, planPath);
  const first = await waitFor(url, (s) => s.commits.total > base, 20);
  const last = await waitFor(url, (s) => s.commits.total >= base + entries, 100);
  const result = await run.done;
  const { peakRssMb } = JSON.parse(result.out) as { peakRssMb: number };
  const seconds = (last.at - first.at) / 1000;
  const figures = { entries, seconds: round(seconds, 2), entriesPerSecond: Math.round(entries / seconds), peakRssMb: Math.round(peakRssMb) };
  log(`apply unthrottled, ${entries.toLocaleString('en-US')} entries: ${figures.entriesPerSecond}/s at the emulator's commit counter (${figures.seconds}s), peak RSS ${figures.peakRssMb} MB`);
  return figures;
}

/** Resumes of one killed state, taken one after the other (the figure is their median). */
const RESUMES = 3;

async function resumeCase(url: string, referrals: readonly Referral[], entries: number, dir: string, log: (l: string) => void): Promise<ApplyScaleResult['resume']> {
  await resetEmulator(url);
  const planPath = join(dir, `resume-${entries}.plan.json`);
  await writePlan(planPath, benchPlanBody(referrals, entries, url, { tag: `resume-${entries}`, labels: true }));
  const base = (await stats(url)).commits.total;
  const first = startApply(url, planPath);
  await waitFor(url, (s) => s.commits.total >= base + entries / 2, 100);
  first.kill();
  await first.done;
  // Requests the killed process had on the wire land (or not) first.
  await new Promise((r) => setTimeout(r, 1000));
  const killed = await stats(url);
  // The killed run's journal and lock, put back before each resume: every sample starts from the
  // same state (the few PATCHes a sample sends meet a 412 in the next one, which counts the same).
  const { journal, lock } = runFilesFor(planPath);
  const saved = [journal, lock].filter((f) => existsSync(f)).map((f) => ({ f, bytes: readFileSync(f) }));
  const samples: number[] = [];
  for (let i = 0; i < RESUMES; i++) {
    for (const { f, bytes } of saved) writeFileSync(f, bytes, { mode: 0o600 });
    const patches = (await stats(url)).requests.byMethod['PATCH'] ?? 0;
    const resumed = startApply(url, planPath);
    const sending = await waitFor(url, (s) => (s.requests.byMethod['PATCH'] ?? 0) > patches, 20);
    // The figure is taken; the rest of the resumed run is what the large case measured already.
    resumed.kill();
    await resumed.done;
    samples.push(round((sending.at - resumed.startedAt) / 1000, 2));
  }
  const median = [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  const figures = { entries, killedAfterCommits: killed.commits.total - base, secondsToFirstPatch: median, samples };
  log(
    `resume after a kill at ${figures.killedAfterCommits.toLocaleString('en-US')} of ${entries.toLocaleString('en-US')} entries: first PATCH ${median}s after the process started (median of ${samples.join(', ')})`,
  );
  return figures;
}

const load = (): number[] => loadavg().map((l) => round(l, 1));

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export async function runApplyScaleBench(options: { small?: number; large?: number; log?: (l: string) => void; resumeOnly?: boolean } = {}): Promise<Partial<ApplyScaleResult>> {
  const log = options.log ?? ((l: string) => console.log(l));
  const small = options.small ?? 2000;
  const large = options.large ?? 50_000;
  // About 65% of generated referrals are editable (New or Active).
  const emulator = await startEmulatorProcess(['--generate', String(Math.ceil(large / 0.6) + 100), '--random-seed', '14']);
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-scale-'));
  try {
    const referrals = await readAll(emulator.url);
    const date = new Date().toISOString();
    const start = load();
    if (options.resumeOnly === true) return { date, resume: await resumeCase(emulator.url, referrals, large, dir, log), loadAverage: { start, end: load() } };
    const smallCase = await runCase(emulator.url, referrals, small, dir, log);
    const largeCase = await runCase(emulator.url, referrals, large, dir, log);
    const ratio = round(largeCase.entriesPerSecond / smallCase.entriesPerSecond, 3);
    log(`entries/s at ${large.toLocaleString('en-US')} / at ${small.toLocaleString('en-US')}: ${ratio} (goal ≥ 0.8)`);
    const resume = await resumeCase(emulator.url, referrals, large, dir, log);
    const loadAverage = { start, end: load() };
    log(`load average (1, 5, 15 min) at the start ${start.join(', ')}, at the end ${loadAverage.end.join(', ')}`);
    return { date, small: smallCase, large: largeCase, ratio, resume, loadAverage };
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runnable alone: node dist/bench/apply-scale.js [SMALL LARGE] | resume [LARGE]. With the
// default sizes and every case, the figures also replace `applyScale` in bench/results.json
// (the rest of the file, the other benches' figures, stays as it was).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const resumeOnly = process.argv[2] === 'resume';
  const [small, large] = resumeOnly ? [undefined, Number(process.argv[3] ?? 50_000)] : process.argv.slice(2).map(Number);
  const result = await runApplyScaleBench({ resumeOnly, ...(small ? { small } : {}), ...(large ? { large } : {}) });
  console.log(JSON.stringify(result, null, 2));
  if (!resumeOnly && small === undefined && large === undefined) {
    const path = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.json');
    const results = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, `${JSON.stringify({ ...results, applyScale: result }, null, 2)}\n`);
    console.log(`applyScale written to ${path}`);
  }
}
