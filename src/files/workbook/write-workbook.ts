import { writeXlsx, type Cell, type CellStyle, type CellValue, type ColumnDef, type DataValidation, type WriteSheet } from 'hucre/xlsx';
import type { ExportBaseline } from '../export-baseline.js';
import { baselineSheetRows } from './workbook-baseline.js';
import { rowHash } from './row-hash.js';
import { rowXml, type SheetCell } from './sheet-xml.js';
import { spliceSheetRows, type SplicedSheet } from './splice-sheet-rows.js';
import {
  BASELINE_SHEET,
  columnLetter,
  DATA_SHEET,
  ETAG_HEADER,
  ID_HEADER,
  LAST_ROW,
  LISTS_SHEET,
  README_SHEET,
  ROW_HASH_HEADER,
  sheetRef,
} from './workbook-layout.js';

/**
 * Builds the export workbook with hucre's full writer (it keeps the ECMA-376
 * element order, hidden sheets, validations and protection) for everything but
 * the rows of the two big sheets, the data rows and the baseline blob: hucre
 * holds every cell it writes in memory (about 5 KB a row), so it writes those
 * sheets with their header and one row of empty styled cells, and the rows are
 * streamed in its place (splice-sheet-rows.ts) as inline strings.
 *
 * Sheets, in this order: `Referrals` (frozen header, autofilter, hidden pins,
 * typed cells, one dropdown validation per list column), `README`, `Lists`
 * (hidden: the dropdown values, referenced as ranges) and `refplan-baseline`
 * (very hidden: the exported values, so the workbook alone plans without reads).
 */

export type WorkbookCellType = 'text' | 'number' | 'integer' | 'date';

export interface WorkbookColumn {
  header: string;
  /** `editable` cells are unlocked (editable under --protect); `context` cells are shaded and locked. */
  role: 'editable' | 'context';
  type: WorkbookCellType;
  /** Dropdown values, written to the Lists sheet and referenced as a range. */
  list?: readonly string[];
  width?: number;
}

export interface WorkbookRow {
  id: string;
  eTag: string;
  /** One per column, in column order: string for text, number, Date, or null for empty. */
  cells: (string | number | Date | null)[];
}

export interface ExportWorkbook {
  columns: readonly WorkbookColumn[];
  rows: readonly WorkbookRow[];
  baseline: ExportBaseline;
  readme: readonly string[];
  protect: boolean;
}

const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const NUMBER_FORMAT = '#,##0.00';
const HEADER_FILL = { type: 'pattern', pattern: 'solid', fgColor: { rgb: 'D9E1F2' } } as const;
const CONTEXT_FILL = { type: 'pattern', pattern: 'solid', fgColor: { rgb: 'EDEDED' } } as const;
const PIN_FILL = { type: 'pattern', pattern: 'solid', fgColor: { rgb: 'FCE4D6' } } as const;

function columnStyle(column: WorkbookColumn): CellStyle {
  const style: CellStyle = { protection: { locked: column.role === 'context' } };
  if (column.role === 'context') style.fill = CONTEXT_FILL;
  // Text columns are Text-formatted so Excel keeps what is typed there (`00123`) as text;
  // numeric columns never are, or a typed number would stay a string.
  style.numFmt = column.type === 'date' ? DATE_FORMAT : column.type === 'number' ? NUMBER_FORMAT : column.type === 'integer' ? '0' : '@';
  return style;
}

const PIN_STYLE: CellStyle = { numFmt: '@', fill: PIN_FILL, protection: { locked: true } };

function listRange(index: number, length: number): string {
  const letter = columnLetter(index);
  return `${sheetRef(LISTS_SHEET)}!$${letter}$2:$${letter}$${length + 1}`;
}

const PINS = [ID_HEADER, ETAG_HEADER, ROW_HASH_HEADER];

/** A data row's cells, pins first: what the sheet shows and what its row hash covers. */
function dataCells(row: WorkbookRow): SheetCell[] {
  return [row.id, row.eTag, rowHash([row.id, row.eTag, ...row.cells]), ...row.cells];
}

/** The Referrals sheet as hucre writes it: the header, then one row of empty cells in the column styles. */
function dataSheet(book: ExportWorkbook): WriteSheet {
  const pins = PINS;
  const header = [...pins, ...book.columns.map((c) => c.header)];
  const rows: CellValue[][] = [header, header.map(() => null)];
  const cells = new Map<string, Partial<Cell>>();
  const columns: ColumnDef[] = [
    ...pins.map((p) => ({ header: p, hidden: true, width: p === ROW_HASH_HEADER ? 26 : 40, style: PIN_STYLE })),
    ...book.columns.map((c) => ({ header: c.header, width: c.width ?? Math.max(12, c.header.length + 4), style: columnStyle(c) })),
  ];
  header.forEach((h, c) => {
    const base = columns[c]?.style ?? {};
    cells.set(`0,${c}`, { value: h, style: { ...base, numFmt: '@', font: { bold: true }, fill: HEADER_FILL, protection: { locked: true } } });
  });
  let listIndex = 0;
  const dataValidations: DataValidation[] = [];
  book.columns.forEach((c, i) => {
    if (c.list === undefined || c.role !== 'editable') return;
    const letter = columnLetter(pins.length + i);
    dataValidations.push({
      type: 'list',
      formula1: listRange(listIndex++, c.list.length),
      allowBlank: true,
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: c.header,
      errorMessage: `Pick a ${c.header} from the list (refplan checks every cell again when it reads the file).`,
      range: `${letter}2:${letter}${LAST_ROW}`,
    });
  });
  const lastColumn = columnLetter(header.length - 1);
  const sheet: WriteSheet = {
    name: DATA_SHEET,
    columns,
    rows,
    cells,
    freezePane: { rows: 1 },
    autoFilter: { range: `A1:${lastColumn}${book.rows.length + 1}` },
    dataValidations,
  };
  if (book.protect) {
    // Sorting stays impossible on a sheet with locked cells (Excel's rule); filtering and
    // resizing stay allowed, unhiding columns does not ("format columns" would allow it).
    sheet.protection = { sheet: true, autoFilter: true, sort: true, formatCells: false, formatColumns: false, formatRows: true, selectLockedCells: true, selectUnlockedCells: true };
  }
  return sheet;
}

function listsSheet(book: ExportWorkbook): WriteSheet {
  const lists = book.columns.filter((c) => c.list !== undefined && c.role === 'editable');
  const height = Math.max(0, ...lists.map((c) => c.list?.length ?? 0));
  const rows: CellValue[][] = [lists.map((c) => c.header)];
  for (let r = 0; r < height; r++) rows.push(lists.map((c) => c.list?.[r] ?? null));
  return { name: LISTS_SHEET, rows, hidden: true, columns: lists.map(() => ({ style: { numFmt: '@' } })) };
}

function readmeSheet(book: ExportWorkbook): WriteSheet {
  return { name: README_SHEET, rows: book.readme.map((line) => [line]), columns: [{ width: 120 }] };
}

/** hucre names the parts of the sheets it writes in order: sheet1.xml … */
const sheetPart = (index: number) => `xl/worksheets/sheet${index + 1}.xml`;

export async function renderExportWorkbook(book: ExportWorkbook): Promise<Uint8Array> {
  const [baselineHead = [], ...blob] = baselineSheetRows(book.baseline);
  const sheets: WriteSheet[] = [
    dataSheet(book),
    readmeSheet(book),
    listsSheet(book),
    { name: BASELINE_SHEET, rows: [baselineHead, [null]], veryHidden: true, columns: [{ style: { numFmt: '@' } }] },
  ];
  const width = PINS.length + book.columns.length;
  const letters = Array.from({ length: width }, (_, i) => columnLetter(i));
  const streamed: SplicedSheet[] = [
    {
      path: sheetPart(0),
      styleRow: 2,
      lastRow: book.rows.length + 1,
      lastColumn: columnLetter(width - 1),
      rows: function* (styles) {
        for (let r = 0; r < book.rows.length; r++) yield rowXml(r + 2, dataCells(book.rows[r] as WorkbookRow), letters, styles);
      },
    },
    {
      path: sheetPart(3),
      styleRow: 2,
      lastRow: blob.length + 1,
      lastColumn: columnLetter(Math.max(0, baselineHead.length - 1)),
      rows: function* (styles) {
        for (let r = 0; r < blob.length; r++) yield rowXml(r + 2, blob[r] ?? [], letters, styles);
      },
    },
  ];
  return spliceSheetRows(await writeXlsx({ sheets, activeSheet: 0 }), streamed);
}
