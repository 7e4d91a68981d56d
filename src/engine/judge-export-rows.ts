import type { Change } from '../core/changeset.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Referral } from '../core/referral.js';
import { judgeExportRow, withClears } from '../core/changeset/export-row-rules.js';
import { settable } from '../core/changeset/normalise-change.js';
import { loadVocabulary } from '../schema/changeset-vocabulary.js';

export interface JudgedExportRows {
  /** The changes, each export row with its clears added; rows with an error are left out. */
  changes: Change[];
  /** Errors of the rows left out (an empty cell that cannot be cleared, an edited read-only cell). */
  diagnostics: Diagnostic[];
  /** The snapshots again, keyed by the changes returned. */
  snapshots: Map<Change, Referral>;
}

/**
 * Applies the export-row rules (blank means clear, read-only cells stay as
 * exported) to every change that came from a row of refplan's own export, judged
 * against that row's snapshot in the baseline. Other changes pass unchanged.
 */
export function judgeExportRows(changes: readonly Change[], snapshots: ReadonlyMap<Change, Referral>): JudgedExportRows {
  const fields = settable(loadVocabulary());
  const out: Change[] = [];
  const diagnostics: Diagnostic[] = [];
  const kept = new Map<Change, Referral>();
  for (const change of changes) {
    const snapshot = snapshots.get(change);
    if (snapshot !== undefined && change.exportCells === undefined) kept.set(change, snapshot);
    if (snapshot === undefined || change.exportCells === undefined) {
      out.push(change);
      continue;
    }
    const judged = judgeExportRow(snapshot, change.exportCells, fields);
    if (judged.diagnostics.length > 0) {
      diagnostics.push(...judged.diagnostics);
      continue;
    }
    const cleared = withClears(change, judged.clears);
    kept.set(cleared, snapshot);
    out.push(cleared);
  }
  return { changes: out, diagnostics, snapshots: kept };
}
