// Issue 14, scale: the rollback file is sealed from the plan and the journal's applied entries,
// its entries made one at a time. What it holds must be what inverting every applied entry
// and sealing the whole plan gives: entries in plan order, not-restorable records, summary.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLAN_FORMAT, type NotRestorable, type PlanEntry } from '../../src/core/plan.js';
import { summarisePlan } from '../../src/core/plan-summary.js';
import { invertEntry } from '../../src/core/rollback-plan.js';
import { RollbackFile } from '../../src/engine/rollback-file.js';
import { readPlan, sealPlan } from '../../src/files/plan-file.js';
import { loadTransitionTable, loadWritablePaths } from '../../src/schema/specs.js';
import { samplePlan } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

describe('RollbackFile.seal', () => {
  it('writes exactly the sealed whole rollback plan, and writes nothing when sealed again unchanged', async () => {
    const dir = tempTree();
    const plan = samplePlan({ entries: 12 });
    const planPath = join(dir, 'p.json');
    const path = join(dir, 'p.rollback.json');
    const at = new Date('2026-12-02T01:00:00.000Z');
    const rollback = new RollbackFile(path, plan, planPath, () => at);
    // Applied out of order, one of them since changed by someone else; entry 1 closes (irreversible).
    const applied: [number, string, string[]?][] = [[7, '"e7"'], [1, '"e1"'], [3, '"e3"', ['/details/notes']], [0, '"e0"'], [10, '"e10"']];
    for (const [i, eTag, others] of applied) rollback.record(plan.entries[i]!.referralId, eTag, others);
    expect(await rollback.seal()).toBe(true);

    const table = loadTransitionTable();
    const entries: PlanEntry[] = [];
    const notRestorable: NotRestorable[] = [];
    for (const [i, eTag, others] of [...applied].sort((a, b) => a[0] - b[0])) {
      const inverted = invertEntry(plan.entries[i]!, eTag, table, others === undefined ? {} : { changedByOthers: others });
      if (inverted.entry !== undefined) entries.push(inverted.entry);
      if (inverted.notRestorable !== undefined) notRestorable.push(inverted.notRestorable);
    }
    expect(notRestorable.length).toBeGreaterThan(0);
    const expected = sealPlan({
      format: PLAN_FORMAT,
      kind: 'rollback',
      createdAt: at.toISOString(),
      baseUrl: plan.baseUrl,
      inputs: [{ file: basename(planPath), sha256: plan.checksum }],
      policy: plan.policy,
      readRequests: 0,
      parentPlanChecksum: plan.checksum,
      entries,
      notRestorable,
      summary: summarisePlan(entries, { writablePaths: loadWritablePaths() }),
    });
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(expected, null, 2) + '\n');
    expect(await readPlan(path)).toEqual(expected);
    expect(rollback.notRestorableCount()).toBe(notRestorable.length);

    // Adopted by a later run (nothing new applied): the same checksum, so nothing is written.
    const again = new RollbackFile(path, plan, planPath, () => new Date('2026-12-03T00:00:00.000Z'));
    await again.adoptExisting();
    expect(await again.seal()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(expected, null, 2) + '\n');
  });
});
