import { plural } from '../../core/plural.js';
import { error, info, type Diagnostic } from '../../core/diagnostics.js';
import { parseHeader, rowToRawChange, type RowCell, type SheetPlace } from '../../core/changeset/csv-layout.js';
import type { RawChange, Vocabulary } from '../../core/changeset/raw-change.js';
import { suggestionHint } from '../../core/changeset/suggest.js';
import { openWorkbook } from './open-workbook.js';
import { rowHash, type HashCell } from './row-hash.js';
import { readSheetRows, UnreadablePartError, type SheetValue, type WorkbookParts } from './sheet-rows.js';
import { readWorkbookDirectory, scanSheet, type SheetEntry, type SheetFindings } from './sheet-scan.js';
import { readZipDirectory } from './zip-directory.js';
import { baselineFromSheetRows, type WorkbookBaselineRead } from './workbook-baseline.js';
import { BASELINE_SHEET, columnLetter, ETAG_HEADER, ID_HEADER, ROW_HASH_HEADER } from './workbook-layout.js';

/**
 * A workbook change set: the chosen sheet's header row and data rows go
 * through the same layout rules as a CSV (core/changeset/csv-layout), with
 * typed cells (a number stays a number, a date becomes its UTC ISO instant)
 * and every location an Excel cell address. Rows are streamed (sheet-rows.ts);
 * what a row stream does not show — error cells, formulas, merged
 * cells — comes from one streamed pass over the sheet's XML first (sheet-scan).
 */

export interface WorkbookReadOptions {
  /** The sheet to read; default: the first visible sheet whose first row is a recognised header. */
  sheet?: string;
  vocab: Vocabulary;
  report: (d: Diagnostic) => void;
  onChange: (raw: RawChange) => void;
  /** A row of refplan's own export that still holds what was exported (its row hash matches). */
  onUnedited?: () => void;
}

export interface WorkbookReadResult {
  rows: number;
  sha256?: string;
}

type Value = SheetValue | undefined;

const isBlank = (v: Value): boolean => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** A header row refplan knows: it names a selector column, or is the portal's. */
function isRecognisedHeader(row: readonly Value[]): boolean {
  return row.some((v) => typeof v === 'string' && /^(id|externalreferenceid|referral id)$/i.test(v.trim()));
}

function partsOf(data: Uint8Array, entries: WorkbookParts['entries'], directory: NonNullable<ReturnType<typeof readWorkbookDirectory>>): WorkbookParts {
  return { data, entries, sharedStringsPath: directory.sharedStringsPath, stylesPath: directory.stylesPath, date1904: directory.date1904 };
}

export async function readWorkbookBaselineSheet(data: Uint8Array): Promise<WorkbookBaselineRead> {
  const entries = readZipDirectory(data);
  const directory = entries === undefined ? undefined : readWorkbookDirectory(data, entries);
  const sheet = directory?.sheets.find((s) => s.name === BASELINE_SHEET);
  if (entries === undefined || directory === undefined || sheet === undefined) return { status: 'unreadable', reason: `it has no ${BASELINE_SHEET} sheet` };
  const rows: Value[][] = [];
  for await (const row of readSheetRows(partsOf(data, entries, directory), sheet.path)) rows[row.index] = row.values;
  return baselineFromSheetRows(Array.from(rows, (r) => r ?? []));
}

/** The sheets to try, in order: the one `--sheet` names, or every visible one. */
function sheetsToTry(sheets: readonly SheetEntry[], wanted: string | undefined, file: string, report: (d: Diagnostic) => void): SheetEntry[] {
  const candidates = sheets.filter((s) => s.name !== BASELINE_SHEET && !s.veryHidden);
  if (wanted === undefined) return candidates.filter((s) => !s.hidden);
  const sheet = candidates.find((s) => s.name === wanted) ?? candidates.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (sheet !== undefined) return [sheet];
  const names = candidates.map((s) => s.name);
  report(error('sheet-not-found', `${file} has no sheet "${wanted}" (it has ${names.map((n) => `"${n}"`).join(', ')})`, { hint: suggestionHint(wanted, names, 'sheets') }));
  return [];
}

function cellName(sheet: string, row: number, col: number): string {
  const prefix = /^[A-Za-z_][A-Za-z0-9_.]*$/.test(sheet) ? sheet : `'${sheet.replaceAll("'", "''")}'`;
  return `${prefix}!${columnLetter(col)}${row + 1}`;
}

/** Refuses what a table cannot hold; notes formulas. True when the sheet can be read. */
function judgeFindings(found: SheetFindings, sheet: string, headerRow: number, width: number, file: string, report: (d: Diagnostic) => void): boolean {
  let ok = true;
  const at = (row: number, col: number) => ({ file, row: row + 1, cell: cellName(sheet, row, col) });
  const inTable = (row: number, col: number) => row >= headerRow && col < width;
  for (const m of found.merges) {
    if (m.endRow < headerRow || m.startCol >= width) continue;
    ok = false;
    const range = `${cellName(sheet, m.startRow, m.startCol)}:${columnLetter(m.endCol)}${m.endRow + 1}`;
    report(error('merged-cells', `cells ${range} are merged inside the table; a merged cell has one value for several rows or columns`, { at: at(m.startRow, m.startCol), hint: 'unmerge them (Home > Merge & Center > Unmerge Cells) and fill in each cell' }));
  }
  for (const e of found.errors) {
    if (!inTable(e.row, e.col)) continue;
    ok = false;
    report(error('error-cell', `the cell holds the error value ${e.value}`, { at: at(e.row, e.col), text: e.value, hint: 'replace it with a value, or clear it (a formula is read as its last calculated value, which here is an error)' }));
  }
  const formulas = found.formulas.filter((f) => inTable(f.row, f.col));
  for (const f of formulas) {
    if (f.cached) continue;
    ok = false;
    report(error('formula-without-value', 'the cell holds a formula that was never calculated, so it has no value to read', { at: at(f.row, f.col), text: `=${f.formula}`, hint: "open the workbook in Excel and save it (Excel stores each formula's value), or type the value instead" }));
  }
  const first = formulas[0];
  if (ok && first !== undefined) {
    report(info('formulas-read-as-values', `${plural(formulas.length, 'cell')} ${formulas.length === 1 ? 'holds a formula' : 'hold formulas'} (first: ${cellName(sheet, first.row, first.col)}); refplan reads the value Excel last calculated for each`, { hint: 'recalculate and save in Excel if the inputs changed' }));
  }
  return ok;
}

/** A cell as the layout reads it: a number stays a number, a date is its UTC ISO instant, the rest text. */
function rowCell(v: Value): RowCell {
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
  try {
    return await readOpened(opened, file, options);
  } catch (e) {
    if (!(e instanceof UnreadablePartError)) throw e;
    report(error('workbook-unreadable', `${file} cannot be read as a workbook (${e.message})`, { hint: 'open it in Excel and save it again as Excel Workbook (.xlsx)' }));
    return { rows: 0, sha256: opened.sha256 };
  }
}

async function readOpened(opened: Opened, file: string, options: WorkbookReadOptions): Promise<WorkbookReadResult> {
  const { report } = options;
  const { directory, sha256 } = opened;
  const result: WorkbookReadResult = { rows: 0, sha256 };
  const forced = options.sheet !== undefined;
  const tried = sheetsToTry(directory.sheets, options.sheet, file, report);
  if (forced && tried.length === 0) return result;
  const several = directory.sheets.filter((s) => s.name !== BASELINE_SHEET && !s.veryHidden).length > 1;
  for (const sheet of tried) {
    // One streamed pass a sheet: its first filled row decides whether it is the table.
    const read = await readSheet(opened, sheet, forced, file, options);
    if (read === 'not-a-table') continue;
    if (read === 'empty') {
      if (!forced) continue;
      report(error('empty-file', `the sheet "${sheet.name}" is empty`, { hint: 'the first row must be a header such as id, dealValue, currency' }));
      return result;
    }
    if (!forced && several && read !== 'refused') report(info('sheet-chosen', `reading the sheet "${sheet.name}" (the first with a recognised header row)`, { hint: 'pass --sheet NAME to read another' }));
    result.rows = read === 'refused' ? 0 : read;
    return result;
  }
  report(
    error('no-header-sheet', `no sheet of ${file} starts with a header row refplan knows (a row naming an id or externalReferenceId column)`, {
      hint: 'put the header (id, dealValue, …) in the first row of the first sheet, or name the sheet with --sheet NAME',
    }),
  );
  return result;
}

type Opened = Extract<Awaited<ReturnType<typeof openWorkbook>>, { ok: true }>;

/** Rows read, or why the sheet was not read. */
async function readSheet(opened: Opened, sheet: SheetEntry, forced: boolean, file: string, options: WorkbookReadOptions): Promise<number | 'not-a-table' | 'empty' | 'refused'> {
  const { report } = options;
  const { data, entries, directory } = opened;
  let headerRow = -1;
  let width = 0;
  let hashCol = -1;
  let idCol = -1;
  let eTagCol = -1;
  let kept: number[] = [];
  let layout: ReturnType<typeof parseHeader> | undefined;
  let rows = 0;
  for await (const { index: r, values } of readSheetRows(partsOf(data, entries, directory), sheet.path)) {
    if (values.every(isBlank)) continue;
    if (layout === undefined) {
      if (!forced && !isRecognisedHeader(values)) return 'not-a-table';
      headerRow = r;
      width = values.length;
      while (width > 0 && isBlank(values[width - 1])) width--;
      if (!judgeFindings(await scanSheet(data, entries, sheet.path), sheet.name, headerRow, width, file, report)) return 'refused';
      // The pins of an export: the row hash column is not a change-set column; the others are.
      const headers = Array.from({ length: width }, (_, i) => rowCell(values[i]));
      hashCol = headers.findIndex((h) => h === ROW_HASH_HEADER);
      idCol = headers.findIndex((h) => h === ID_HEADER);
      eTagCol = headers.findIndex((h) => h === ETAG_HEADER);
      kept = headers.map((_, i) => i).filter((i) => i !== hashCol);
      const place: SheetPlace = { name: sheet.name, headerRow: headerRow + 1, letters: kept.map(columnLetter) };
      layout = parseHeader(kept.map((i) => String(headers[i])), file, options.vocab, report, place);
      continue;
    }
    rows++;
    if (directory.date1904) {
      const c = values.findIndex((v, i) => i < width && v instanceof Date);
      if (c >= 0) {
        report(
          error('workbook-1904-dates', 'the workbook uses the 1904 date system (old Excel for Mac), in which a date copied from or to another workbook moves by four years; refplan cannot tell which date is meant', {
            at: { file, row: r + 1, cell: cellName(sheet.name, r, c) },
            hint: 'type the dates as text such as 2027-03-31 in a Text-formatted column, or copy the sheet into a new workbook and check its dates',
          }),
        );
        break;
      }
    }
    for (let c = width; c < values.length; c++) {
      if (isBlank(values[c])) continue;
      report(error('cell-without-header', 'this cell is right of the last header cell, in a column without a header', { at: { file, row: r + 1, cell: cellName(sheet.name, r, c) }, text: String(rowCell(values[c])), hint: 'give the column a header, or clear the cell' }));
    }
    if (hashCol >= 0 && idCol >= 0 && eTagCol >= 0 && typeof values[hashCol] === 'string') {
      const exported: HashCell[] = [values[idCol], values[eTagCol]];
      for (let c = 0; c < width; c++) if (c !== idCol && c !== eTagCol && c !== hashCol) exported.push(values[c]);
      if (rowHash(exported) === values[hashCol]) {
        options.onUnedited?.();
        continue; // unedited since export
      }
    }
    const raw = rowToRawChange(kept.map((i) => rowCell(values[i])), r + 1, layout, report);
    if (raw !== undefined) options.onChange(raw);
  }
  return layout === undefined ? 'empty' : rows;
}
