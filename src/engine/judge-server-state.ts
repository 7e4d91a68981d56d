import { leafEqual } from '../core/patch.js';
import { valueAt } from '../core/json-pointer.js';
import type { PlanEntry } from '../core/plan.js';
import type { JsonValue, Referral } from '../core/referral.js';
import type { FieldDiff } from './events.js';

/**
 * What a referral read back from the server means for an entry: the one rule
 * behind ambiguous writes (connection lost after sending), 412s, and resumed
 * entries whose request may or may not have been committed.
 *
 * - every touched path holds the planned `after` value: the write is done.
 *   If this run (or the interrupted one) may have committed it, it is
 *   `applied` (and its eTag pinned in the rollback); otherwise the referral was
 *   already in the target state: `unchanged`.
 * - the referral still carries the eTag the request was sent with: nothing was
 *   committed, so the same request may be sent again (If-Match still guards it).
 * - otherwise someone else changed it. The touched paths whose value differs
 *   from the pinned `before` are the "changed since plan" diff. But a PATCH is
 *   atomic: when our write may have committed and a touched path holds refplan's
 *   planned value where that differs from the pinned before, the write was
 *   applied, and the touched paths that now hold something else were changed by
 *   someone else afterwards (`changedAfterApply`). With rebase and
 *   an empty diff, the same ops are re-sent on the new eTag; anything else is a
 *   conflict and is never overwritten.
 */
export type ServerVerdict =
  | { kind: 'applied'; eTag: string; changedAfterApply?: FieldDiff[] }
  | { kind: 'unchanged'; eTag: string }
  | { kind: 'resend' }
  | { kind: 'rebase'; eTag: string }
  | { kind: 'conflict'; eTag: string; changedSincePlan: FieldDiff[]; message: string };

export function judgeServerState(
  entry: PlanEntry,
  current: Referral,
  sentWithETag: string,
  options: { mayHaveCommitted: boolean; rebase: boolean },
): ServerVerdict {
  const doc = current as unknown as JsonValue;
  const eTag = current.eTag ?? '';
  const holdsAfter = Object.entries(entry.after).every(([path, value]) => sameValue(valueAt(doc, path), value));
  if (holdsAfter) return options.mayHaveCommitted ? { kind: 'applied', eTag } : { kind: 'unchanged', eTag };
  if (eTag === sentWithETag) return { kind: 'resend' };
  if (options.mayHaveCommitted) {
    const ours = Object.entries(entry.after).some(
      ([path, value]) => !sameValue(value, entry.before[path]) && sameValue(valueAt(doc, path), value),
    );
    if (ours) {
      const changedAfterApply = Object.entries(entry.after)
        .filter(([path, value]) => !sameValue(valueAt(doc, path), value))
        .map(([path, value]) => ({ path, planned: value, now: valueAt(doc, path) ?? null }));
      return { kind: 'applied', eTag, changedAfterApply };
    }
  }
  const changedSincePlan = diffSincePlan(entry, doc);
  if (changedSincePlan.length === 0) {
    if (options.rebase) return { kind: 'rebase', eTag };
    return {
      kind: 'conflict',
      eTag,
      changedSincePlan,
      message:
        'the referral was changed since the plan (new eTag), but none of the fields this entry touches changed; run apply again with --rebase to apply it on the new version',
    };
  }
  const fields = changedSincePlan.map((d) => d.path).join(', ');
  return {
    kind: 'conflict',
    eTag,
    changedSincePlan,
    message: `changed since plan: ${fields} (not overwritten; re-plan this referral to include the other edit)`,
  };
}

/** Touched paths whose server value differs from the before value pinned in the plan. */
export function diffSincePlan(entry: PlanEntry, doc: JsonValue): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  for (const [path, planned] of Object.entries(entry.before)) {
    const now = valueAt(doc, path) ?? null;
    if (!sameValue(now, planned)) diffs.push({ path, planned, now });
  }
  return diffs;
}

/**
 * The planner's equality (leafEqual: one instant in two spellings is no edit, the API answers
 * `…00.0000000Z` where a change set says `…00Z`), with absent and `null` the same.
 */
function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return leafEqual(a ?? null, b ?? null);
}
