import type { SourceLocation } from '../diagnostics.js';
import type { TransitionTable } from '../transitions.js';
import type { DecimalSeparator } from './parse-number.js';
import type { ExportRowCells } from './export-row-rules.js';
import type { PortalReadOnlyCell } from './portal-layout.js';

/**
 * What a reader hands the normaliser: a change as the user wrote it, every
 * value still raw (YAML scalars, CSV text) and carrying its own location.
 */
export interface RawValue {
  /** YAML: string | number | boolean | null | object | array; CSV: always a string. */
  value: unknown;
  at: SourceLocation;
  /** The source text when it differs from `value` (YAML `00123` parsed as 123). */
  text?: string;
}

export interface RawField {
  /** The key as written (any case). */
  key: string;
  keyAt: SourceLocation;
  value: RawValue;
}

export interface RawMember {
  at: SourceLocation;
  fields: RawField[];
}

export interface RawWhereTest {
  key: string;
  keyAt: SourceLocation;
  /** Scalar (equality) or an object of comparators. */
  value: RawValue;
  /** For an object value: its comparators, each located. */
  comparators?: RawField[];
}

export interface RawChange {
  at: SourceLocation;
  origin: 'yaml' | 'csv';
  id?: RawValue;
  externalReferenceId?: RawValue;
  where?: { at: SourceLocation; tests: RawWhereTest[] };
  eTag?: RawValue;
  allowNone?: RawValue;
  set: RawField[];
  close?: RawValue;
  accept?: RawValue;
  reason?: RawValue;
  addTeamMembers: RawMember[];
  /** Spreadsheet rows: empty field cells and read-only cells, kept for the export baseline rules. */
  exportCells?: ExportRowCells;
  /** Rows of the portal's bulk file: filled cells of its read-only columns that show a referral field. */
  portalReadOnly?: PortalReadOnlyCell[];
}

export type FieldKind = 'string' | 'enum' | 'number' | 'currency' | 'date-time' | 'boolean';

/** A vocabulary field with what the normaliser needs; built from specs/writable-paths.json by the schema layer. */
export interface FieldSpec {
  field: string;
  path: string;
  kind: FieldKind;
  enumValues?: readonly string[];
  nullable: boolean;
}

/** Everything the rules read, passed in (core never loads specs itself). */
export interface Vocabulary {
  fields: readonly FieldSpec[];
  table: TransitionTable;
  currencies: ReadonlySet<string>;
  /** Kind of a `where` key that is an API path rather than a vocabulary field; undefined when the path does not exist. */
  wherePath(path: string): FieldSpec | undefined;
  /** Known `where` paths, for suggestions. */
  wherePathNames: readonly string[];
}

/** Per-file facts: given by options, or inferred once from the data (and then reported). */
export interface FileDialect {
  file: string;
  decimal?: DecimalSeparator;
  decimalFrom?: 'locale' | 'data';
  dateFormat?: string;
  dateFormatFrom?: 'option' | 'data';
  utcNoted?: boolean;
}
