import type { SourceLocation } from './diagnostics.js';
import type { JsonValue } from './referral.js';
import type { ExportRowCells } from './changeset/export-row-rules.js';
import type { PortalReadOnlyCell } from './changeset/portal-layout.js';

/**
 * The normalised change-set model: what YAML and CSV inputs both become after
 * parsing and offline validation. Values are already in the API's spelling
 * (enum case, ISO dates, numbers as numbers), so the planner never re-parses text.
 */

/** Vocabulary fields a change may set; each maps to one path in specs/writable-paths.json. */
export type SettableField =
  | 'name'
  | 'externalReferenceId'
  | 'status'
  | 'substatus'
  | 'statusReason'
  | 'qualification'
  | 'dealValue'
  | 'currency'
  | 'closingDateTime'
  | 'notes';

/** `contains` / `startswith` match text case-insensitively. */
export type Comparator = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'in' | 'contains' | 'startswith';

/** One test of a `where` selector. `field` is a vocabulary field or an API path such as `customerProfile/address/country`. */
export interface WhereTest {
  field: string;
  op: Comparator;
  /** For `in`, an array of candidates. */
  value: JsonValue;
}

export type Selector =
  | { kind: 'id'; id: string }
  | { kind: 'externalReferenceId'; externalReferenceId: string }
  | { kind: 'where'; tests: WhereTest[] };

export interface NewTeamMember {
  email: string;
  firstName?: string;
  lastName?: string;
  phoneNumber?: string;
}

export interface Change {
  /** Where the change was written: used in every message about it. */
  source: SourceLocation;
  selector: Selector;
  /** Fields to set. `null` means "clear" (the CSV `#CLEAR` token, YAML `null`). */
  set: Partial<Record<SettableField, string | number | null>>;
  addTeamMembers: NewTeamMember[];
  /** The eTag the row was edited against (CSV `eTag` column): the plan pins it instead of the current one. */
  pinnedETag?: string;
  /** A `where` that matches nothing is an error unless this is set. */
  allowNone?: boolean;
  /**
   * A spreadsheet row: its empty field cells and its read-only cells, judged
   * against the export baseline when the file has one (export-row-rules.ts).
   */
  exportCells?: ExportRowCells;
  /** A row of the portal's bulk file: its filled read-only cells, judged against the referral once read (portal-layout.ts). */
  portalReadOnly?: PortalReadOnlyCell[];
}

export interface InputFile {
  file: string;
  sha256: string;
}

export interface ChangeSet {
  changes: Change[];
  inputs: InputFile[];
}
