import type { Referral } from '../core/referral.js';
import type { FieldSpec } from '../core/changeset/raw-change.js';
import { CLEAR_TOKEN } from '../core/changeset/normalise-value.js';
import type { ExportBaseline } from '../files/export-baseline.js';
import type { ExportWorkbook, WorkbookColumn, WorkbookRow } from '../files/workbook/write-workbook.js';
import { loadVocabulary } from '../schema/changeset-vocabulary.js';
import { exportFields, teamMemberColumns, valueAtPath } from './export-columns.js';

/**
 * What `refplan export -o FILE.xlsx` puts in the workbook: the same columns as
 * the CSV export, typed (numbers as numbers, date-times as real dates, text as
 * text), with dropdowns for the fields that take a fixed list of values.
 */

/** More rows than this are refused: the workbook writer holds the whole workbook in memory (see docs). */
export const MAX_WORKBOOK_ROWS = 50_000;

function columnFor(spec: FieldSpec): WorkbookColumn {
  const base = { header: spec.field, role: 'editable' as const };
  switch (spec.kind) {
    case 'number':
      return { ...base, type: 'number', width: 16 };
    case 'date-time':
      return { ...base, type: 'date', width: 21 };
    case 'enum':
      return { ...base, type: 'text', list: spec.enumValues ?? [], width: 18 };
    case 'currency':
      return { ...base, type: 'text', list: [...loadVocabulary().currencies].sort(), width: 11 };
    default:
      return { ...base, type: 'text', width: spec.field === 'notes' || spec.field === 'name' ? 40 : 20 };
  }
}

function cellFor(column: WorkbookColumn, value: unknown): string | number | Date | null {
  if (value === undefined || value === null) return null;
  if (column.type === 'number' && typeof value === 'number') return value;
  if (column.type === 'date' && typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function exportWorkbookColumns(): { columns: WorkbookColumn[]; paths: (string | undefined)[] } {
  const vocab = loadVocabulary();
  const fields = exportFields();
  const columns: WorkbookColumn[] = [];
  const paths: (string | undefined)[] = [];
  for (const f of fields) {
    const spec = vocab.fields.find((s) => s.field === f.field);
    columns.push(spec === undefined ? { header: f.field, role: 'editable', type: 'text' } : columnFor(spec));
    paths.push(f.path);
  }
  for (const header of teamMemberColumns()) {
    columns.push({ header, role: 'editable', type: 'text', width: 22 });
    paths.push(undefined);
  }
  return { columns, paths };
}

function readmeLines(rows: number): string[] {
  return [
    'Exported by refplan: edit this workbook, then plan it.',
    '',
    `The Referrals sheet has ${rows} referral(s), one a row. How to edit:`,
    '- Change a cell to change that value. Only cells you change become changes; the rest is left as it is.',
    '- status, substatus, qualification and currency have dropdowns. Pasted values skip the dropdown, so refplan checks every cell again when it reads the file.',
    `- To clear a value, write ${CLEAR_TOKEN} in the cell. An empty cell means "leave unchanged".`,
    '- To add a team member to a referral, fill in its addTeamMember.* cells.',
    '- Dates are UTC. Type them as 2027-03-31 (or 2027-03-31 14:00).',
    '',
    'What is refused:',
    '- The hidden columns id, eTag and rowHash (do not modify): they tie each row to the referral and the version you exported. Do not unhide, edit or delete them.',
    '- Formulas are read as their last calculated value; error cells (#N/A …) and merged cells in the table are refused with the cell named.',
    '- A referral changed on the server after this export is reported when the plan is applied (its eTag no longer matches), never overwritten.',
    '',
    'Plan and apply:',
    '  refplan validate pipeline.xlsx',
    '  refplan plan pipeline.xlsx -o plan.json',
    '  refplan apply plan.json',
    '',
    'The workbook keeps what was exported in a sheet Excel does not show, so planning reads nothing from the API.',
    'It holds customer data: keep it where only you can read it.',
  ];
}

export function buildExportWorkbook(referrals: readonly Referral[], baseline: ExportBaseline, protect: boolean): ExportWorkbook {
  const { columns, paths } = exportWorkbookColumns();
  const rows: WorkbookRow[] = referrals.map((r) => ({
    id: r.id,
    eTag: r.eTag ?? '',
    cells: columns.map((c, i) => {
      const path = paths[i];
      return path === undefined ? null : cellFor(c, valueAtPath(r, path));
    }),
  }));
  return { columns, rows, baseline, readme: readmeLines(rows.length), protect };
}
