import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { Referral } from '../../src/core/referral.js';
import { applyPlan } from '../../src/engine/apply.js';
import { readPlan } from '../../src/files/plan-file.js';
import { replayJournal } from '../../src/files/journal.js';
import { builtCli, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { at, writeTestPlan } from './build-plan.js';

/**
 * Crash safety, for real: the built CLI applies a plan in a child process and
 * is SIGKILLed at a seeded random point of its journal (often between an intent
 * and its outcome), then resumed. Every trial checks: one commit per applied
 * entry, the final state of an uninterrupted run, and a rollback file that
 * restores the starting state.
 */
const TRIALS = 20;
const ENTRIES = 32;

const suite = emulatorForSuite({ generate: 90, randomSeed: 3, latencyMs: 4 }, 'kill-test-token');

/** mulberry32: the trial schedule is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts `refplan apply` and SIGKILLs it once its journal has `lines` lines (or it ends first). */
function applyAndKill(planPath: string, journal: string, lines: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, 'apply', planPath, '--concurrency', '3', '--json'], {
      env: { ...process.env, ...suite.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    let killed = false;
    const timer = setInterval(() => {
      if (!existsSync(journal)) return;
      const count = readFileSync(journal, 'utf8').split('\n').length - 1;
      if (count >= lines && !killed) {
        killed = child.kill('SIGKILL');
      }
    }, 1);
    child.on('error', reject);
    child.on('exit', () => {
      clearInterval(timer);
      resolve({ killed });
    });
  });
}

function strip(doc: Referral): Record<string, unknown> {
  const { eTag: _e, updatedDateTime: _u, ...rest } = doc;
  return rest;
}

describe('apply killed with SIGKILL at random moments, then resumed', () => {
  it(`keeps every promise across ${TRIALS} trials`, async () => {
    const random = prng(20261121);
    let killedTrials = 0;
    let inFlightTrials = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      suite.emu.reset();
      const start = new Map(suite.emu.store.all().map((r) => [r.id, structuredClone(r)]));
      const dir = tempTree();
      const planPath = join(dir, 'p.json');
      const plan = await writeTestPlan(planPath, suite.emu.store.all(), suite.emu.url, { count: ENTRIES, closeEvery: 6, tag: `trial-${trial}` });
      const journal = join(dir, 'p.journal.jsonl');
      // Kill points spread over the whole journal (header + intent/outcome per entry).
      const killAt = 1 + Math.floor(random() * (2 * plan.entries.length));
      const first = await applyAndKill(planPath, journal, killAt);
      if (first.killed) killedTrials += 1;
      if ([...replayJournal(journal, plan.checksum).entries.values()].some((e) => e.inFlight)) inFlightTrials += 1;
      // A second kill in some trials: resume must survive being interrupted too.
      let lastKilled = first.killed;
      if (random() < 0.3) lastKilled = (await applyAndKill(planPath, journal, killAt + 1 + Math.floor(random() * 20))).killed;

      // Resume: through the built CLI in every 4th trial, in-process otherwise (same engine, no
      // process start-up, so the file stays fast).
      let counts: Record<string, number>;
      if (trial % 4 === 0) {
        const resumed = await runCli(['apply', planPath, '--json'], { env: suite.env });
        expect(resumed.stderr).not.toMatch(/unexpected error/);
        expect(resumed.code, `trial ${trial}: ${resumed.stderr}`).toBe(0);
        // The killed run's lock names a dead pid: taken over, and said so.
        if (lastKilled) expect(resumed.stderr).toMatch(/took over the lock .* is no longer running/);
        counts = (JSON.parse(resumed.stdout) as { counts: Record<string, number> }).counts;
      } else {
        const c = createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('kill-test-token'), concurrency: 8 });
        const resumed = await applyPlan(await readPlan(planPath), { client: c, planPath });
        await c.close();
        expect(resumed.exitCode, `trial ${trial}`).toBe(0);
        counts = resumed.counts;
      }
      expect(counts['applied']! + counts['unchanged']!).toBe(plan.entries.length);

      const commits = suite.emu.stats().commits.byId;
      for (const entry of plan.entries) {
        expect(commits[entry.referralId], `trial ${trial} (kill at line ${killAt}): commits of ${entry.referralId}`).toBe(1);
        const doc = suite.emu.store.get(entry.referralId)!;
        for (const [p, v] of Object.entries(entry.after)) expect(at(doc, p)).toEqual(v);
      }

      // The rollback file covers every applied entry, pinned to the current eTags...
      const rollbackPath = join(dir, 'p.rollback.json');
      const rollback = await readPlan(rollbackPath);
      expect(rollback.entries.length + (rollback.notRestorable ?? []).length).toBe(plan.entries.length);
      for (const r of rollback.entries) expect(r.eTag).toBe(suite.emu.store.get(r.referralId)!.eTag);
      // ...and restores the starting state of every reversible referral.
      const c = createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('kill-test-token'), concurrency: 8 });
      const undone = await applyPlan(rollback, { client: c, planPath: rollbackPath });
      await c.close();
      expect(undone.exitCode).toBe(0);
      for (const entry of plan.entries) {
        const doc = suite.emu.store.get(entry.referralId)!;
        if (entry.irreversible) {
          for (const [p, v] of Object.entries(entry.after)) expect(at(doc, p)).toEqual(v);
        } else {
          expect(strip(doc)).toEqual(strip(start.get(entry.referralId)!));
        }
      }
    }
    // The schedule must really have interrupted runs, not only watched them finish.
    expect(killedTrials).toBeGreaterThanOrEqual(TRIALS * 0.75);
    // ...and some kills must have landed between a write's intent and its outcome.
    expect(inFlightTrials).toBeGreaterThan(0);
  }, 300_000);
});
