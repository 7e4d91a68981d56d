import type { NotRestorable, PlanEntry } from './plan.js';

/**
 * The rollback of one applied entry. The apply helper calls this after every
 * successful write and rewrites the rollback file, so the file is valid after
 * each entry.
 */
export type InvertedEntry =
  | { kind: 'entry'; entry: PlanEntry }
  | { kind: 'not-restorable'; notRestorable: NotRestorable };

/**
 * Builds the rollback of an applied entry: its inverse ops, pinned to `newETag`
 * (the eTag the write returned), with before/after swapped. An irreversible
 * entry (a closed referral, one that left New) or one without inverse ops
 * cannot be restored through the API: it becomes a `NotRestorable` that keeps
 * its before values for the record.
 */
export function invertEntry(entry: PlanEntry, newETag: string): InvertedEntry {
  if (entry.irreversible || entry.inverse.length === 0) {
    const move = entry.transition === undefined ? '' : ` (${entry.transition.from} → ${entry.transition.to})`;
    return {
      kind: 'not-restorable',
      notRestorable: {
        referralId: entry.referralId,
        before: entry.before,
        reason: entry.irreversible
          ? `the status move${move} cannot be undone through the API`
          : 'the change has no inverse operations',
      },
    };
  }
  const rollback: PlanEntry = {
    referralId: entry.referralId,
    sources: entry.sources,
    eTag: newETag,
    before: entry.after,
    after: entry.before,
    ops: entry.inverse,
    inverse: entry.ops,
    irreversible: false,
    warnings: [],
  };
  if (entry.label !== undefined) rollback.label = entry.label;
  if (entry.dealCurrency !== undefined) rollback.dealCurrency = { before: entry.dealCurrency.after, after: entry.dealCurrency.before };
  return { kind: 'entry', entry: rollback };
}
