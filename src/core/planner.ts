import { nounFor, plural } from './plural.js';
import type { Change, InputFile } from './changeset.js';
import { error, info, warning, type Diagnostic, type SourceLocation } from './diagnostics.js';
import { isObject, valueAt } from './json-pointer.js';
import { applyOps, opsForLeaves, type LeafTarget } from './patch.js';
import { PLAN_FORMAT, type Plan, type PlanEntry, type PlanKind, type SettledReferral } from './plan.js';
import { summarisePlan } from './plan-summary.js';
import type { JsonValue, PatchOp, Referral } from './referral.js';
import { isTerminal, judgeTransition, type TransitionTable } from './transitions.js';
import { mergeChanges, memberValue } from './merge-changes.js';
import { buildPlanEntry, describeState, stateOf } from './plan-entry.js';
import { explainViolation, shortLocation } from './plan-messages.js';
import { leafRules, teamArrayPath, type WritablePathTable } from './writable-paths.js';
import { mixedCurrencies } from './where-filter.js';

export { matchesWhere, mixedCurrencies, toODataFilter, FILTERABLE_FIELDS, type ODataFilter, type ODataFilterOptions } from './where-filter.js';

/**
 * The planner: current referrals + resolved changes + rules → plan entries and
 * diagnostics. Pure; the engine reads referrals and resolves selectors first,
 * and decides what to do with errors (fail closed, or `--skip-invalid`).
 */

export interface PlanChangesInput {
  /** The changes in input order. Changes with an `id` selector need no `resolved` row. */
  changes: readonly Change[];
  /** Referrals as read, by id (with their eTag). */
  current: ReadonlyMap<string, Referral>;
  /** Which referrals each `externalReferenceId`/`where` change (or any change) selected; matched by object identity. */
  resolved?: ReadonlyArray<{ change: Change; referralIds: readonly string[] }>;
  /**
   * For a `where` that selected nothing: the referrals its tests select once the
   * tests on fields the change itself sets are dropped. Those already holding the
   * values it sets show the change is done (converged), not that the selector is wrong.
   */
  relaxed?: ReadonlyArray<{ change: Change; referralIds: readonly string[] }>;
  /** specs/transitions.json (`loadTransitionTable()`). */
  table: TransitionTable;
  /** specs/writable-paths.json (`loadWritablePaths()`). */
  writablePaths: WritablePathTable;
  /** Reason policy; defaults to `table.policy`. */
  policy?: { reasonRequiredFor: string[] };
  /** The plan's `createdAt` (the core reads no clock). */
  now: Date;
  baseUrl: string;
  inputs?: InputFile[];
  /** Read requests planning used, recorded in the plan. */
  readRequests?: number;
  /** Defaults to `plan`. */
  kind?: PlanKind;
}

/** A change that did not make it into the plan, for the rejects CSV of `--skip-invalid`. */
export interface RejectedChange {
  source: SourceLocation;
  referralId?: string;
  /** The code of the diagnostic that rejected it. */
  code: string;
  reason: string;
}

export interface PlanChangesResult {
  /** Entries of every referral that planned cleanly (the engine adds the checksum when writing). */
  plan: Omit<Plan, 'checksum'>;
  /** Errors (each one rejected its changes), warnings and infos, in input order. */
  diagnostics: Diagnostic[];
  rejected: RejectedChange[];
  /** Referrals whose changes are all already in place: no entry, counted as `summary.unchanged`. */
  unchanged: string[];
}

interface Work {
  referralId: string;
  changes: Change[];
  /** Selected by an id or externalReferenceId (not only by a `where`): a terminal state is then an error. */
  explicit: boolean;
}

type Planned = PlanEntry | 'unchanged' | { terminal: string } | undefined;

const STATE_PATHS = { status: '/status', substatus: '/substatus', statusReason: '/statusReason' } as const;


/**
 * Plans one referral; pushes diagnostics; returns its entry, `'unchanged'`,
 * `{ terminal }` for a referral only a `where` selected that can take no edit, or
 * `undefined` when rejected.
 */
function planReferral(input: PlanChangesInput, table: TransitionTable, work: Work, referral: Referral, diagnostics: Diagnostic[]): Planned {
  const id = work.referralId;
  const warnings: Diagnostic[] = [];
  const { fields: merged, members, pin: pinned, errors } = mergeChanges(id, work.changes, input.writablePaths);
  if (errors.length > 0) {
    diagnostics.push(...errors);
    return undefined;
  }

  const doc = referral as unknown as JsonValue;
  const targets: LeafTarget[] = [];
  for (const rule of leafRules(input.writablePaths)) {
    const hit = merged.get(rule.field);
    if (hit !== undefined) targets.push({ path: rule.path, value: hit.value });
  }
  const ops: PatchOp[] = opsForLeaves(doc, targets);

  const teamPath = teamArrayPath(input.writablePaths);
  if (members.length > 0 && teamPath !== undefined) {
    const team = valueAt(doc, teamPath);
    const emails = new Set(
      (Array.isArray(team) ? team : []).flatMap((m) => (isObject(m) && typeof m.email === 'string' ? [m.email.toLowerCase()] : [])),
    );
    const fresh: JsonValue[] = [];
    for (const { member, change } of members) {
      const key = member.email.toLowerCase();
      if (emails.has(key)) {
        warnings.push(
          warning('team-member-present', `${shortLocation(change.source)} (referral ${id}): ${member.email} is already on the team; not added again`, {
            at: change.source,
            referralId: id,
          }),
        );
        continue;
      }
      emails.add(key);
      fresh.push(memberValue(member));
    }
    if (Array.isArray(team)) for (const m of fresh) ops.push({ op: 'add', path: `${teamPath}/-`, value: m });
    else if (fresh.length > 0) ops.push({ op: team === undefined ? 'add' : 'replace', path: teamPath, value: fresh });
  }

  diagnostics.push(...warnings);
  if (ops.length === 0) return 'unchanged';

  const beforeState = stateOf(doc);
  // A where selects a set: a member that can take no edit is left as it is and counted, not an error.
  if (!work.explicit && isTerminal(table, beforeState)) return { terminal: describeState(beforeState) };
  const after = applyOps(doc, ops);
  const afterState = stateOf(after);
  const violations = judgeTransition(table, beforeState, afterState, { enforcePolicy: true, isEdit: true });
  if (violations.length > 0) {
    const stateChanges = work.changes.filter((c) => isObject(c.set) && Object.keys(c.set).some((f) => f in STATE_PATHS));
    const blamed = stateChanges.length > 0 ? stateChanges : work.changes;
    for (const v of violations) {
      const at = blamed[0]?.source;
      const { message, hint } = explainViolation(table, v, blamed.map((c) => c.source), id, beforeState);
      diagnostics.push(error(v.code, message, { ...(at === undefined ? {} : { at }), referralId: id, hint }));
    }
    return undefined;
  }

  const eTag = pinned ?? (typeof referral.eTag === 'string' ? referral.eTag : undefined);
  const first = work.changes[0]?.source;
  if (eTag === undefined || eTag === '') {
    diagnostics.push(error('missing-etag', `${shortLocation(first)} (referral ${id}): the referral has no eTag to pin`, { ...(first === undefined ? {} : { at: first }), referralId: id }));
    return undefined;
  }
  const entryWarnings = warnings.map((w) => w.message);
  if (pinned !== undefined && typeof referral.eTag === 'string' && pinned !== referral.eTag) {
    const message = `${shortLocation(first)} (referral ${id}): the referral changed after the row was exported (eTag ${pinned} is now ${referral.eTag}); apply will report it as a conflict`;
    diagnostics.push(warning('stale-pin', message, { ...(first === undefined ? {} : { at: first }), referralId: id }));
    entryWarnings.push(message);
  }

  return buildPlanEntry({ referral, doc, ops, table, sources: work.changes.map((c) => c.source), eTag, warnings: entryWarnings });
}

/**
 * Plans every change: merges the changes that target the same referral, builds
 * the smallest `replace`/`add` patch, pins the eTag and before values, computes
 * inverse ops, and judges the post-patch document against the transition table.
 * A referral with any error is left out whole, its changes listed in `rejected`.
 * Never throws on malformed changes: they become diagnostics.
 */
export function planChanges(input: PlanChangesInput): PlanChangesResult {
  const diagnostics: Diagnostic[] = [];
  const rejected: RejectedChange[] = [];
  const table: TransitionTable = input.policy === undefined ? input.table : { ...input.table, policy: input.policy };
  const resolvedBy = new Map<Change, readonly string[]>();
  for (const row of input.resolved ?? []) resolvedBy.set(row.change, row.referralIds);
  const ordered = [...input.changes, ...[...resolvedBy.keys()].filter((c) => !input.changes.includes(c))];

  const byReferral = new Map<string, Work>();
  const settled: SettledReferral[] = [];
  const relaxedBy = new Map<Change, readonly string[]>();
  for (const row of input.relaxed ?? []) relaxedBy.set(row.change, row.referralIds);
  /** The relaxed candidates of a where that already hold everything it sets. */
  const alreadyHolding = (change: Change): string[] =>
    [...new Set(relaxedBy.get(change) ?? [])].filter((id) => {
      const referral = input.current.get(id);
      if (referral === undefined) return false;
      const scratch: Diagnostic[] = [];
      return planReferral(input, table, { referralId: id, changes: [change], explicit: false }, referral, scratch) === 'unchanged';
    });
  const reject = (change: Change, d: Diagnostic, referralId?: string) => {
    diagnostics.push(d);
    rejected.push({ source: change?.source, ...(referralId === undefined ? {} : { referralId }), code: d.code, reason: d.message });
  };
  for (const change of ordered) {
    try {
      collect(change);
    } catch (e) {
      reject(change, error('unplannable', `${shortLocation(change?.source)}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
  function collect(change: Change): void {
    const at = change?.source;
    const selector = isObject(change?.selector) ? change.selector : undefined;
    const selectsBySet = (change?.selector as { kind?: unknown } | undefined)?.kind === 'where';
    let ids = resolvedBy.get(change);
    if (ids === undefined && selector?.kind === 'id' && typeof selector.id === 'string') ids = [selector.id];
    if (ids === undefined) {
      reject(change, error('unresolved-selector', `${shortLocation(at)}: the selector was not resolved to referrals`, { ...(at === undefined ? {} : { at }) }));
      return;
    }
    if (ids.length === 0) {
      if (change.allowNone === true) return;
      const done = alreadyHolding(change);
      if (done.length > 0) {
        for (const referralId of done) settled.push({ referralId, reason: 'in-place', sources: [change.source] });
        diagnostics.push(
          info('already-applied', `${shortLocation(at)}: the selector matches no referral now, and ${plural(done.length, 'referral')} already hold what it sets: already applied`, {
            ...(at === undefined ? {} : { at }),
          }),
        );
        return;
      }
      reject(
        change,
        error('selector-matched-none', `${shortLocation(at)}: the selector matches no referral`, {
          ...(at === undefined ? {} : { at }),
          hint: 'Check the id or filter, or add `allowNone: true` if matching nothing is fine.',
        }),
      );
      return;
    }
    if (selectsBySet && change.selector.kind === 'where') {
      const matched = ids.flatMap((id) => input.current.get(id) ?? []);
      const currencies = mixedCurrencies(change.selector.tests, matched, input.writablePaths);
      if (currencies !== undefined) {
        reject(
          change,
          error('mixed-currency', `${shortLocation(at)}: the selector compares dealValue across currencies: the ${plural(matched.length, 'referral')} it matches hold ${currencies.join(', ')}`, {
            ...(at === undefined ? {} : { at }),
            hint: `add a currency condition to the where, e.g. currency: ${currencies[0]} (one change per currency)`,
          }),
        );
        return;
      }
    }
    for (const referralId of new Set(ids)) {
      if (!input.current.has(referralId)) {
        reject(change, error('referral-not-found', `${shortLocation(at)}: referral ${referralId} does not exist`, { ...(at === undefined ? {} : { at }), referralId }), referralId);
        continue;
      }
      let work = byReferral.get(referralId);
      if (work === undefined) byReferral.set(referralId, (work = { referralId, changes: [], explicit: false }));
      work.changes.push(change);
      if (!selectsBySet) work.explicit = true;
    }
  }

  const entries: PlanEntry[] = [];
  const unchanged: string[] = [];
  for (const work of byReferral.values()) {
    const before = diagnostics.length;
    let result: Planned;
    try {
      result = planReferral(input, table, work, input.current.get(work.referralId) as Referral, diagnostics);
    } catch (e) {
      const at = work.changes[0]?.source;
      diagnostics.push(
        error('unplannable', `${shortLocation(at)} (referral ${work.referralId}): ${e instanceof Error ? e.message : String(e)}`, {
          ...(at === undefined ? {} : { at }),
          referralId: work.referralId,
        }),
      );
    }
    const sources = work.changes.map((c) => c.source);
    if (result === 'unchanged') {
      unchanged.push(work.referralId);
      settled.push({ referralId: work.referralId, reason: 'in-place', sources });
    } else if (result !== undefined && 'terminal' in result) {
      settled.push({ referralId: work.referralId, reason: 'terminal', state: result.terminal, sources });
    } else if (result !== undefined) entries.push(result);
    else {
      const reasons = diagnostics.slice(before).filter((d) => d.severity === 'error');
      const first = reasons[0];
      for (const change of work.changes) {
        const own = reasons.find((d) => d.at === change.source) ?? first;
        const reason = own === first || own === undefined ? (first?.message ?? 'rejected') : own.message;
        rejected.push({ source: change.source, referralId: work.referralId, code: own?.code ?? 'rejected', reason });
      }
    }
  }

  const plan: Omit<Plan, 'checksum'> = {
    format: PLAN_FORMAT,
    kind: input.kind ?? 'plan',
    createdAt: input.now.toISOString(),
    baseUrl: input.baseUrl,
    inputs: (input.inputs ?? []).map((i) => ({ file: i.file, sha256: i.sha256 })),
    policy: { reasonRequiredFor: [...table.policy.reasonRequiredFor] },
    readRequests: input.readRequests ?? 0,
    entries,
    ...(settled.length === 0 ? {} : { settled }),
    summary: summarisePlan(entries, { writablePaths: input.writablePaths, unchanged: unchanged.length, settled }),
  };
  diagnostics.push(...whereNotes(ordered, resolvedBy, settled));
  return { plan, diagnostics, rejected, unchanged: [...new Set(settled.filter((x) => x.reason === 'in-place').map((x) => x.referralId))] };
}


/** One note per `where` that left members out: "12 matched referrals are Closed and are left as they are; 40 already hold these values". */
function whereNotes(changes: readonly Change[], resolvedBy: ReadonlyMap<Change, readonly string[]>, settled: readonly SettledReferral[]): Diagnostic[] {
  const notes: Diagnostic[] = [];
  for (const change of changes) {
    if (change?.selector?.kind !== 'where') continue;
    const ids = new Set(resolvedBy.get(change) ?? []);
    if (ids.size === 0) continue;
    const mine = settled.filter((x) => ids.has(x.referralId) && x.sources.includes(change.source));
    const terminal = new Map<string, number>();
    for (const x of mine) if (x.reason === 'terminal') terminal.set(x.state?.split('/')[0] ?? '?', (terminal.get(x.state?.split('/')[0] ?? '?') ?? 0) + 1);
    const inPlace = mine.filter((x) => x.reason === 'in-place').length;
    const parts = [...terminal].map(([status, n]) => `${n.toLocaleString('en-US')} ${nounFor(n, 'is', 'are')} ${status} and ${nounFor(n, 'is', 'are')} left as ${nounFor(n, 'it is', 'they are')}`);
    if (inPlace > 0) parts.push(`${inPlace.toLocaleString('en-US')} already ${nounFor(inPlace, 'holds', 'hold')} these values`);
    if (parts.length === 0) continue;
    const at = change.source;
    notes.push(info('where-set', `${shortLocation(at)}: the selector matched ${plural(ids.size, 'referral')}: ${parts.join('; ')}`, { at }));
  }
  return notes;
}
