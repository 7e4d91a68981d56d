import type { Change } from '../core/changeset.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { planChanges } from '../core/planner.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';
import { matchExportBaselines } from './baseline-match.js';
import { judgeExportRows } from './judge-export-rows.js';

export interface JudgedExport {
  /** Rows that hold exactly what was exported: not changes. */
  unedited: Set<Change>;
  /** What plan would refuse in the edited rows (an emptied cell that cannot be cleared, an edited read-only cell). */
  diagnostics: Diagnostic[];
  /** How many rows those errors leave out. */
  refused: number;
}

/**
 * Rows of refplan's own export judged offline against the export baseline, with the same rules
 * plan uses: `validate` of an export with 5 edited rows says "5 changes", as `plan` would, and
 * refuses what plan would refuse (a row it cannot judge counts as a change).
 */
export async function judgeExportOffline(changes: readonly Change[], cwd: string): Promise<JudgedExport> {
  const { snapshots } = await matchExportBaselines(changes, undefined, cwd);
  const unedited = new Set<Change>();
  if (snapshots.size === 0) return { unedited, diagnostics: [], refused: 0 };
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
  return { unedited, diagnostics: judged.diagnostics, refused: candidates.length - judged.changes.length };
}
