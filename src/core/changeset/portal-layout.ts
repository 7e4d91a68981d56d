import { info, type Diagnostic } from '../diagnostics.js';

/**
 * The Partner Center portal's own co-sell bulk file (learn.microsoft.com/partner-center/bulk-operations),
 * recognised by its header and read through refplan's vocabulary: each portal column maps to a
 * refplan column, is ignored (read-only in the portal, or not something the referrals API
 * writes), or is refused when it holds a value, because its encoding is not published and
 * refplan will not guess (the numeric reason codes).
 */

export type PortalColumn =
  | { kind: 'maps'; header: string; usDate?: true }
  | { kind: 'ignored'; why: 'read-only' | 'not-writable' }
  | { kind: 'refused'; message: string; hint: string };

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

/** Columns the portal marks read-only. */
const READ_ONLY = new Set(['errors', 'engagement id', 'microsoft referral status', 'microsoft msx id', 'migrated psc deal id', 'microsoft team member 1']);

/** Is this header row the portal's layout? Its own id column and deal name say so. */
export function isPortalHeader(cells: readonly string[]): boolean {
  const lower = new Set(cells.map((c) => c.trim().toLowerCase()));
  return lower.has('referral id') && lower.has('deal name');
}

export function portalColumn(header: string): PortalColumn {
  const lower = header.trim().toLowerCase();
  const mapped = MAPPED[lower];
  if (mapped !== undefined) return mapped;
  return { kind: 'ignored', why: READ_ONLY.has(lower) ? 'read-only' : 'not-writable' };
}

export function portalLayoutNote(cells: readonly string[], file: string): Diagnostic {
  const mapped = cells.flatMap((c) => {
    const col = portalColumn(c);
    return col.kind === 'maps' ? [`${c.trim()} → ${col.header}`] : [];
  });
  const ignored = cells.filter((c) => c.trim() !== '' && portalColumn(c).kind === 'ignored').length;
  return info('portal-layout', `the header is the Partner Center portal's co-sell bulk file: reading ${mapped.join(', ')}; ${ignored} other column(s) are ignored (read-only in the portal, or not writable through the referrals API)`, {
    at: { file, row: 1 },
    hint: 'Estimated Close Date is read as MM/DD/YYYY in UTC, as the portal writes it',
  });
}

/** The portal's `1/30/2020` (M/D/YYYY, UTC) as ISO `2020-01-30`; any other text is left for the date parser to judge. */
export function portalDate(text: string): string {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (m === null) return text;
  const [, month = '', day = '', year = ''] = m;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}
