import { plural } from '../plural.js';
import { error, info, warning, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { FieldSpec, RawChange, RawField, Vocabulary } from './raw-change.js';
import { MEMBER_FIELDS, settable } from './normalise-change.js';
import { PROTOTYPE_KEYS } from './normalise-value.js';
import { suggestionHint } from './suggest.js';
import { isPortalHeader, portalColumn, portalDate, portalLayoutNotes } from './portal-layout.js';
import { CONTEXT_COLUMNS, parseReadOnlyHeader, readOnlyHeader, type ContextColumn, type ExportRowCells } from './export-row-rules.js';

/**
 * The pure half of CSV reading: which delimiter the header line uses, what each
 * header means, and a data row → raw change. The streaming reader (src/files)
 * feeds it rows; nothing here touches the file.
 */

export type Delimiter = ',' | ';' | '\t';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

const NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };
export const delimiterName = (d: string): string => NAMES[d as Delimiter] ?? JSON.stringify(d);

/** Counts candidate delimiters outside quotes on the first line (a quoted header may contain a comma). */
export function detectDelimiter(text: string, file: string): { delimiter: Delimiter; diagnostic: Diagnostic } {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
  }
  const ranked = [...DELIMITERS].sort((a, b) => counts[b] - counts[a]);
  const [best = ',', second = ';'] = ranked;
  const at: SourceLocation = { file, line: 1, column: 1 };
  if (counts[best] === 0) {
    return { delimiter: ',', diagnostic: info('guess-delimiter', 'the header line has a single column; reading the file as comma-separated', { at, hint: 'pass --delimiter if this is wrong' }) };
  }
  if (counts[best] === counts[second]) {
    return {
      delimiter: best,
      diagnostic: error('ambiguous-delimiter', `the header line has as many ${delimiterName(best)}s as ${delimiterName(second)}s; cannot tell the delimiter`, {
        at,
        hint: 'pass --delimiter ";" (or "," or tab)',
      }),
    };
  }
  return {
    delimiter: best,
    diagnostic: info('guess-delimiter', `delimiter: ${delimiterName(best)} (detected from the header line)`, { at, hint: 'pass --delimiter to override' }),
  };
}

export type ColumnRole =
  | { kind: 'id' }
  | { kind: 'externalReferenceId' }
  | { kind: 'eTag' }
  | { kind: 'field'; spec: FieldSpec; usDate?: true }
  | { kind: 'member'; name: string }
  | { kind: 'readOnly'; column: ContextColumn }
  /** A portal column read-only in Partner Center that shows a referral field: a filled cell is checked against it. */
  | { kind: 'portalReadOnly'; path: string }
  | { kind: 'ignored'; blank: boolean }
  /** A portal column whose encoding refplan cannot know: a value in it is refused. */
  | { kind: 'refused'; message: string; hint: string };

export interface CsvLayout {
  file: string;
  headers: string[];
  roles: ColumnRole[];
  /** A workbook sheet: cells are located by address (`Referrals!D17`), and text is never formula-escaped there. */
  sheet?: SheetPlace;
}

/** Where a table sits in a workbook: its sheet, header row and the column letter of each header cell. */
export interface SheetPlace {
  name: string;
  headerRow: number;
  letters: readonly string[];
}

/** A row's cells: text, or a number typed as a number in a workbook (never re-parsed with a locale). */
export type RowCell = string | number;

/** Header names a change-set CSV may use, for suggestions and the README. */
export function knownHeaders(vocab: Vocabulary): string[] {
  return [
    'id',
    'eTag',
    ...settable(vocab).map((f) => f.field),
    ...MEMBER_FIELDS.map((m) => `addTeamMember.${m}`),
    ...CONTEXT_COLUMNS.map((c) => readOnlyHeader(c.column)),
  ];
}

export function parseHeader(cells: string[], file: string, vocab: Vocabulary, report: (d: Diagnostic) => void, sheet?: SheetPlace): CsvLayout {
  const roles: ColumnRole[] = [];
  const taken = new Map<string, string>();
  const known = knownHeaders(vocab);
  const headerRow = sheet?.headerRow ?? 1;
  // The portal's own bulk file is read through refplan's names (portal-layout.ts).
  const portal = isPortalHeader(cells);
  if (portal) for (const note of portalLayoutNotes(cells, file)) report(note);
  cells.forEach((cell, i) => {
    const column = portal ? portalColumn(cell) : undefined;
    const name = column?.kind === 'maps' ? column.header : cell.trim();
    const at: SourceLocation = { file, row: headerRow, columnName: cell.trim(), ...cellAddress(sheet, i, headerRow) };
    const lower = name.toLowerCase();
    const readOnly = parseReadOnlyHeader(name);
    let role: ColumnRole | undefined;
    if (column?.kind === 'ignored') role = { kind: 'ignored', blank: false };
    else if (column?.kind === 'checked') role = { kind: 'portalReadOnly', path: column.path };
    else if (column?.kind === 'refused') role = { kind: 'refused', message: column.message, hint: column.hint };
    else if (readOnly.kind === 'context') role = { kind: 'readOnly', column: readOnly.column };
    else if (readOnly.kind === 'unknown') {
      const hint = readOnly.suggestion === undefined ? `read-only columns: ${CONTEXT_COLUMNS.map((c) => readOnlyHeader(c.column)).join(', ')}` : `did you mean "${readOnly.suggestion}"?`;
      report(error('unknown-column', `unknown read-only column "${name}"`, { at, text: name, hint }));
      role = { kind: 'ignored', blank: false };
    } else if (name === '') {
      role = { kind: 'ignored', blank: true };
    } else if (name.split('.').some((part) => PROTOTYPE_KEYS.has(part))) {
      report(error('prototype-key', `"${name}" is not allowed as a column name`, { at, text: name, hint: 'remove or rename the column' }));
      role = { kind: 'ignored', blank: false };
    } else if (lower === 'id') role = { kind: 'id' };
    else if (lower === 'externalreferenceid') role = { kind: 'externalReferenceId' };
    else if (lower === 'etag') role = { kind: 'eTag' };
    else if (lower.startsWith('addteammember.')) {
      const member = MEMBER_FIELDS.find((m) => `addteammember.${m.toLowerCase()}` === lower);
      if (member !== undefined) role = { kind: 'member', name: member };
    } else {
      const spec = settable(vocab).find((f) => f.field.toLowerCase() === lower);
      if (spec !== undefined) role = column?.kind === 'maps' && column.usDate === true ? { kind: 'field', spec, usDate: true } : { kind: 'field', spec };
    }
    if (role === undefined) {
      report(error('unknown-column', `unknown column "${name}"`, { at, text: name, hint: suggestionHint(name, known, 'columns') }));
      role = { kind: 'ignored', blank: false };
    } else if (role.kind !== 'ignored' && role.kind !== 'refused' && role.kind !== 'portalReadOnly') {
      const key =
        role.kind === 'field' ? role.spec.field : role.kind === 'member' ? `member.${role.name}` : role.kind === 'readOnly' ? `readOnly.${role.column.column}` : role.kind;
      const first = taken.get(key);
      if (first !== undefined) {
        report(error('duplicate-column', `column "${name}" appears twice (also as "${first}")`, { at, text: name, hint: 'keep one of the two columns' }));
        role = { kind: 'ignored', blank: false };
      } else taken.set(key, name);
    }
    roles.push(role);
  });
  if (!taken.has('id') && !taken.has('externalReferenceId')) {
    report(error('no-selector-column', 'the header has neither an id nor an externalReferenceId column', { at: { file, row: headerRow }, hint: 'add an id column (the referral id) as the first column' }));
  }
  if (roles.some((r) => r.kind === 'ignored' && r.blank)) {
    report(warning('blank-header', 'a column has no header; its cells must stay empty', { at: { file, row: headerRow }, hint: 'delete the column or give it a header' }));
  }
  const layout: CsvLayout = { file, headers: cells.map((c) => c.trim()), roles };
  if (sheet !== undefined) layout.sheet = sheet;
  return layout;
}

function cellAddress(sheet: SheetPlace | undefined, index: number, row: number): { cell?: string } {
  const letter = sheet?.letters[index];
  return sheet === undefined || letter === undefined ? {} : { cell: `${sheetPrefix(sheet.name)}!${letter}${row}` };
}

/** A sheet name as Excel writes it in a reference: quoted unless it is a plain word. */
function sheetPrefix(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) ? name : `'${name.replaceAll("'", "''")}'`;
}

/**
 * refplan's exports escape a cell a spreadsheet would run as a formula with a
 * leading `'` (csv-stringify `escape_formulas`). Excel never writes its own
 * text-marker apostrophe into a CSV, so a `'` before a formula character can
 * only be that escape, and reading undoes it: export → plan round-trips.
 * A text that itself starts with `'`s before a formula character (`'=x`) is
 * exported with one more `'` (`''=x`), so one `'` is dropped before any run of
 * them that ends in a formula character.
 */
const ESCAPED_FORMULA = /^'(?='*[-=+@\t\r\uFF1D\uFF0B\uFF0D\uFF20])/;

export function unescapeFormula(cell: string): string {
  return cell.replace(ESCAPED_FORMULA, '');
}

/**
 * The other half, for export: a text that already starts the way an escaped
 * formula does (`'=x`) gets one more `'`, so `unescapeFormula` gives it back whole.
 */
export function escapeLeadingApostrophe(text: string): string {
  return ESCAPED_FORMULA.test(text) ? `'${text}` : text;
}

/** A data row → raw change; undefined for a blank row (spreadsheets leave them at the end). */
export function rowToRawChange(cells: readonly RowCell[], row: number, layout: CsvLayout, report: (d: Diagnostic) => void): RawChange | undefined {
  if (cells.every((c) => typeof c === 'string' && c.trim() === '')) return undefined;
  const at = (i: number): SourceLocation => ({ file: layout.file, row, columnName: layout.headers[i] || `#${i + 1}`, ...cellAddress(layout.sheet, i, row) });
  // A workbook cell is text or a number as typed: nothing there was formula-escaped.
  const textOf = (cell: RowCell | undefined): string => (typeof cell === 'number' ? String(cell) : layout.sheet === undefined ? unescapeFormula(cell ?? '') : (cell ?? ''));
  if (layout.sheet === undefined && cells.length !== layout.roles.length) {
    report(
      error('column-count', `row has ${plural(cells.length, 'cell')} but the header has ${layout.roles.length}`, {
        at: { file: layout.file, row },
        hint: 'a cell with the delimiter or a line break inside must be in double quotes; check for a stray delimiter',
      }),
    );
    return undefined;
  }
  const raw: RawChange = { at: { file: layout.file, row }, origin: 'csv', set: [], addTeamMembers: [] };
  const cellsOfExport: ExportRowCells = { blank: [], readOnly: [] };
  let idText = '';
  let externalIndex = -1;
  const member: RawField[] = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    const role = layout.roles[i];
    const text = role?.kind === 'field' && role.usDate === true ? portalDate(textOf(cell)) : textOf(cell);
    if (role?.kind === 'readOnly') {
      cellsOfExport.readOnly.push({ column: role.column.column, value: typeof cell === 'number' ? cell : text, at: at(i) });
      continue;
    }
    if (role?.kind === 'externalReferenceId') {
      externalIndex = i;
      continue;
    }
    if (role?.kind === 'portalReadOnly') {
      if (text.trim() !== '') (raw.portalReadOnly ??= []).push({ column: layout.headers[i] ?? '', path: role.path, value: text, at: at(i) });
      continue;
    }
    if (text.trim() === '') {
      // Empty = leave unchanged, unless the export baseline says the cell had a value (export-row-rules.ts).
      if (role?.kind === 'field') cellsOfExport.blank.push({ field: role.spec.field, at: at(i) });
      continue;
    }
    // A typed number goes to a number field as a number; anywhere else it is its text.
    const typed = typeof cell === 'number' && role?.kind === 'field' && role.spec.kind === 'number';
    const value = typed ? { value: cell, text, at: at(i) } : { value: text, at: at(i) };
    switch (role?.kind) {
      case 'id':
        idText = text.trim();
        raw.id = value;
        break;
      case 'eTag':
        raw.eTag = value;
        break;
      case 'field':
        raw.set.push({ key: role.spec.field, keyAt: at(i), value });
        break;
      case 'member':
        member.push({ key: role.name, keyAt: at(i), value });
        break;
      case 'refused':
        report(error('portal-unknown-encoding', role.message, { at: at(i), text, hint: role.hint }));
        break;
      case 'ignored':
        if (role.blank) report(error('cell-without-header', 'this cell is in a column without a header', { at: at(i), text, hint: 'give the column a header, or clear the cell' }));
        break;
      case undefined:
        break;
    }
  }
  if (externalIndex >= 0) {
    // With an id, externalReferenceId is a value to set; without one, it selects the referral.
    const text = textOf(cells[externalIndex]);
    const value = { value: text, at: at(externalIndex) };
    if (idText !== '') {
      if (text.trim() === '') cellsOfExport.blank.push({ field: 'externalReferenceId', at: at(externalIndex) });
      else raw.set.push({ key: 'externalReferenceId', keyAt: at(externalIndex), value });
    } else if (text.trim() !== '') raw.externalReferenceId = value;
  }
  if (cellsOfExport.blank.length > 0 || cellsOfExport.readOnly.length > 0) raw.exportCells = cellsOfExport;
  if (member.length > 0) raw.addTeamMembers.push({ at: { file: layout.file, row }, fields: member });
  return raw;
}
