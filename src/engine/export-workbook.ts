import type { Referral } from '../core/referral.js';
import { plural } from '../core/plural.js';
import type { FieldSpec } from '../core/changeset/raw-change.js';
import { CLEAR_TOKEN } from '../core/changeset/normalise-value.js';
import type { ExportBaseline } from '../files/export-baseline.js';
import type { ExportWorkbook, WorkbookColumn, WorkbookRow } from '../files/workbook/write-workbook.js';
import { loadVocabulary } from '../schema/changeset-vocabulary.js';
import { contextValue, type ContextColumn, type ExportColumn } from '../core/changeset/export-row-rules.js';
import { valueAtPath } from './export-columns.js';

/**
 * What `refplan export -o FILE.xlsx` puts in the workbook: the same columns as
 * the CSV export, typed (numbers as numbers, date-times as real dates, text as
 * text), with dropdowns for the fields that take a fixed list of values.
 */

/** More rows than this are refused: the referrals and rows of a workbook are in memory until it is written (about 330 MB at this size; docs/guides/spreadsheet-round-trip.md, Limits). */
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
  if ((column.type === 'number' || column.type === 'integer') && typeof value === 'number') return value;
  if (column.type === 'date' && typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function contextColumn(header: string, context: ContextColumn): WorkbookColumn {
  const type = context.kind === 'date-time' ? 'date' : context.kind === 'count' ? 'integer' : 'text';
  return { header, role: 'context', type, width: type === 'date' ? 21 : Math.max(12, header.length + 2) };
}

/** The workbook columns of an export's column choice (export-row-rules.ts), without the pins id and eTag. */
export function exportWorkbookColumns(chosen: readonly ExportColumn[]): { columns: WorkbookColumn[]; values: ((r: Referral) => unknown)[] } {
  const vocab = loadVocabulary();
  const columns: WorkbookColumn[] = [];
  const values: ((r: Referral) => unknown)[] = [];
  for (const c of chosen) {
    if (c.kind === 'context') {
      columns.push(contextColumn(c.header, c.context));
      values.push((r) => contextValue(r, c.context));
    } else if (c.kind === 'field') {
      const spec = vocab.fields.find((s) => s.field === c.field);
      columns.push(spec === undefined ? { header: c.header, role: 'editable', type: 'text' } : columnFor(spec));
      values.push((r) => valueAtPath(r, c.path));
    } else if (c.kind === 'member') {
      columns.push({ header: c.header, role: 'editable', type: 'text', width: 22 });
      values.push(() => null);
    }
  }
  return { columns, values };
}

function readmeLines(rows: number): string[] {
  return [
    'Exported by refplan: edit this workbook, then plan it.',
    '',
    `The Referrals sheet has ${plural(rows, 'referral')}, one a row. How to edit:`,
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

export function buildExportWorkbook(referrals: readonly Referral[], chosen: readonly ExportColumn[], baseline: ExportBaseline, protect: boolean): ExportWorkbook {
  const { columns, values } = exportWorkbookColumns(chosen);
  const rows: WorkbookRow[] = referrals.map((r) => ({
    id: r.id,
    eTag: r.eTag ?? '',
    cells: columns.map((c, i) => cellFor(c, values[i]?.(r))),
  }));
  return { columns, rows, baseline, readme: readmeLines(rows.length), protect };
}
