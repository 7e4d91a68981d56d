import type { NotRestorable, PlanEntry } from './plan.js';
import type { JsonValue, PatchOp } from './referral.js';
import { isTerminal, type TransitionTable } from './transitions.js';

/**
 * The rollback of one applied entry: what can be put back (`entry`), what cannot
 * (`notRestorable`), or both, when an entry left New and also changed fields
 * that an Active referral still accepts. The apply engine calls this after every
 * successful write and rewrites the rollback file, so the file is valid after
 * each entry.
 */
export interface InvertedEntry {
  entry?: PlanEntry;
  notRestorable?: NotRestorable;
}

const STATE_PATHS = new Set(['/status', '/substatus']);

function pick(values: Record<string, JsonValue>, paths: Iterable<string>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const p of paths) if (Object.prototype.hasOwnProperty.call(values, p)) out[p] = values[p] as JsonValue;
  return out;
}

function rollbackEntry(entry: PlanEntry, ops: PatchOp[], forward: PatchOp[], newETag: string): PlanEntry {
  const paths = ops.map((op) => op.path);
  const rollback: PlanEntry = {
    referralId: entry.referralId,
    sources: entry.sources,
    eTag: newETag,
    before: pick(entry.after, paths),
    after: pick(entry.before, paths),
    ops,
    inverse: forward,
    irreversible: false,
    warnings: [],
  };
  if (entry.label !== undefined) rollback.label = entry.label;
  if (entry.dealCurrency !== undefined) rollback.dealCurrency = { before: entry.dealCurrency.after, after: entry.dealCurrency.before };
  return rollback;
}

/**
 * Builds the rollback of an applied entry, pinned to `newETag` (the eTag the
 * write returned), with before/after swapped.
 * - A reversible entry is restored whole.
 * - An entry that moved the referral into a terminal state (closed it) cannot be
 *   restored at all: a closed referral refuses every edit.
 * - An entry that left New without closing (accept) keeps its status move as not
 *   restorable, but its other fields are restored on the now Active referral.
 *   Without `table` the terminal state cannot be told, so such entries are
 *   treated as not restorable, the safe side.
 */
export function invertEntry(entry: PlanEntry, newETag: string, table?: TransitionTable): InvertedEntry {
  if (entry.inverse.length === 0) {
    return { notRestorable: { referralId: entry.referralId, before: entry.before, reason: 'the change has no inverse operations' } };
  }
  if (!entry.irreversible) return { entry: rollbackEntry(entry, entry.inverse, entry.ops, newETag) };

  const move = entry.transition === undefined ? '' : ` (${entry.transition.from} → ${entry.transition.to})`;
  const reason = `the status move${move} cannot be undone through the API`;
  const substatusAfter = entry.after['/substatus'];
  const closed = table === undefined || isTerminal(table, { substatus: typeof substatusAfter === 'string' ? substatusAfter : null });
  const restorable = entry.inverse.filter((op) => !STATE_PATHS.has(op.path));
  if (closed || restorable.length === 0) {
    return { notRestorable: { referralId: entry.referralId, before: entry.before, reason } };
  }
  return {
    entry: rollbackEntry(entry, restorable, entry.ops.filter((op) => !STATE_PATHS.has(op.path)), newETag),
    notRestorable: { referralId: entry.referralId, before: pick(entry.before, STATE_PATHS), reason: `${reason}; its other fields are restored` },
  };
}
