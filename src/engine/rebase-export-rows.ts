import type { Change } from '../core/changeset.js';
import type { JsonValue, Referral } from '../core/referral.js';
import { valueAt } from '../core/json-pointer.js';
import { leafEqual } from '../core/patch.js';
import { latestOwnVersion, type RefplanWrites } from '../files/refplan-writes.js';
import { loadWritablePaths } from '../schema/specs.js';

/**
 * The spreadsheet loop, turn after turn: rows of an export are planned against
 * its baseline, except rows whose referral refplan itself has written since
 * (its journals say so): those are re-read, and pinned to the version refplan's
 * last write produced, so the edits already applied plan to nothing and only
 * what is still different is planned. With `refresh`, every row is re-read.
 *
 * A re-read row whose referral someone else changed since is rebased on
 * `refresh` only: cells still holding the exported value are not changes (they
 * would undo the other edit), and the pin becomes the current version.
 * Without `refresh` it keeps refplan's pin, so apply reports the conflict.
 */
export interface RebasePlan {
  changes: Change[];
  /** Baseline referrals still used as the current state (re-read rows removed). */
  known: Map<string, Referral>;
  /** Index → the snapshot of a row to rebase once the current referral is read. */
  rebaseAfterRead: Map<number, Referral>;
  /** Rows refplan wrote since the export. */
  ownWrites: number;
}

export function planRebase(
  changes: readonly Change[],
  snapshots: ReadonlyMap<Change, Referral>,
  known: ReadonlyMap<string, Referral>,
  writes: RefplanWrites,
  refresh: boolean,
): RebasePlan {
  const stillKnown = new Map(known);
  const rebaseAfterRead = new Map<number, Referral>();
  let ownWrites = 0;
  const out = changes.map((change, index) => {
    const snapshot = snapshots.get(change);
    if (snapshot === undefined || change.selector.kind !== 'id' || change.pinnedETag === undefined) return change;
    const latest = latestOwnVersion(writes, snapshot.id, change.pinnedETag);
    if (refresh) rebaseAfterRead.set(index, snapshot);
    if (latest === change.pinnedETag && !refresh) return change;
    stillKnown.delete(snapshot.id);
    if (latest === change.pinnedETag) return change;
    ownWrites += 1;
    return { ...change, pinnedETag: latest };
  });
  return { changes: out, known: stillKnown, rebaseAfterRead, ownWrites };
}

/** A re-read row on `--refresh`: only cells that differ from the export are changes, pinned to the current version. */
export function rebaseRow(change: Change, snapshot: Referral, current: Referral | undefined): Change {
  if (current === undefined || current.eTag === undefined || current.eTag === change.pinnedETag) return change;
  const paths = new Map(loadWritablePaths().writable.map((w) => [w.field, w.path]));
  const set: Change['set'] = {};
  for (const [field, value] of Object.entries(change.set) as [keyof Change['set'], string | number | null][]) {
    const path = paths.get(field);
    const exported = path === undefined ? undefined : valueAt(snapshot as unknown as JsonValue, path);
    if (path !== undefined && leafEqual(exported ?? null, value ?? null)) continue;
    set[field] = value;
  }
  return { ...change, set, pinnedETag: current.eTag };
}
