import type { Change } from '../core/changeset.js';
import { planChanges } from '../core/planner.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';
import { matchExportBaselines } from './baseline-match.js';
import { judgeExportRows } from './judge-export-rows.js';

/**
 * Rows of refplan's own export that hold exactly what was exported: not changes. `validate` of
 * an export with 5 edited rows says "5 changes", as `plan` would, judged offline against the
 * export baseline (the same rules plan uses; a row it cannot judge counts as a change).
 */
export async function uneditedExportRows(changes: readonly Change[], cwd: string): Promise<Set<Change>> {
  const { snapshots } = await matchExportBaselines(changes, undefined, cwd);
  const unedited = new Set<Change>();
  if (snapshots.size === 0) return unedited;
  const candidates = changes.filter((c) => snapshots.has(c));
  const judged = judgeExportRows(candidates, snapshots);
  const rows = [...judged.snapshots.keys()];
  const current = new Map([...judged.snapshots.values()].map((r) => [r.id, r]));
  const planned = planChanges({ changes: rows, current, table: loadTransitionTable(), writablePaths: loadWritablePaths(), now: new Date(0), baseUrl: '' });
  const same = new Set(planned.unchanged);
  const original = new Map(candidates.map((c) => [c.source, c]));
  for (const row of rows) {
    if (row.selector.kind === 'id' && same.has(row.selector.id)) unedited.add(original.get(row.source) ?? row);
  }
  return unedited;
}
