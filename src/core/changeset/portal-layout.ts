import { error, info, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Referral } from '../referral.js';

/**
 * The Partner Center portal's own co-sell bulk file (learn.microsoft.com/partner-center/bulk-operations),
 * recognised by its header and read through refplan's vocabulary: each portal column maps to a
 * refplan column, is checked (read-only in the portal, with a field of the referral to compare
 * it with: an edited value is refused once the plan has read the referral), is ignored
 * (read-only with nothing to compare it with, or not something the referrals API writes), or is
 * refused when it holds a value, because its encoding is not published and refplan will not
 * guess (the numeric reason codes).
 */

export type PortalColumn =
  | { kind: 'maps'; header: string; usDate?: true }
  | { kind: 'checked'; path: string }
  | { kind: 'ignored'; why: 'read-only' | 'not-writable' }
  | { kind: 'refused'; message: string; hint: string };

/** A filled cell of a checked read-only portal column, judged once the plan has read its referral. */
export interface PortalReadOnlyCell {
  column: string;
  /** JSON Pointer of the referral field the column shows. */
  path: string;
  value: string;
  at: SourceLocation;
}

/** Lower-cased portal header → how refplan reads it. Translated headers would be added here as aliases. */
const MAPPED: Record<string, PortalColumn> = {
  'referral id': { kind: 'maps', header: 'id' },
  'deal name': { kind: 'maps', header: 'name' },
  'estimated deal value': { kind: 'maps', header: 'dealValue' },
  currency: { kind: 'maps', header: 'currency' },
  'estimated close date': { kind: 'maps', header: 'closingDateTime', usDate: true },
  'crm id': { kind: 'maps', header: 'externalReferenceId' },
  notes: { kind: 'maps', header: 'notes' },
  'partner referral status': { kind: 'maps', header: 'status' },
  'partner referral substatus': { kind: 'maps', header: 'substatus' },
  'declined/lost/error reason': {
    kind: 'refused',
    message: 'the portal writes this reason as a number (1–9) whose meaning Microsoft does not publish, so refplan cannot send it as a reason',
    hint: 'clear the cell (or delete the column) and add a statusReason column with the reason in words',
  },
  'what specific help from microsoft?': {
    kind: 'refused',
    message: 'the portal writes this as a number (1–6) whose meaning Microsoft does not publish, and the referrals API has no such field',
    hint: 'clear the cell (or delete the column); ask for help in the portal itself',
  },
};

/**
 * Columns the portal marks read-only, and the referral field each shows where the referral
 * refplan reads has one. The others have none: Errors is the portal's own upload result; the
 * Microsoft-side status, MSX id, migrated PSC deal id and Microsoft team members are not fields
 * of the partner's referral in the referrals API.
 */
const READ_ONLY: Record<string, { path?: string }> = {
  errors: {},
  'engagement id': { path: '/engagementId' },
  'microsoft referral status': {},
  'microsoft msx id': {},
  'migrated psc deal id': {},
  'microsoft team member 1': {},
};

/** Is this header row the portal's layout? Its own id column and deal name say so. */
export function isPortalHeader(cells: readonly string[]): boolean {
  const lower = new Set(cells.map((c) => c.trim().toLowerCase()));
  return lower.has('referral id') && lower.has('deal name');
}

export function portalColumn(header: string): PortalColumn {
  const lower = header.trim().toLowerCase();
  const mapped = MAPPED[lower];
  if (mapped !== undefined) return mapped;
  const readOnly = Object.prototype.hasOwnProperty.call(READ_ONLY, lower) ? READ_ONLY[lower] : undefined;
  if (readOnly?.path !== undefined) return { kind: 'checked', path: readOnly.path };
  return { kind: 'ignored', why: readOnly === undefined ? 'not-writable' : 'read-only' };
}

/** The notes on a portal header: what is read, what is checked, and (once) which read-only columns are ignored even if edited. */
export function portalLayoutNotes(cells: readonly string[], file: string): Diagnostic[] {
  const named = cells.map((c) => ({ header: c.trim(), column: portalColumn(c) })).filter((c) => c.header !== '');
  const mapped = named.flatMap((c) => (c.column.kind === 'maps' ? [`${c.header} → ${c.column.header}`] : []));
  const checked = named.filter((c) => c.column.kind === 'checked').map((c) => c.header);
  const unchecked = named.filter((c) => c.column.kind === 'ignored' && c.column.why === 'read-only').map((c) => c.header);
  const other = named.filter((c) => c.column.kind === 'ignored' && c.column.why === 'not-writable').length;
  const at = { file, row: 1 };
  const check = checked.length === 0 ? '' : `; checking ${checked.join(', ')} against each referral (read-only: an edited value is refused)`;
  const notes = [
    info('portal-layout', `the header is the Partner Center portal's co-sell bulk file: reading ${mapped.join(', ')}${check}; ${other} other column(s) are ignored (not writable through the referrals API)`, {
      at,
      hint: 'Estimated Close Date is read as MM/DD/YYYY in UTC, as the portal writes it',
    }),
  ];
  if (unchecked.length > 0) {
    notes.push(
      info('portal-read-only-ignored', `${unchecked.join(', ')} ${unchecked.length === 1 ? 'is' : 'are'} read-only in Partner Center and ${unchecked.length === 1 ? 'has' : 'have'} no field in the referral to compare with, so ${unchecked.length === 1 ? 'it is' : 'they are'} ignored, edited or not`, {
        at,
        hint: 'change these in Partner Center itself; refplan neither sends nor checks them',
      }),
    );
  }
  return notes;
}

function fieldAt(referral: Referral, path: string): unknown {
  let node: unknown = referral;
  for (const part of path.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The filled read-only cells of a portal row that differ from the referral as read: each an
 * error. Ids compare without regard to case (the portal may print GUIDs in upper case); a field
 * the referral does not carry at all cannot be compared and is let through.
 */
export function judgePortalReadOnly(referral: Referral, cells: readonly PortalReadOnlyCell[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const cell of cells) {
    const current = fieldAt(referral, cell.path);
    if (current === undefined) continue;
    const now = current === null ? '' : typeof current === 'string' || typeof current === 'number' ? String(current) : JSON.stringify(current);
    const text = cell.value.trim();
    if (text.toLowerCase() === now.trim().toLowerCase()) continue;
    out.push(
      error('portal-read-only-edited', `${cell.column} is read-only in Partner Center; refplan will not change it (the cell says ${JSON.stringify(text)}, the referral has ${now === '' ? 'none' : JSON.stringify(now)})`, {
        at: cell.at,
        referralId: referral.id,
        text,
        hint: now === '' ? 'clear the cell' : `clear the cell or put back the current value ${JSON.stringify(now)}`,
      }),
    );
  }
  return out;
}

/** The portal's `1/30/2020` (M/D/YYYY, UTC) as ISO `2020-01-30`; any other text is left for the date parser to judge. */
export function portalDate(text: string): string {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (m === null) return text;
  const [, month = '', day = '', year = ''] = m;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}
