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

/** True when `op` writes `path` or inside it (`/team/-` is inside `/team`). */
function touches(op: PatchOp, paths: ReadonlySet<string>): boolean {
  for (const p of paths) if (op.path === p || op.path.startsWith(`${p}/`)) return true;
  return false;
}

/**
 * The rollback entry restores `paths` (keys of the entry's before/after values, which is what
 * an ambiguous write is judged on). Taken from the values, not from the op paths: an `add` to
 * `/team/-` is judged on `/team`, so the rollback of a rollback is judged on it too.
 */
function rollbackEntry(entry: PlanEntry, paths: ReadonlySet<string>, ops: PatchOp[], forward: PatchOp[], newETag: string): PlanEntry {
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
export interface InvertOptions {
  /**
   * Touched paths someone else changed after this entry's write committed: the rollback leaves
   * them as they are (restoring them would overwrite that edit) and restores only the rest.
   */
  changedByOthers?: readonly string[];
}

export function invertEntry(entry: PlanEntry, newETag: string, table?: TransitionTable, options: InvertOptions = {}): InvertedEntry {
  if (entry.inverse.length === 0) {
    return { notRestorable: { referralId: entry.referralId, before: entry.before, reason: 'the change has no inverse operations' } };
  }
  const others = new Set(options.changedByOthers ?? []);
  const left = (paths: ReadonlySet<string>): InvertedEntry => {
    const keep = new Set([...Object.keys(entry.before)].filter((p) => !paths.has(p)));
    const restorable = entry.inverse.filter((op) => !touches(op, paths));
    const forward = entry.ops.filter((op) => !touches(op, paths));
    return restorable.length === 0 || keep.size === 0 ? {} : { entry: rollbackEntry(entry, keep, restorable, forward, newETag) };
  };
  const othersNote = (): NotRestorable | undefined =>
    others.size === 0
      ? undefined
      : {
          referralId: entry.referralId,
          before: pick(entry.before, others),
          reason: `changed by someone else after refplan's write (${[...others].join(', ')}); left as they are, not to overwrite that edit`,
        };
  if (!entry.irreversible) {
    const inverted = left(others);
    const note = othersNote();
    if (inverted.entry === undefined) return { notRestorable: note ?? { referralId: entry.referralId, before: entry.before, reason: 'nothing left to restore' } };
    return note === undefined ? inverted : { ...inverted, notRestorable: note };
  }

  const move = entry.transition === undefined ? '' : ` (${entry.transition.from} → ${entry.transition.to})`;
  const reason = `the status move${move} cannot be undone through the API`;
  const substatusAfter = entry.after['/substatus'];
  const closed = table === undefined || isTerminal(table, { substatus: typeof substatusAfter === 'string' ? substatusAfter : null });
  const inverted = closed ? {} : left(new Set([...STATE_PATHS, ...others]));
  if (inverted.entry === undefined) {
    return { notRestorable: { referralId: entry.referralId, before: entry.before, reason } };
  }
  const othersPart = others.size === 0 ? '' : `; ${[...others].join(', ')} changed by someone else after refplan's write, left as they are`;
  return {
    ...inverted,
    notRestorable: { referralId: entry.referralId, before: pick(entry.before, new Set([...STATE_PATHS, ...others])), reason: `${reason}${othersPart}; its other fields are restored` },
  };
}
