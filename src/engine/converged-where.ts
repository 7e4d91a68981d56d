import type { Change, WhereTest } from '../core/changeset.js';
import type { Referral } from '../core/referral.js';
import { wherePath } from '../core/where-filter.js';
import { loadWritablePaths } from '../schema/specs.js';
import { resolveSelectors, type ReferralReader, type Resolution } from './resolve-selectors.js';

/**
 * A declarative re-plan: `where: {status: New}, set: {status: Active}` matches
 * nothing once it has been applied. To tell "already done" from "matches nothing
 * at all" (a typo), a `where` that matched nothing is judged again without its
 * tests on fields the change itself sets; the planner then counts which of those
 * referrals already hold the values. A `where` with no such test is not re-read:
 * matching nothing stays an error.
 */
export interface RelaxedMatches {
  relaxed: { change: Change; referralIds: string[] }[];
  /** Referrals read for it (added to what planning compares against). */
  referrals: Map<string, Referral>;
}

/** The tests of a where that are not about a field the change sets (`undefined` when none is). */
export function relaxedTests(change: Change): WhereTest[] | undefined {
  if (change.selector.kind !== 'where') return undefined;
  const writablePaths = loadWritablePaths();
  const setPaths = new Set(
    Object.keys(change.set).map((field) => wherePath(field, writablePaths).toLowerCase()),
  );
  const kept = change.selector.tests.filter((t) => !setPaths.has(wherePath(String(t.field), writablePaths).toLowerCase()));
  return kept.length === change.selector.tests.length ? undefined : kept;
}

export async function resolveRelaxed(reader: ReferralReader, changes: readonly Change[], resolution: Resolution): Promise<RelaxedMatches> {
  const originals: Change[] = [];
  const probes: Change[] = [];
  changes.forEach((change, i) => {
    if ((resolution.matches[i] ?? []).length > 0 || change.allowNone === true) return;
    const tests = relaxedTests(change);
    if (tests === undefined) return;
    originals.push(change);
    probes.push({ ...change, selector: { kind: 'where', tests } });
  });
  if (probes.length === 0) return { relaxed: [], referrals: new Map() };
  const read = await resolveSelectors(reader, probes);
  return {
    relaxed: originals.map((change, i) => ({ change, referralIds: read.matches[i] ?? [] })),
    referrals: read.referrals,
  };
}
