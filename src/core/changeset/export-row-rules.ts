import { error, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Change, SettableField } from '../changeset.js';
import type { JsonValue, Referral } from '../referral.js';
import type { FieldSpec } from './raw-change.js';
import { suggest } from './suggest.js';

/**
 * The rules of refplan's own export, whatever the file format (CSV today, an
 * Excel workbook next): which columns an export holds, how read-only context
 * columns are marked, and how a row read back is judged against the values it
 * was exported with (the baseline). A reader only reports what it found in a
 * row (`ExportRowCells`); `judgeExportRow` turns that into clears and errors.
 *
 * Two rules live here because they need the baseline:
 * - blank means clear: a field cell that is empty now but had a value when
 *   exported clears a clearable field, and is an error for any other field.
 *   Without a baseline (a hand-written file) an empty cell leaves the value alone.
 * - a read-only (context) cell may be left as it is, or reformatted by a
 *   spreadsheet; a changed value is refused, naming its cell.
 */

export type ContextKind = 'text' | 'date-time' | 'count';

/** A read-only column an export adds so a person sees what a row is about. */
export interface ContextColumn {
  /** Column name (the header is `column (read-only)`). */
  column: string;
  /** How messages name it ("customer name"). */
  label: string;
  /** JSON Pointer in a referral; for `count`, the array whose length is shown. */
  path: string;
  kind: ContextKind;
}

/** The context columns, in export order. All are read-only paths of the API (specs/writable-paths.json `readOnly`). */
export const CONTEXT_COLUMNS: readonly ContextColumn[] = [
  { column: 'customerName', label: 'customer name', path: '/customerProfile/name', kind: 'text' },
  { column: 'country', label: 'country', path: '/customerProfile/address/country', kind: 'text' },
  { column: 'city', label: 'city', path: '/customerProfile/address/city', kind: 'text' },
  { column: 'createdDateTime', label: 'created date', path: '/createdDateTime', kind: 'date-time' },
  { column: 'expirationDateTime', label: 'expiration date', path: '/expirationDateTime', kind: 'date-time' },
  { column: 'type', label: 'type', path: '/type', kind: 'text' },
  { column: 'direction', label: 'direction', path: '/direction', kind: 'text' },
  { column: 'teamSize', label: 'team size', path: '/team', kind: 'count' },
];

export const READ_ONLY_MARK = '(read-only)';

/** `customerName` → `customerName (read-only)`. */
export function readOnlyHeader(column: string): string {
  return `${column} ${READ_ONLY_MARK}`;
}

/**
 * What a header cell says about read-only-ness: not marked, a known context
 * column, or marked but unknown (with a suggestion).
 */
export function parseReadOnlyHeader(header: string): { kind: 'plain' } | { kind: 'context'; column: ContextColumn } | { kind: 'unknown'; name: string; suggestion?: string } {
  const match = /^(.*?)\s*\(\s*read[\s-]*only\s*\)\s*$/i.exec(header.trim());
  if (match === null) return { kind: 'plain' };
  const name = (match[1] ?? '').trim();
  const column = CONTEXT_COLUMNS.find((c) => c.column.toLowerCase() === name.toLowerCase());
  if (column !== undefined) return { kind: 'context', column };
  const suggestion = suggest(name, CONTEXT_COLUMNS.map((c) => c.column));
  return { kind: 'unknown', name, ...(suggestion === undefined ? {} : { suggestion: readOnlyHeader(suggestion) }) };
}

function pointerValue(doc: unknown, path: string): unknown {
  let node = doc;
  for (const part of path.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The value a context column shows for a referral: text, a count, or null when absent. */
export function contextValue(referral: Referral, column: ContextColumn): string | number | null {
  const value = pointerValue(referral, column.path);
  if (column.kind === 'count') return Array.isArray(value) ? value.length : 0;
  if (typeof value === 'string' || typeof value === 'number') return value;
  return null;
}

/** Context paths a baseline must keep so a read-back row can be judged (the team is kept for other reasons). */
export function contextPaths(): string[] {
  return CONTEXT_COLUMNS.map((c) => c.path);
}

/** One column of an export, in order. `id` and `eTag` always come first: they select and pin the row. */
export type ExportColumn =
  | { kind: 'id'; header: 'id' }
  | { kind: 'eTag'; header: 'eTag' }
  | { kind: 'context'; header: string; context: ContextColumn }
  | { kind: 'field'; header: string; field: string; path: string }
  | { kind: 'member'; header: string; name: string };

export interface ExportColumnChoice {
  columns: ExportColumn[];
  /** Names in `chosen` that are no column, each with a suggestion when one is close. */
  unknown: { name: string; suggestion?: string }[];
}

/**
 * The columns of an export. Default: id, eTag, every context column, every
 * writable field, the addTeamMember.* columns. `chosen` (`--columns`) lists
 * context columns, fields and `addTeamMember` (all member columns) in the order
 * wanted; id and eTag are always written first.
 */
export function chooseExportColumns(
  fields: readonly { field: string; path: string }[],
  memberNames: readonly string[],
  chosen?: readonly string[],
): ExportColumnChoice {
  const context: ExportColumn[] = CONTEXT_COLUMNS.map((c) => ({ kind: 'context', header: readOnlyHeader(c.column), context: c }));
  const fieldColumns: ExportColumn[] = fields.map((f) => ({ kind: 'field', header: f.field, field: f.field, path: f.path }));
  const members: ExportColumn[] = memberNames.map((name) => ({ kind: 'member', header: `addTeamMember.${name}`, name }));
  const head: ExportColumn[] = [
    { kind: 'id', header: 'id' },
    { kind: 'eTag', header: 'eTag' },
  ];
  if (chosen === undefined) return { columns: [...head, ...context, ...fieldColumns, ...members], unknown: [] };
  const picked: ExportColumn[] = [];
  const unknown: ExportColumnChoice['unknown'] = [];
  const names = [...CONTEXT_COLUMNS.map((c) => c.column), ...fields.map((f) => f.field), 'addTeamMember'];
  for (const raw of chosen) {
    const name = raw.trim().replace(/\s*\(\s*read[\s-]*only\s*\)\s*$/i, '');
    if (name === '' || /^(id|etag)$/i.test(name)) continue;
    const lower = name.toLowerCase();
    const found: ExportColumn[] =
      lower === 'addteammember'
        ? members
        : [...context, ...fieldColumns, ...members].filter((c) =>
            c.kind === 'context' ? c.context.column.toLowerCase() === lower : c.header.toLowerCase() === lower,
          );
    if (found.length === 0) {
      const suggestion = suggest(name, names);
      unknown.push({ name, ...(suggestion === undefined ? {} : { suggestion }) });
    }
    for (const c of found) if (!picked.includes(c)) picked.push(c);
  }
  return { columns: [...head, ...picked], unknown };
}

/** A row of refplan's export as read back, in any format. */
export interface ExportRowCells {
  /** Field cells (by vocabulary field) that were empty. */
  blank: { field: string; at: SourceLocation }[];
  /** Every read-only cell, as read (`''`/null for empty). */
  readOnly: { column: string; value: string | number | null; at: SourceLocation }[];
}

export interface ExportRowJudgement {
  /** Fields the row clears: the cell is empty and the export had a value. */
  clears: { field: SettableField; at: SourceLocation }[];
  /** Errors: an empty cell for a field that cannot be cleared, an edited read-only cell. */
  diagnostics: Diagnostic[];
}

const isEmpty = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The year, month and day of an ISO date-time, as numbers. */
function ymd(iso: string): [number, number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Whether a date cell still says the exported date. Spreadsheets re-spell dates
 * when they save (`2026-03-01T00:00:00.000Z` → `01/03/2026 00:00`), which is not
 * an edit: the same instant, or the same year, month and day in any order, is kept.
 */
function sameDate(cell: string, exported: string): boolean {
  if (Date.parse(cell) === Date.parse(exported)) return true;
  const want = ymd(exported);
  const parts = cell.match(/\d+/g)?.map(Number) ?? [];
  if (want === undefined || parts.length < 3) return false;
  const [y, m, d] = want;
  const head = parts.slice(0, 3);
  const yearAt = head.findIndex((p) => p === y || p === y % 100);
  if (yearAt < 0) return false;
  const rest = head.filter((_, i) => i !== yearAt);
  return (rest[0] === m && rest[1] === d) || (rest[0] === d && rest[1] === m);
}

/** Whether a read-only cell still holds what was exported. */
export function sameContextValue(column: ContextColumn, cell: string | number | null, exported: string | number | null): boolean {
  if (isEmpty(cell)) return isEmpty(exported);
  if (isEmpty(exported)) return false;
  const text = String(cell).trim();
  if (column.kind === 'count') return Number(text) === Number(exported);
  if (column.kind === 'date-time' && typeof exported === 'string') return sameDate(text, exported);
  return text === String(exported).trim();
}

/**
 * Judges a read-back export row against the referral as it was exported.
 * `fields` are the vocabulary's settable fields (their `nullable` says what can
 * be cleared through the API).
 */
export function judgeExportRow(snapshot: Referral, cells: ExportRowCells, fields: readonly FieldSpec[], referralId = snapshot.id): ExportRowJudgement {
  const clears: ExportRowJudgement['clears'] = [];
  const diagnostics: Diagnostic[] = [];
  const doc = snapshot as unknown as JsonValue;
  for (const { field, at } of cells.blank) {
    const spec = fields.find((f) => f.field.toLowerCase() === field.toLowerCase());
    if (spec === undefined) continue;
    const exported = pointerValue(doc, spec.path);
    if (isEmpty(exported)) continue; // empty then, empty now: nothing to do
    if (spec.nullable) {
      clears.push({ field: spec.field as SettableField, at });
      continue;
    }
    const clearable = fields.filter((f) => f.nullable).map((f) => f.field);
    diagnostics.push(
      error('blank-not-clearable', `${spec.field} cannot be cleared: the cell is empty, but the export had ${shown(exported)}`, {
        at,
        referralId,
        hint: `put back ${shown(exported)} or enter a new value; only ${clearable.join(', ')} can be cleared`,
      }),
    );
  }
  for (const { column: name, value, at } of cells.readOnly) {
    const column = CONTEXT_COLUMNS.find((c) => c.column === name);
    if (column === undefined) continue;
    const exported = contextValue(snapshot, column);
    if (sameContextValue(column, value, exported)) continue;
    const text = typeof value === 'string' ? value.trim() : value;
    diagnostics.push(
      error('read-only-cell', `the ${column.label} cannot be changed through the API (the cell says ${shown(text ?? '')}, the export had ${shown(exported ?? '')})`, {
        at,
        referralId,
        ...(typeof text === 'string' ? { text } : {}),
        hint: `put back ${shown(exported ?? '')}: ${readOnlyHeader(column.column)} is there to read, not to edit`,
      }),
    );
  }
  return { clears, diagnostics };
}

/** The change a read-back export row asks for once its blanks are judged: the clears added to `set`. */
export function withClears(change: Change, clears: ExportRowJudgement['clears']): Change {
  if (clears.length === 0) return change;
  const set = { ...change.set };
  for (const { field } of clears) if (!(field in set)) set[field] = null;
  return { ...change, set };
}
