import type { Sheet } from 'hucre/xlsx';
import { error, info, type Diagnostic } from '../../core/diagnostics.js';
import { parseHeader, rowToRawChange, type RowCell, type SheetPlace } from '../../core/changeset/csv-layout.js';
import type { RawChange, Vocabulary } from '../../core/changeset/raw-change.js';
import { suggestionHint } from '../../core/changeset/suggest.js';
import { openWorkbook } from './open-workbook.js';
import { rowHash, type HashCell } from './row-hash.js';
import { baselineFromSheetRows, type WorkbookBaselineRead } from './workbook-baseline.js';
import { BASELINE_SHEET, columnLetter, ETAG_HEADER, ID_HEADER, ROW_HASH_HEADER } from './workbook-layout.js';

/**
 * A workbook change set: the chosen sheet's header row and data rows go
 * through the same layout rules as a CSV (core/changeset/csv-layout), with
 * typed cells (a number stays a number, a date becomes its UTC ISO instant)
 * and every location an Excel cell address. What a sheet can hold and a CSV
 * cannot is judged here: error cells, formulas, merged cells, 1904 dates.
 */

export interface WorkbookReadOptions {
  /** The sheet to read; default: the first visible sheet whose first row is a recognised header. */
  sheet?: string;
  vocab: Vocabulary;
  report: (d: Diagnostic) => void;
  onChange: (raw: RawChange) => void;
}

export interface WorkbookReadResult {
  rows: number;
  sha256?: string;
  /** The export baseline the workbook carries (its very-hidden sheet), when it has one. */
  baseline?: WorkbookBaselineRead;
}

/** Baselines of the workbooks read in this process, by file content: planning after validation does not read the file again. */
const baselines = new Map<string, WorkbookBaselineRead>();

export function rememberedWorkbookBaseline(sha256: string): WorkbookBaselineRead | undefined {
  return baselines.get(sha256);
}

type Value = Sheet['rows'][number][number];

const isBlank = (v: Value | undefined): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

function firstFilledRow(sheet: Sheet): number {
  return sheet.rows.findIndex((row) => row.some((v) => !isBlank(v)));
}

/** A header row refplan knows: it names a selector column. */
function isRecognisedHeader(row: readonly Value[]): boolean {
  return row.some((v) => typeof v === 'string' && /^(id|externalreferenceid)$/i.test(v.trim()));
}

function pickSheet(sheets: readonly Sheet[], wanted: string | undefined, file: string, report: (d: Diagnostic) => void): Sheet | undefined {
  const candidates = sheets.filter((s) => s.name !== BASELINE_SHEET);
  if (wanted !== undefined) {
    const sheet = candidates.find((s) => s.name === wanted) ?? candidates.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
    if (sheet === undefined) {
      const names = candidates.map((s) => s.name);
      report(error('sheet-not-found', `${file} has no sheet "${wanted}" (it has ${names.map((n) => `"${n}"`).join(', ')})`, { hint: suggestionHint(wanted, names, 'sheets') }));
    }
    return sheet;
  }
  const sheet = candidates.find((s) => s.hidden !== true && isRecognisedHeader(s.rows[firstFilledRow(s)] ?? []));
  if (sheet === undefined) {
    report(
      error('no-header-sheet', `no sheet of ${file} starts with a header row refplan knows (a row naming an id or externalReferenceId column)`, {
        hint: 'put the header (id, dealValue, …) in the first row of the first sheet, or name the sheet with --sheet NAME',
      }),
    );
  }
  return sheet;
}

function cellName(sheet: string, row: number, col: number): string {
  const prefix = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) ? sheet : `'${sheet.replaceAll("'", "''")}'`;
  return `${prefix}!${columnLetter(col)}${row + 1}`;
}

/** Refuses what a table cannot hold; notes formulas. True when the sheet can be read. */
function checkCells(sheet: Sheet, headerRow: number, width: number, is1904: boolean, file: string, report: (d: Diagnostic) => void): boolean {
  let ok = true;
  const at = (row: number, col: number, columnName?: string) => ({ file, row: row + 1, ...(columnName === undefined ? {} : { columnName }), cell: cellName(sheet.name, row, col) });
  for (const m of sheet.merges ?? []) {
    if (m.endRow < headerRow || m.startCol >= width) continue;
    ok = false;
    const range = `${cellName(sheet.name, m.startRow, m.startCol)}:${columnLetter(m.endCol)}${m.endRow + 1}`;
    report(error('merged-cells', `cells ${range} are merged inside the table; a merged cell has one value for several rows or columns`, { at: at(m.startRow, m.startCol), hint: 'unmerge them (Home > Merge & Center > Unmerge Cells) and fill in each cell' }));
  }
  let formulas = 0;
  let first = '';
  for (const [key, cell] of sheet.cells ?? []) {
    const [r = 0, c = 0] = key.split(',').map(Number);
    if (r < headerRow || c >= width) continue;
    if (cell.type === 'error') {
      ok = false;
      report(error('error-cell', `the cell holds the error value ${String(cell.value)}`, { at: at(r, c), text: String(cell.value), hint: 'replace it with a value, or clear it (a formula is read as its last calculated value, which here is an error)' }));
    } else if (cell.formula !== undefined) {
      if (cell.formulaResult === undefined || cell.formulaResult === null) {
        ok = false;
        report(error('formula-without-value', 'the cell holds a formula that was never calculated, so it has no value to read', { at: at(r, c), text: `=${cell.formula}`, hint: 'open the workbook in Excel and save it (Excel stores each formula\'s value), or type the value instead' }));
      } else if (formulas++ === 0) first = cellName(sheet.name, r, c);
    }
  }
  if (formulas > 0) {
    report(info('formulas-read-as-values', `${formulas} cell(s) hold formulas (first: ${first}); refplan reads the value Excel last calculated for each`, { hint: 'recalculate and save in Excel if the inputs changed' }));
  }
  if (is1904) {
    for (let r = headerRow + 1; r < sheet.rows.length; r++) {
      const c = (sheet.rows[r] ?? []).findIndex((v, i) => i < width && v instanceof Date);
      if (c < 0) continue;
      report(
        error('workbook-1904-dates', 'the workbook uses the 1904 date system (old Excel for Mac), in which a date copied from or to another workbook moves by four years; refplan cannot tell which date is meant', {
          at: at(r, c),
          hint: 'type the dates as text such as 2027-03-31 in a Text-formatted column, or copy the sheet into a new workbook and check its dates',
        }),
      );
      return false;
    }
  }
  return ok;
}

/** A cell as the layout reads it: a number stays a number, a date is its UTC ISO instant, the rest text. */
function rowCell(v: Value | undefined): RowCell {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return v;
}

export async function readWorkbookChangeSet(path: string, file: string, options: WorkbookReadOptions): Promise<WorkbookReadResult> {
  const { report } = options;
  const opened = await openWorkbook(path, file);
  if (!opened.ok) {
    report(error(opened.code, opened.message, { hint: opened.hint }));
    return { rows: 0 };
  }
  const { workbook, sha256 } = opened;
  const result: WorkbookReadResult = { rows: 0, sha256 };
  const baselineSheet = workbook.sheets.find((s) => s.name === BASELINE_SHEET);
  if (baselineSheet !== undefined) {
    result.baseline = baselineFromSheetRows(baselineSheet.rows);
    baselines.set(sha256, result.baseline);
  }
  const sheet = pickSheet(workbook.sheets, options.sheet, file, report);
  if (sheet === undefined) return result;
  const headerRow = firstFilledRow(sheet);
  if (headerRow < 0) {
    report(error('empty-file', `the sheet "${sheet.name}" is empty`, { hint: 'the first row must be a header such as id, dealValue, currency' }));
    return result;
  }
  const headerValues = sheet.rows[headerRow] ?? [];
  let width = headerValues.length;
  while (width > 0 && isBlank(headerValues[width - 1])) width--;
  if (!checkCells(sheet, headerRow, width, workbook.dateSystem === '1904', file, report)) return result;
  if (options.sheet === undefined && workbook.sheets.filter((s) => s.name !== BASELINE_SHEET).length > 1) {
    report(info('sheet-chosen', `reading the sheet "${sheet.name}" (the first with a recognised header row)`, { hint: 'pass --sheet NAME to read another' }));
  }

  // The pins of an export: the row hash column is not a change-set column; the others are.
  const headers = Array.from({ length: width }, (_, i) => rowCell(headerValues[i]));
  const hashCol = headers.findIndex((h) => h === ROW_HASH_HEADER);
  const idCol = headers.findIndex((h) => h === ID_HEADER);
  const eTagCol = headers.findIndex((h) => h === ETAG_HEADER);
  const kept = headers.map((_, i) => i).filter((i) => i !== hashCol);
  const place: SheetPlace = { name: sheet.name, headerRow: headerRow + 1, letters: kept.map(columnLetter) };
  const layout = parseHeader(kept.map((i) => String(headers[i])), file, options.vocab, report, place);

  let rows = 0;
  for (let r = headerRow + 1; r < sheet.rows.length; r++) {
    const values = sheet.rows[r] ?? [];
    if (values.every(isBlank)) continue;
    rows++;
    for (let c = width; c < values.length; c++) {
      if (isBlank(values[c])) continue;
      report(error('cell-without-header', 'this cell is right of the last header cell, in a column without a header', { at: { file, row: r + 1, cell: cellName(sheet.name, r, c) }, text: String(rowCell(values[c])), hint: 'give the column a header, or clear the cell' }));
    }
    if (hashCol >= 0 && idCol >= 0 && eTagCol >= 0 && typeof values[hashCol] === 'string') {
      const exported: HashCell[] = [values[idCol], values[eTagCol]];
      for (let c = 0; c < width; c++) if (c !== idCol && c !== eTagCol && c !== hashCol) exported.push(values[c]);
      if (rowHash(exported) === values[hashCol]) continue; // unedited since export
    }
    const raw = rowToRawChange(kept.map((i) => rowCell(values[i])), r + 1, layout, report);
    if (raw !== undefined) options.onChange(raw);
  }
  result.rows = rows;
  return result;
}
