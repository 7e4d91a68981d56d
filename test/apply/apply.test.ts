import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { Plan } from '../../src/core/plan.js';
import type { Referral } from '../../src/core/referral.js';
import { applyPlan } from '../../src/engine/apply.js';
import type { ApplyEvent } from '../../src/engine/events.js';
import { readPlan } from '../../src/files/plan-file.js';
import { at, buildEntries, planBody, writeTestPlan } from './build-plan.js';
import { tempTree } from '../helpers/temp-dir.js';
import { writePlan } from '../../src/files/plan-file.js';
import { startEmulator } from '../../src/emulator/index.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

const suite = emulatorForSuite({ generate: 300, randomSeed: 7, latencyMs: 1 });

function client(extra: Record<string, unknown> = {}) {
  return createClient({ baseUrl: suite.emu.url, token: createStaticTokenProvider('test-token'), concurrency: 8, ...extra });
}

function current(id: string): Referral {
  return suite.emu.store.get(id)!;
}

function commitsOf(id: string): number {
  return suite.emu.stats().commits.byId[id] ?? 0;
}

/** A plan over referrals no other test touches (each test takes its own slice). */
let offset = 0;
async function freshPlan(dir: string, count: number, options: { closeEvery?: number; tag?: string } = {}): Promise<{ plan: Plan; path: string }> {
  const all = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
  const slice = all.slice(offset, offset + count);
  offset += count;
  const path = join(dir, 'p.json');
  const plan = await writeTestPlan(path, slice, suite.emu.url, { count, ...options });
  return { plan, path };
}

describe('apply against the emulator', () => {
  it('applies exactly the planned values, once each, then a re-run sends nothing, then rollback restores the before values', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 30, { closeEvery: 7, tag: 'first' });
    const events: ApplyEvent[] = [];
    const c = client();
    const summary = await applyPlan(plan, { client: c, planPath: path, onEvent: (e) => events.push(e) });
    await c.close();

    expect(summary.exitCode).toBe(0);
    expect(summary.counts.applied).toBe(plan.entries.length);
    for (const entry of plan.entries) {
      const doc = current(entry.referralId);
      for (const [p, v] of Object.entries(entry.after)) expect(at(doc, p)).toEqual(v);
      expect(commitsOf(entry.referralId)).toBe(1);
      const result = summary.results.find((r) => r.referralId === entry.referralId)!;
      expect(result.eTag).toBe(doc.eTag);
    }
    expect(events.filter((e) => e.type === 'entry-done')).toHaveLength(plan.entries.length);
    expect(events.at(-1)?.type).toBe('done');

    // Files: journal, rollback, results, all 0600; lock released.
    for (const f of [summary.files.journal, summary.files.rollback, summary.files.results]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(existsSync(summary.files.lock)).toBe(false);
    const csv = readFileSync(summary.files.results, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.split('\r\n').filter((l) => l.includes(',applied,'))).toHaveLength(plan.entries.length);

    // Rollback file: inverse of each reversible entry pinned to the eTag its write returned.
    const rollback = await readPlan(summary.files.rollback);
    const irreversible = plan.entries.filter((e) => e.irreversible);
    expect(irreversible.length).toBeGreaterThan(0);
    expect(rollback.kind).toBe('rollback');
    expect(rollback.parentPlanChecksum).toBe(plan.checksum);
    expect(rollback.entries).toHaveLength(plan.entries.length - irreversible.length);
    expect((rollback.notRestorable ?? []).map((n) => n.referralId).sort()).toEqual(irreversible.map((e) => e.referralId).sort());
    for (const r of rollback.entries) expect(r.eTag).toBe(current(r.referralId).eTag);

    // Re-run: everything settled by the journal; not one request.
    const before = suite.emu.stats();
    const c2 = client();
    const again = await applyPlan(plan, { client: c2, planPath: path });
    await c2.close();
    expect(again.exitCode).toBe(0);
    expect(again.counts.unchanged).toBe(plan.entries.length);
    expect(again.results.every((r) => r.earlierRun === true)).toBe(true);
    expect(suite.emu.stats().requests.total).toBe(before.requests.total);
    expect(suite.emu.stats().commits.total).toBe(before.commits.total);
    // The rollback file survives a re-run unchanged in content.
    expect((await readPlan(summary.files.rollback)).entries).toEqual(rollback.entries);

    // Without the journal, the 412 path finds every entry already in place: unchanged, no write,
    // and the rollback file the first run wrote is kept, not emptied.
    rmSync(summary.files.journal);
    const c3 = client();
    const third = await applyPlan(plan, { client: c3, planPath: path });
    await c3.close();
    expect(third.counts.unchanged).toBe(plan.entries.length);
    expect(third.results.some((r) => r.earlierRun === true)).toBe(false);
    expect(suite.emu.stats().commits.total).toBe(before.commits.total);
    expect((await readPlan(summary.files.rollback)).entries).toEqual(rollback.entries);

    // Roll back with the file the first run wrote (re-written here from the saved copy).
    const rbPath = join(dir, 'undo.json');
    const { checksum: _c, ...rbBody } = rollback;
    const rb = await writePlan(rbPath, rbBody);
    const c4 = client();
    const undone = await applyPlan(rb, { client: c4, planPath: rbPath });
    await c4.close();
    expect(undone.exitCode).toBe(0);
    expect(undone.counts.applied).toBe(rollback.entries.length);
    for (const entry of plan.entries) {
      const doc = current(entry.referralId);
      const target = entry.irreversible ? entry.after : entry.before;
      for (const [p, v] of Object.entries(target)) expect(at(doc, p)).toEqual(v);
    }
  });

  it('reports a concurrent edit as a conflict with the field diff and keeps it; --rebase applies over an edit to an untouched field', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 6, { tag: 'conflict' });
    const notesEntries = plan.entries.filter((e) => '/details/notes' in e.before);
    const touched = notesEntries[0]!;
    const untouched = notesEntries[1]!;
    const other = client();
    // Another user edits a field the first entry touches, and an unrelated field of the second.
    await other.patchReferral(touched.referralId, [{ op: 'replace', path: '/details/notes', value: 'edited by someone else' }], { ifMatch: touched.eTag });
    await other.patchReferral(untouched.referralId, [{ op: 'replace', path: '/name', value: 'Renamed by someone else' }], { ifMatch: untouched.eTag });
    await other.close();

    const c = client();
    const summary = await applyPlan(plan, { client: c, planPath: path });
    await c.close();
    expect(summary.exitCode).toBe(4);
    const conflict = summary.results.find((r) => r.referralId === touched.referralId)!;
    expect(conflict.outcome).toBe('conflict');
    expect(conflict.changedSincePlan).toEqual([{ path: '/details/notes', planned: touched.before['/details/notes'], now: 'edited by someone else' }]);
    expect(at(current(touched.referralId), '/details/notes')).toBe('edited by someone else');
    expect(commitsOf(touched.referralId)).toBe(1); // only the other user's write
    const noRebase = summary.results.find((r) => r.referralId === untouched.referralId)!;
    expect(noRebase.outcome).toBe('conflict');
    expect(noRebase.changedSincePlan).toEqual([]);
    expect(noRebase.message).toMatch(/--rebase/);
    expect(summary.counts.applied).toBe(plan.entries.length - 2);

    // Re-run with --rebase: only the two conflicts are retried; the untouched-field one goes through.
    const c2 = client();
    const rebased = await applyPlan(plan, { client: c2, planPath: path, rebase: true });
    await c2.close();
    expect(rebased.exitCode).toBe(4);
    const ok = rebased.results.find((r) => r.referralId === untouched.referralId)!;
    expect(ok).toMatchObject({ outcome: 'applied', rebased: true });
    const doc = current(untouched.referralId);
    expect(doc.name).toBe('Renamed by someone else');
    expect(at(doc, '/details/notes')).toBe(untouched.after['/details/notes']);
    expect(commitsOf(untouched.referralId)).toBe(2); // the other user's and ours
    expect(rebased.results.find((r) => r.referralId === touched.referralId)!.outcome).toBe('conflict');
    expect(at(current(touched.referralId), '/details/notes')).toBe('edited by someone else');
    expect(rebased.results.filter((r) => r.earlierRun === true)).toHaveLength(plan.entries.length - 2);
    // The rollback file now covers the rebased entry too, pinned to its new eTag.
    const rollback = await readPlan(rebased.files.rollback);
    expect(rollback.entries.find((e) => e.referralId === untouched.referralId)?.eTag).toBe(doc.eTag);
  });

  it('rollback reports a referral edited after the apply as a conflict and does not revert it', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 4, { tag: 'rb-conflict' });
    const c = client();
    const applied = await applyPlan(plan, { client: c, planPath: path });
    expect(applied.exitCode).toBe(0);
    const edited = plan.entries.find((e) => '/details/notes' in e.before)!;
    await c.patchReferral(edited.referralId, [{ op: 'replace', path: '/details/notes', value: 'edited after the apply' }], {});
    const rollbackPath = applied.files.rollback;
    const undone = await applyPlan(await readPlan(rollbackPath), { client: c, planPath: rollbackPath });
    await c.close();
    expect(undone.exitCode).toBe(4);
    const conflict = undone.results.find((r) => r.referralId === edited.referralId)!;
    expect(conflict.outcome).toBe('conflict');
    expect(conflict.changedSincePlan).toEqual([{ path: '/details/notes', planned: edited.after['/details/notes'], now: 'edited after the apply' }]);
    expect(at(current(edited.referralId), '/details/notes')).toBe('edited after the apply');
    for (const e of plan.entries.filter((x) => x.referralId !== edited.referralId)) {
      for (const [p, v] of Object.entries(e.before)) expect(at(current(e.referralId), p)).toEqual(v);
    }
  });

  it('stops gently when aborted (Ctrl+C): the rest is skipped, and the next run finishes it, once each', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 8, { tag: 'abort' });
    const abort = new AbortController();
    let started = 0;
    const c = client({ concurrency: 1 });
    const first = await applyPlan(plan, {
      client: c,
      planPath: path,
      concurrency: 1,
      signal: abort.signal,
      onEvent: (e) => {
        // Ctrl+C as the 4th entry starts, before its PATCH left: it is not sent, nothing after it starts.
        if (e.type === 'entry-start' && ++started === 4) abort.abort();
      },
    });
    expect(first.exitCode).toBe(130);
    expect(first.interrupted).toBe(true);
    expect(first.counts).toMatchObject({ applied: 3, skipped: 5, failed: 0 });
    expect(first.results.filter((r) => r.outcome === 'skipped').every((r) => /interrupted/.test(r.message ?? ''))).toBe(true);
    expect((await readPlan(first.files.rollback)).entries).toHaveLength(first.counts.applied);
    const second = await applyPlan(plan, { client: c, planPath: path });
    await c.close();
    expect(second.exitCode).toBe(0);
    expect(second.counts).toMatchObject({ applied: 8 - first.counts.applied, unchanged: first.counts.applied });
    for (const e of plan.entries) expect(commitsOf(e.referralId)).toBe(1);
    expect((await readPlan(second.files.rollback)).entries).toHaveLength(8);
  });

  it('stops sending when another machine takes its lock over (it stalled past the heartbeat timeout)', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 8, { tag: 'lock-lost' });
    const c = client({ concurrency: 1 });
    // Slow writes (each waits 30 ms before it is sent), so a 5 ms heartbeat notices mid-plan.
    const slow = {
      getReferral: (id: string) => c.getReferral(id),
      patchReferral: async (...args: Parameters<typeof c.patchReferral>) => {
        await new Promise((r) => setTimeout(r, 30));
        return c.patchReferral(...args);
      },
    };
    const lockPath = join(dir, 'p.lock');
    let done = 0;
    let error: unknown;
    try {
      await applyPlan(plan, {
        client: slow,
        planPath: path,
        concurrency: 1,
        lock: { heartbeatMs: 5 },
        onEvent: (e) => {
          // After two entries, another machine's apply replaces the lock (as if ours had gone stale).
          if (e.type === 'entry-done' && ++done === 2) {
            writeFileSync(lockPath, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), planChecksum: plan.checksum }));
          }
        },
      });
    } catch (e) {
      error = e;
    } finally {
      await c.close();
    }
    expect((error as Error | undefined)?.message).toMatch(/lock was taken over by another apply/);
    const sent = plan.entries.filter((e) => commitsOf(e.referralId) === 1).length;
    expect(sent).toBeLessThan(plan.entries.length);
    // The other apply's lock is left alone.
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ host: 'elsewhere' });
  });

  it('refuses a second apply of the same plan while one holds the lock', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 2, { tag: 'lock' });
    const c = client();
    const first = applyPlan(plan, { client: c, planPath: path });
    await expect(applyPlan(plan, { client: c, planPath: path })).rejects.toThrow(/already being applied by process/);
    expect((await first).exitCode).toBe(0);
    await c.close();
  });

  it('refuses a journal that belongs to another plan', async () => {
    const dir = tempTree();
    const { plan, path } = await freshPlan(dir, 2, { tag: 'journal-a' });
    const c = client();
    await applyPlan(plan, { client: c, planPath: path });
    // Another plan written at the same path: the old journal is not its journal.
    const other = await writePlan(path, planBody(buildEntries(suite.emu.store.all().slice(200), { count: 1, tag: 'journal-b' }), suite.emu.url));
    await expect(applyPlan(other, { client: c, planPath: path })).rejects.toThrow(/journal of another plan/);
    await c.close();
  });
});

describe('apply under faults', () => {
  const faults = emulatorForSuite({ generate: 200, randomSeed: 11, latencyMs: 2, failRate: 0.1, resetAfterCommitRate: 0.02, rate: 300, burst: 20 });

  it('ends every entry applied or explicitly reported, with exactly one commit per applied entry', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.json');
    const plan = await writeTestPlan(path, faults.emu.store.all(), faults.emu.url, { count: 80, tag: 'faults' });
    const c = createClient({ baseUrl: faults.emu.url, token: createStaticTokenProvider('t'), concurrency: 8, timeoutMs: 5000 });
    const summary = await applyPlan(plan, { client: c, planPath: path, maxAttempts: 12 });
    await c.close();
    const commits = faults.emu.stats().commits.byId;
    for (const r of summary.results) {
      expect(['applied', 'failed', 'conflict']).toContain(r.outcome);
      if (r.outcome !== 'applied') expect(r.message).toBeTruthy();
      if (r.outcome === 'applied') {
        expect(commits[r.referralId]).toBe(1);
        const entry = plan.entries.find((e) => e.referralId === r.referralId)!;
        for (const [p, v] of Object.entries(entry.after)) expect(at(faults.emu.store.get(r.referralId)!, p)).toEqual(v);
      } else {
        expect(commits[r.referralId] ?? 0).toBeLessThanOrEqual(1);
      }
    }
    // With resets after commit, some entries must have been settled by reading back.
    expect(summary.counts.applied).toBeGreaterThan(plan.entries.length * 0.9);
    const stats = faults.emu.stats();
    // About 85 requests at 10 % (at 5 %, 1 run in 80 drew none): none failing would mean no fault
    // was injected at all.
    expect((stats.requests.byStatus['503'] ?? 0) + (stats.requests.byStatus['500'] ?? 0)).toBeGreaterThan(0);
  });

  it('settles a write whose connection dropped after commit by reading it back: applied, never re-sent', async () => {
    const lossy = await startEmulator({ generate: 30, randomSeed: 12, resetAfterCommitRate: 1 });
    try {
      const dir = tempTree();
      const path = join(dir, 'p.json');
      const plan = await writeTestPlan(path, lossy.store.all(), lossy.url, { count: 6, tag: 'lossy' });
      const events: ApplyEvent[] = [];
      const c = createClient({ baseUrl: lossy.url, token: createStaticTokenProvider('t'), concurrency: 4 });
      const summary = await applyPlan(plan, { client: c, planPath: path, onEvent: (e) => events.push(e) });
      await c.close();
      expect(summary.counts.applied).toBe(plan.entries.length);
      expect(events.filter((e) => e.type === 'resolving')).toHaveLength(plan.entries.length);
      for (const r of summary.results) {
        expect(r.message).toMatch(/confirmed by reading/);
        expect(lossy.stats().commits.byId[r.referralId]).toBe(1);
        expect(r.eTag).toBe(lossy.store.get(r.referralId)!.eTag);
      }
      // The rollback file is pinned to the eTags read back.
      const rollback = await readPlan(summary.files.rollback);
      for (const e of rollback.entries) expect(e.eTag).toBe(lossy.store.get(e.referralId)!.eTag);
    } finally {
      await lossy.close();
    }
  });
});
