import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { Plan } from '../../src/core/plan.js';
import type { Referral } from '../../src/core/referral.js';
import { startEmulator } from '../../src/emulator/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import type { WriteClient } from '../../src/engine/apply-entry.js';
import { readPlan } from '../../src/files/plan-file.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { at, writeTestPlan } from './build-plan.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * Re-runs and rollbacks: the rollback file changes only when entries are added to it, a
 * finished apply or rollback run again is a no-op (exit 0), an interrupted rollback resumes
 * after the plan was applied again, and the rollback of a rollback restores all it changed.
 */
const suite = emulatorForSuite({ generate: 260, randomSeed: 33, latencyMs: 1 });

const client = (concurrency = 4) => createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('t'), concurrency });
const commits = (id: string) => suite.emu.stats().commits.byId[id] ?? 0;

let offset = 0;
async function freshPlan(dir: string, count: number, tag: string): Promise<{ plan: Plan; path: string }> {
  const all = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
  const slice = all.slice(offset, offset + count);
  offset += count;
  const path = join(dir, 'p.json');
  return { plan: await writeTestPlan(path, slice, suite.emu.url, { count, closeEvery: 6, tag }), path };
}

function fileState(path: string): { bytes: string; ino: number; mtimeMs: number } {
  const st = statSync(path);
  return { bytes: readFileSync(path, 'utf8'), ino: st.ino, mtimeMs: st.mtimeMs };
}

/** Runs a plan in-process, aborting (as Ctrl+C does) once `after` entries have started. */
async function applyAborting(plan: Plan, planPath: string, after: number) {
  const abort = new AbortController();
  let started = 0;
  const c = client(1);
  try {
    return await applyPlan(plan, {
      client: c,
      planPath,
      concurrency: 1,
      signal: abort.signal,
      onEvent: (e) => {
        // Ctrl+C as entry `after + 1` starts: its write has not left, so it is not sent (`after` applied).
        if (e.type === 'entry-start' && ++started === after + 1) abort.abort();
      },
    });
  } finally {
    await c.close();
  }
}

describe('re-runs', () => {
  it('a re-run of a finished apply sends nothing, says so, and changes no file; the rollback file changes only when entries are added', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 12, 'rerun');
    const partial = await applyAborting(plan, path, 5);
    expect(partial.counts.applied).toBe(5);
    const rollbackPath = partial.files.rollback;
    const first = await readPlan(rollbackPath);
    expect(first.entries.length + (first.notRestorable ?? []).length).toBe(5);

    const c = client();
    const finished = await applyPlan(plan, { client: c, planPath: path });
    expect(finished.exitCode).toBe(0);
    expect(finished.alreadyDone).toBeUndefined();
    const grown = await readPlan(rollbackPath);
    expect(grown.entries.length + (grown.notRestorable ?? []).length).toBe(12);
    expect(grown.createdAt).toBe(first.createdAt);
    expect(grown.checksum).not.toBe(first.checksum);

    const rollbackBefore = fileState(rollbackPath);
    const resultsBefore = fileState(finished.files.results);
    const requests = suite.emu.stats().requests.total;
    for (let i = 0; i < 2; i++) {
      const again = await applyPlan(plan, { client: c, planPath: path });
      expect(again.exitCode).toBe(0);
      expect(again.alreadyDone).toBe(true);
      expect(again.counts.unchanged).toBe(12);
    }
    await c.close();
    expect(suite.emu.stats().requests.total).toBe(requests);
    expect(fileState(rollbackPath)).toEqual(rollbackBefore);
    expect(fileState(finished.files.results)).toEqual(resultsBefore);
  });

  it('an interrupted rollback resumes after the plan was applied again, and the rollback of the rollback restores everything it changed', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 14, 'rb-resume');
    const c = client();
    const applied = await applyPlan(plan, { client: c, planPath: path });
    expect(applied.exitCode).toBe(0);
    const rollbackPath = applied.files.rollback;
    const rollback = await readPlan(rollbackPath);
    expect(rollback.entries.length).toBeGreaterThan(6);

    // The rollback is interrupted part-way; meanwhile the plan is applied again (a no-op).
    const interrupted = await applyAborting(rollback, rollbackPath, 4);
    expect(interrupted.counts.applied).toBe(4);
    expect((await applyPlan(plan, { client: c, planPath: path })).alreadyDone).toBe(true);
    const resumed = await applyPlan(await readPlan(rollbackPath), { client: c, planPath: rollbackPath });
    expect(resumed.exitCode).toBe(0);
    expect(resumed.counts).toMatchObject({ applied: rollback.entries.length - 4, unchanged: 4 });
    for (const e of plan.entries) {
      expect(commits(e.referralId)).toBe(e.irreversible ? 1 : 2);
      for (const [p, v] of Object.entries(e.irreversible ? e.after : e.before)) expect(at(suite.emu.store.get(e.referralId)!, p)).toEqual(v);
    }
    const again = await applyPlan(await readPlan(rollbackPath), { client: c, planPath: rollbackPath });
    expect(again.alreadyDone).toBe(true);

    // Undo the rollback: every entry the rollback restored gets the plan's values back.
    const undoPath = resumed.files.rollback;
    const undo = await readPlan(undoPath);
    expect(undo.entries.map((e) => e.referralId).sort()).toEqual(rollback.entries.map((e) => e.referralId).sort());
    const redone = await applyPlan(undo, { client: c, planPath: undoPath });
    await c.close();
    expect(redone.exitCode).toBe(0);
    expect(redone.counts.applied).toBe(rollback.entries.length);
    for (const e of plan.entries) for (const [p, v] of Object.entries(e.after)) expect(at(suite.emu.store.get(e.referralId)!, p)).toEqual(v);
  });
});

describe('a write that committed while the connection dropped, then edited by someone else before refplan read it back', () => {
  it('is reported applied, names the other edit, and its rollback restores only the fields that still hold refplan’s values', async () => {
    const lossy = await startEmulator({ generate: 30, randomSeed: 34, resetAfterCommitRate: 1 });
    try {
      const dir = tempTree();
      const path = join(dir, 'p.json');
      // Entries 0-3 of a test plan set notes and dealValue.
      const plan = await writeTestPlan(path, lossy.store.all(), lossy.url, { count: 3, tag: 'edited-after' });
      const real = createClient({ baseUrl: lossy.url, token: createStaticTokenProvider('t'), concurrency: 2 });
      const victim = plan.entries[1]!;
      let edited = false;
      // Between the dropped connection and refplan's read, another user edits the notes.
      const racing: WriteClient = {
        patchReferral: (id, ops, o) => real.patchReferral(id, ops, o),
        getReferral: async (id: string): Promise<Referral> => {
          if (id === victim.referralId && !edited) {
            edited = true;
            // Their PATCH commits too (this emulator drops every connection after committing).
            await fetch(`${lossy.url}/engagements/referrals/${id}`, {
              method: 'PATCH',
              headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
              body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'their notes' }]),
            }).catch(() => undefined);
          }
          return real.getReferral(id);
        },
      };
      const summary = await applyPlan(plan, { client: racing, planPath: path });
      expect(edited).toBe(true);
      expect(summary.exitCode).toBe(0);
      const result = summary.results.find((r) => r.referralId === victim.referralId)!;
      expect(result.outcome).toBe('applied');
      expect(result.message).toMatch(/then changed by someone else: \/details\/notes/);
      expect(result.changedAfterApply).toEqual([{ path: '/details/notes', planned: victim.after['/details/notes'], now: 'their notes' }]);
      expect(lossy.stats().commits.byId[victim.referralId]).toBe(2); // ours and theirs

      const rollback = await readPlan(summary.files.rollback);
      const undo = rollback.entries.find((e) => e.referralId === victim.referralId)!;
      expect(undo.ops).toEqual([{ op: 'replace', path: '/details/dealValue', value: victim.before['/details/dealValue'] }]);
      expect(undo.eTag).toBe(lossy.store.get(victim.referralId)!.eTag);
      expect(rollback.notRestorable).toEqual([expect.objectContaining({ referralId: victim.referralId, before: { '/details/notes': victim.before['/details/notes'] } })]);

      const restored = await applyPlan(rollback, { client: real, planPath: summary.files.rollback });
      await real.close();
      expect(restored.exitCode).toBe(0);
      const now = lossy.store.get(victim.referralId)!;
      expect(at(now, '/details/dealValue')).toEqual(victim.before['/details/dealValue']);
      expect(at(now, '/details/notes')).toBe('their notes');
    } finally {
      await lossy.close();
    }
  });
});

describe('refplan apply / rollback run again (built CLI)', () => {
  it('says "already applied" and "already restored", exit 0, sending nothing', async () => {
    const dir = tempTree();
    const { path } = await freshPlan(dir, 4, 'cli-again');
    const env = { REFPLAN_BASE_URL: suite.emu.url, REFPLAN_TOKEN: 'cli-again-token' };
    expect((await runCli(['apply', path], { env })).code).toBe(0);
    const before = suite.emu.stats().requests.total;
    const again = await runCli(['apply', path], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/apply: already applied: all 4 entries were settled by earlier runs/);
    expect(suite.emu.stats().requests.total).toBe(before);
    const rollbackPath = join(dir, 'p.rollback.json');
    expect((await runCli(['rollback', rollbackPath, '--yes'], { env })).code).toBe(0);
    const restored = suite.emu.stats().requests.total;
    // No --yes and no terminal: a finished rollback has nothing to confirm.
    const twice = await runCli(['rollback', rollbackPath], { env });
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).toMatch(/rollback: already restored: all \d entries were settled by earlier runs/);
    expect(suite.emu.stats().requests.total).toBe(restored);
  });
});
