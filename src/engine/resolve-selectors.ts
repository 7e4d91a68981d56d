import type { Change, WhereTest } from '../core/changeset.js';
import type { Referral } from '../core/referral.js';
import type { ReferralsClient } from '../api/types.js';
import { matchesWhere, toODataFilter } from '../core/planner.js';
import { loadWritablePaths } from '../schema/specs.js';
import {
  PAGE_SIZE,
  buildKeyFilters,
  chooseReadPlan,
  decideAfterProbe,
  type ReadNeeds,
} from './read-strategy.js';

/** The part of the API client selector resolution uses: reads only. */
export type ReferralReader = Pick<ReferralsClient, 'getReferral' | 'listReferrals'>;

export type ReadMode = 'none' | 'get-one' | 'targeted' | 'list-all';

export interface Resolution {
  /** Every referral read (or known from an export baseline), by id. */
  referrals: Map<string, Referral>;
  /** For each change (same index as the input), the ids it selects; empty when it selects nothing. */
  matches: string[][];
  /** How the referrals were read, for the record and for tests. */
  mode: ReadMode;
}

export interface ResolveOptions {
  /** Referrals already known without reading (the export baseline). Changes selecting them by id are not read. */
  known?: ReadonlyMap<string, Referral>;
}

function statusOf(e: unknown): number | undefined {
  if (typeof e === 'object' && e !== null && 'status' in e && typeof (e as { status: unknown }).status === 'number') {
    return (e as { status: number }).status;
  }
  return undefined;
}

async function collect(reader: ReferralReader, filter: string | undefined, into: Map<string, Referral>): Promise<Referral[]> {
  const found: Referral[] = [];
  const query = filter === undefined ? { top: PAGE_SIZE } : { filter, top: PAGE_SIZE };
  for await (const page of reader.listReferrals(query)) {
    for (const r of page.value) {
      into.set(r.id, r);
      found.push(r);
    }
  }
  return found;
}

/**
 * Reads the referrals a change set selects, as cheaply as the strategy in
 * read-strategy.ts allows, and maps every change to the ids it selects.
 * Referrals in `known` (an export baseline) take precedence over what is read:
 * their rows were edited against those values. Nothing here writes; API errors
 * (network, auth, 5xx after retries) propagate.
 */
export async function resolveSelectors(
  reader: ReferralReader,
  changes: readonly Change[],
  options: ResolveOptions = {},
): Promise<Resolution> {
  const known = options.known ?? new Map<string, Referral>();
  const writablePaths = loadWritablePaths();
  const read = new Map<string, Referral>();
  const ids = new Set<string>();
  const externalIds = new Set<string>();
  const wheres: { index: number; tests: WhereTest[]; pushed: string | undefined; local: WhereTest[] }[] = [];
  changes.forEach((change, index) => {
    const s = change.selector;
    if (s.kind === 'id') {
      if (!known.has(s.id)) ids.add(s.id);
    } else if (s.kind === 'externalReferenceId') externalIds.add(s.externalReferenceId);
    else {
      const { pushed, local } = toODataFilter(s.tests, { writablePaths });
      wheres.push({ index, tests: s.tests, pushed: pushed === undefined || pushed === '' ? undefined : pushed, local });
    }
  });

  const needs = (): ReadNeeds => ({
    ids: ids.size,
    idBatches: buildKeyFilters('id', [...ids]).length,
    externalIdBatches: buildKeyFilters('externalReferenceId', [...externalIds]).length,
    filteredWheres: wheres.filter((w) => w.pushed !== undefined).length,
    unfilterableWheres: wheres.filter((w) => w.pushed === undefined).length,
  });

  const whereResults = new Map<number, Referral[]>();
  const first = chooseReadPlan(needs());
  let mode: ReadMode = first.kind === 'nothing' ? 'none' : first.kind === 'probe' ? 'targeted' : first.kind;
  if (first.kind === 'probe') {
    // Page 1 of the unfiltered list: its count decides, and its referrals are kept either way.
    for await (const page of reader.listReferrals({ top: PAGE_SIZE })) {
      for (const r of page.value) read.set(r.id, r);
      if (mode === 'list-all') continue; // the remaining pages follow nextLink
      for (const r of page.value) ids.delete(r.id);
      mode = decideAfterProbe(page.count ?? Number.POSITIVE_INFINITY, needs());
      if (mode !== 'list-all') break;
    }
  } else if (first.kind === 'list-all') {
    await collect(reader, undefined, read);
  }

  if (mode === 'list-all') {
    const all = [...read.values()];
    for (const w of wheres) whereResults.set(w.index, all.filter((r) => matchesWhere(r, w.tests, writablePaths)));
  } else if (mode === 'get-one') {
    await Promise.all([...ids].map((id) => getInto(reader, id, read)));
  } else if (mode === 'targeted') {
    await readTargeted(reader, [...ids], [...externalIds], read);
    await Promise.all(
      wheres.map(async (w) => {
        const found = await collect(reader, w.pushed, read);
        whereResults.set(w.index, found.filter((r) => matchesWhere(r, w.local, writablePaths)));
      }),
    );
  }

  const referrals = new Map<string, Referral>(read);
  for (const [id, r] of known) referrals.set(id, r);
  return { referrals, mode, matches: matchChanges(changes, referrals, whereResults) };
}

async function readTargeted(
  reader: ReferralReader,
  ids: string[],
  externalIds: string[],
  into: Map<string, Referral>,
): Promise<void> {
  await Promise.all([
    ...buildKeyFilters('id', ids).map(async (batch) => {
      try {
        await collect(reader, batch.filter, into);
      } catch (e) {
        // An API that refuses to filter on id (400) is read one GET per id instead.
        if (statusOf(e) !== 400) throw e;
        await Promise.all(batch.keys.map((id) => getInto(reader, id, into)));
      }
    }),
    ...buildKeyFilters('externalReferenceId', externalIds).map((batch) => collect(reader, batch.filter, into)),
  ]);
}

async function getInto(reader: ReferralReader, id: string, into: Map<string, Referral>): Promise<void> {
  try {
    const r = await reader.getReferral(id);
    into.set(r.id, r);
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
}

function matchChanges(
  changes: readonly Change[],
  referrals: ReadonlyMap<string, Referral>,
  whereResults: ReadonlyMap<number, Referral[]>,
): string[][] {
  const byExternal = new Map<string, string[]>();
  for (const r of referrals.values()) {
    if (typeof r.externalReferenceId === 'string' && r.externalReferenceId !== '') {
      const list = byExternal.get(r.externalReferenceId) ?? [];
      list.push(r.id);
      byExternal.set(r.externalReferenceId, list);
    }
  }
  // Not-found and matched-nothing are judged by the planner (one source of those errors).
  return changes.map((change, index): string[] => {
    const s = change.selector;
    if (s.kind === 'id') return [s.id];
    if (s.kind === 'externalReferenceId') return byExternal.get(s.externalReferenceId) ?? [];
    return (whereResults.get(index) ?? []).map((r) => r.id);
  });
}
