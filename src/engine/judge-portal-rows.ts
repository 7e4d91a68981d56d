import type { Change } from '../core/changeset.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Referral } from '../core/referral.js';
import { judgePortalReadOnly } from '../core/changeset/portal-layout.js';

/**
 * Rows of the portal's bulk file carry no baseline, but the plan reads each
 * referral they change anyway: a filled read-only cell (Engagement ID) that
 * differs from the referral as read is refused, naming its cell, instead of
 * being dropped silently. Returns the refused changes and why.
 */
export function judgePortalRows(changes: readonly Change[], current: ReadonlyMap<string, Referral>): { refused: Set<Change>; diagnostics: Diagnostic[] } {
  const refused = new Set<Change>();
  const diagnostics: Diagnostic[] = [];
  for (const change of changes) {
    if (change.portalReadOnly === undefined || change.selector.kind !== 'id') continue;
    const referral = current.get(change.selector.id);
    if (referral === undefined) continue; // not found: the planner says so
    const found = judgePortalReadOnly(referral, change.portalReadOnly);
    if (found.length === 0) continue;
    refused.add(change);
    diagnostics.push(...found);
  }
  return { refused, diagnostics };
}
