import type { JsonValue, Referral } from '../core/referral.js';
import { loadWritablePaths, readSpec } from '../schema/specs.js';
import { UsageError } from '../core/errors.js';
import { chooseExportColumns, type ExportColumn } from '../core/changeset/export-row-rules.js';

/**
 * The columns `refplan export` writes, all from specs/: the selector `id`, the pin
 * `eTag`, every vocabulary field a change may set (specs/writable-paths.json, in
 * its order) and the `addTeamMember.*` columns (specs/changeset.schema.json),
 * left empty so a user can add a member by filling them in.
 */
export interface ExportField {
  field: string;
  /** JSON Pointer of the value in a referral. */
  path: string;
}

export function exportFields(): ExportField[] {
  return loadWritablePaths()
    .writable.filter((w) => w.kind !== 'array' && w.kind !== 'member')
    .map((w) => ({ field: w.field, path: w.path }));
}

export function teamMemberColumns(): string[] {
  const schema = readSpec<{ $defs?: Record<string, { properties?: Record<string, unknown> }> }>('changeset.schema.json');
  const props = Object.keys(schema.$defs?.['NewTeamMember']?.properties ?? {});
  return props.map((p) => `addTeamMember.${p}`);
}

/** Names of the addTeamMember.* columns' fields (`email`, `firstName`, …). */
export function teamMemberFields(): string[] {
  return teamMemberColumns().map((c) => c.slice('addTeamMember.'.length));
}

/**
 * The columns an export writes (export-row-rules.ts decides the order and the
 * read-only marking): all by default, or the `--columns` choice. An unknown
 * name is a usage error with a suggestion.
 */
export function exportColumnsFor(chosen?: readonly string[]): ExportColumn[] {
  const choice = chooseExportColumns(exportFields(), teamMemberFields(), chosen);
  const [bad] = choice.unknown;
  if (bad !== undefined) {
    const names = chooseExportColumns(exportFields(), teamMemberFields()).columns.flatMap((c) =>
      c.kind === 'context' ? [c.context.column] : c.kind === 'field' ? [c.field] : [],
    );
    throw new UsageError(
      `--columns: there is no column "${bad.name}"`,
      bad.suggestion === undefined ? `choose from: ${[...names, 'addTeamMember'].join(', ')}` : `did you mean "${bad.suggestion}"?`,
    );
  }
  return choice.columns;
}

export function valueAtPath(doc: Referral, path: string): JsonValue | undefined {
  let node: unknown = doc;
  for (const part of path.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node as JsonValue | undefined;
}

/**
 * A cell: empty for absent/null (an empty cell means "leave unchanged"); numbers
 * stay numbers (plain `.` notation) so a negative one is not formula-escaped.
 */
export function cellText(value: JsonValue | undefined): string | number {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * A number as an export cell: plain digits with a `.` decimal point, never an
 * exponent (`String(1e21)` is `1e+21`, which no change-set reader takes), and never
 * exactly three decimals: a reader that does not yet know the file's decimal
 * separator must refuse `12.345` as ambiguous (twelve thousand?), so it is written
 * `12.3450`, which can be read only one way and is the same number.
 */
export function numberCellText(value: number): string {
  let text = String(value);
  const exp = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (exp !== null) {
    const [, sign = '', whole = '', fraction = '', power = '0'] = exp;
    const digits = whole + fraction;
    const shift = Number(power) - fraction.length; // value = digits × 10^shift
    if (shift >= 0) text = sign + digits + '0'.repeat(shift);
    else {
      const padded = digits.padStart(1 - shift, '0');
      text = `${sign}${padded.slice(0, shift)}.${padded.slice(shift)}`;
    }
  }
  return /\.\d{3}$/.test(text) ? `${text}0` : text;
}
