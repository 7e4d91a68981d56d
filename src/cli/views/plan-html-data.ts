import type { PlanEntry } from '../../core/plan.js';
import { diffRows, formatMember, maskedText, rowTexts, statusMoveOf, type DisplayOptions } from './plan-display.js';

/**
 * The entries table of the HTML report as data: the page's script renders only
 * the rows in view (a page of them), so a report of 20,000 entries opens and
 * filters at once instead of laying out 20,000 table rows. Every text here is
 * already formatted and masked; the script only places it with textContent.
 */

/** A diff line: 0 change (field, before, after), 1 member added, 2 member removed (field, member). */
export type ReportDiff = [0, string, string, string] | [1 | 2, string, string];

export interface ReportRow {
  /** referral id */
  i: string;
  /** name */
  n: string;
  /** status move "Active/Accepted → Closed/Lost", or "" */
  m: string;
  d: ReportDiff[];
  /** ops */
  o: number;
  /** irreversible */
  x: 0 | 1;
  /** warnings, one per line */
  w: string;
  /** apply outcome, when the report has results */
  r?: string;
}

export function reportRow(entry: PlanEntry, options: DisplayOptions, outcome?: string): ReportRow {
  const move = statusMoveOf(entry);
  const d: ReportDiff[] = diffRows(entry, options).map((row) => {
    if (row.kind === 'change') {
      const t = rowTexts(row);
      return [0, row.field, t.before, t.after];
    }
    return [row.kind === 'member-added' ? 1 : 2, row.field, formatMember(row.member)];
  });
  const row: ReportRow = {
    i: entry.referralId,
    n: entry.label ?? '',
    m: move === undefined || move.from === move.to ? '' : `${move.from} → ${move.to}`,
    d,
    o: entry.ops.length,
    x: entry.irreversible ? 1 : 0,
    w: entry.warnings.map((w) => maskedText(w, options)).join('\n'),
  };
  if (outcome !== undefined) row.r = outcome;
  return row;
}
