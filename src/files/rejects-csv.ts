import { stringify } from 'csv-stringify/sync';
import type { SourceLocation } from '../core/diagnostics.js';
import { writePrivateFileAtomic } from './private-file.js';

/**
 * `PLAN.rejects.csv`: the input rows `plan --skip-invalid` left out of the plan,
 * and why. Opened in Excel next to the change set, so: UTF-8 BOM, CRLF, and
 * cells that start like a formula are escaped (they quote user input).
 */
export interface RejectRow {
  /** Where the change was written. */
  source: SourceLocation | undefined;
  referralId?: string;
  code: string;
  reason: string;
  hint?: string;
}

export function rejectsPathFor(planPath: string): string {
  return planPath.replace(/\.json$/i, '') + '.rejects.csv';
}

export function formatRejectsCsv(rejected: readonly RejectRow[]): string {
  const rows = rejected.map((r) => {
    const at = r.source;
    const position = at === undefined ? '' : 'line' in at ? `line ${at.line}, column ${at.column}` : `row ${at.row}`;
    const column = at !== undefined && 'row' in at ? (at.columnName ?? '') : '';
    return [at?.file ?? '', position, column, r.referralId ?? '', r.code, r.reason, r.hint ?? ''];
  });
  return stringify(rows, {
    header: true,
    columns: ['file', 'position', 'column', 'referralId', 'code', 'reason', 'hint'],
    bom: true,
    record_delimiter: 'windows',
    escape_formulas: true,
  });
}

export async function writeRejectsCsv(path: string, rejected: readonly RejectRow[]): Promise<void> {
  await writePrivateFileAtomic(path, formatRejectsCsv(rejected));
}
