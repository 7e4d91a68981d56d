import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { applyPlan } from '../../src/engine/apply.js';
import type { ApplyEvent } from '../../src/engine/events.js';
import { readPlan } from '../../src/files/plan-file.js';
import { readProcessStat } from '../../src/files/process-identity.js';
import { builtCli, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { editable, writeTestPlan } from './build-plan.js';

/**
 * A killed apply whose parent dies with it (a process-group kill of an `npx`-like wrapper, a
 * container whose PID 1 does not reap) lingers as a zombie that still answers kill(pid, 0). The
 * wrapper here is a shell exec'd into `sleep`, a parent that never reaps: the apply it started
 * becomes a zombie the moment it is killed. Each trial kills the apply mid-run, either with its
 * whole process group at once or the apply first and its wrapper only after the resume (so
 * the holder is certainly a zombie while the resume runs), and resumes at once: every resume
 * must proceed, and every entry must be committed exactly once.
 */
const TRIALS = 20;
const ENTRIES = 3;
const TOKEN = 'zombie-test-token';

const suite = emulatorForSuite({ generate: 120, randomSeed: 11, latencyMs: 25, token: TOKEN }, TOKEN);

interface Wrapped {
  wrapper: ChildProcess;
  applyPid: number;
}

/** `sh` starts the apply in the background, prints its pid and becomes `sleep`: a parent that never reaps. */
async function startWrapped(planPath: string): Promise<Wrapped> {
  const wrapper = spawn('sh', ['-c', '"$0" "$1" apply "$2" --concurrency 1 --json >/dev/null 2>&1 & echo $!; exec sleep 600', process.execPath, builtCli, planPath], {
    env: { ...process.env, ...suite.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true, // its own process group, so the group can be killed as one
  });
  const applyPid = Number(await new Promise<string>((resolve, reject) => {
    wrapper.once('error', reject);
    wrapper.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
  }));
  return { wrapper, applyPid };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const journalLines = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0);
const stateOf = (pid: number): string | undefined => readProcessStat(pid)?.state;

async function trial(n: number, referrals: ReturnType<typeof editable>): Promise<{ killed: boolean; zombie: boolean }> {
  const dir = tempTree();
  const planPath = join(dir, 'p.json');
  const plan = await writeTestPlan(planPath, referrals, suite.emu.url, { count: ENTRIES, tag: `zombie-${n}` });
  const journal = join(dir, 'p.journal.jsonl');
  const { wrapper, applyPid } = await startWrapped(planPath);
  const exited = new Promise<void>((r) => wrapper.once('exit', () => r()));
  // Whatever happens in the trial, the wrapper and its apply do not outlive it.
  onTestFinished(() => {
    try {
      process.kill(-wrapper.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  // Kill points: right after the first intent, or a little later (header + intent/outcome lines).
  const killAt = 2 + (n % 3);
  await until(`journal line ${killAt}`, () => journalLines(journal) >= killAt || stateOf(applyPid) === 'Z' || stateOf(applyPid) === undefined);
  const killed = existsSync(join(dir, 'p.lock'));
  let zombie = false;
  if (n % 2 === 0) {
    process.kill(-wrapper.pid!, 'SIGKILL'); // the apply together with its parent
    // kill() returns before the kernel has ended the target: resume once it has (gone or a zombie).
    await until('the apply to end', () => stateOf(applyPid) === undefined || stateOf(applyPid) === 'Z');
  } else {
    process.kill(applyPid, 'SIGKILL'); // the apply first; its non-reaping parent lingers
    await until('the apply to become a zombie', () => stateOf(applyPid) === 'Z');
    zombie = true;
  }

  const events: ApplyEvent[] = [];
  let counts: Record<string, number>;
  if (n % 4 === 1) {
    const resumed = await runCli(['apply', planPath, '--json'], { env: suite.env });
    expect(resumed.code, `trial ${n}: ${resumed.stderr}`).toBe(0);
    if (killed) expect(resumed.stderr).toMatch(/took over the lock .* is no longer running/);
    counts = (JSON.parse(resumed.stdout) as { counts: Record<string, number> }).counts;
  } else {
    const client = createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider(TOKEN), concurrency: 4 });
    try {
      const resumed = await applyPlan(await readPlan(planPath), { client, planPath, onEvent: (e) => events.push(e) });
      expect(resumed.exitCode, `trial ${n}`).toBe(0);
      counts = resumed.counts;
    } finally {
      await client.close();
    }
    if (zombie) {
      const took = events.find((e) => e.type === 'warning' && /took over the lock/.test(e.message));
      expect(took, `trial ${n}: ${JSON.stringify(events.filter((e) => e.type === 'warning'))}`).toBeDefined();
      expect((took as { message: string }).message).toMatch(/zombie|no longer running/);
    }
  }
  if (zombie) expect(stateOf(applyPid), 'the holder was still a zombie while the resume ran').toBe('Z');
  if (n % 2 === 1) process.kill(-wrapper.pid!, 'SIGKILL');
  await exited;

  expect(counts['applied']! + counts['unchanged']!).toBe(plan.entries.length);
  const commits = suite.emu.stats().commits.byId;
  for (const entry of plan.entries) expect(commits[entry.referralId], `trial ${n}: commits of ${entry.referralId}`).toBe(1);
  expect(readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp') || f.endsWith('.stale'))).toEqual([]);
  return { killed, zombie };
}

describe('an apply killed together with its parent (a zombie holder) resumes at once', () => {
  it(`proceeds and commits every entry exactly once, in ${TRIALS} trials`, async () => {
    const pool = editable(suite.emu.store.all());
    expect(pool.length).toBeGreaterThanOrEqual(TRIALS * ENTRIES);
    const outcomes: { killed: boolean; zombie: boolean }[] = [];
    // Ten trials at a time, each on referrals of its own (the commit counts stay per trial).
    for (let batch = 0; batch < TRIALS; batch += 10) {
      const runs = [];
      for (let n = batch; n < Math.min(TRIALS, batch + 10); n++) runs.push(trial(n, pool.slice(n * ENTRIES, (n + 1) * ENTRIES)));
      outcomes.push(...(await Promise.all(runs)));
    }
    // The kills must really have interrupted runs holding the lock, half of them as zombies.
    expect(outcomes.filter((o) => o.killed).length).toBeGreaterThanOrEqual(TRIALS * 0.75);
    expect(outcomes.filter((o) => o.zombie).length).toBe(TRIALS / 2);
  }, 120_000);
});

describe('temp files a killed run left next to its plan', () => {
  it('are removed by the next run of the same plan when their writer is gone; others stay', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    await writeTestPlan(planPath, editable(suite.emu.store.all()).slice(TRIALS * ENTRIES), suite.emu.url, { count: 2, tag: 'leftovers' });
    // A pid that is certainly gone: a process that has exited and been reaped.
    const gone = await new Promise<number>((resolve) => {
      const p = spawn(process.execPath, ['-e', '0']);
      p.on('exit', () => resolve(p.pid!));
    });
    const leftovers = [
      `.p.rollback.json.${gone}.0a1b2c3d.tmp`,
      `.p.results.csv.${gone}.0a1b2c3d.tmp`,
      `.p.json.${gone}.0a1b2c3d.tmp`,
      `p.lock.${gone}.0a1b2c3d.tmp`,
      `p.lock.${gone}.0a1b2c3d.stale`,
    ];
    const kept = [
      `.p.rollback.json.${process.pid}.0a1b2c3d.tmp`, // its writer (this test process) runs
      `.q.rollback.json.${gone}.0a1b2c3d.tmp`, // another plan's
      `.p.rollback.json.${gone}.tmp`, // not a name refplan makes
      `p.rollback.json.${gone}.0a1b2c3d.tmp`, // not a name refplan makes
    ];
    for (const f of [...leftovers, ...kept]) writeFileSync(join(dir, f), '{"customer":"data"}', { mode: 0o600 });
    const run = await runCli(['apply', planPath], { env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`removed ${leftovers.length} temp files an interrupted run left behind`);
    const left = readdirSync(dir);
    for (const f of leftovers) expect(left, f).not.toContain(f);
    for (const f of kept) expect(left, f).toContain(f);
  });
});
