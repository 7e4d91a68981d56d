import type { SourceLocation } from './diagnostics.js';
import { valueAt } from './json-pointer.js';
import { applyOps, inverseOps } from './patch.js';
import type { PlanEntry } from './plan.js';
import type { JsonValue, PatchOp, Referral } from './referral.js';
import { isIrreversibleMove, type ReferralState, type TransitionTable } from './transitions.js';

const STATE_PATHS = { status: '/status', substatus: '/substatus', statusReason: '/statusReason' } as const;

/** The status fields of a document, as the transition judge reads them. */
export function stateOf(doc: JsonValue): ReferralState {
  const text = (p: string) => {
    const v = valueAt(doc, p);
    return typeof v === 'string' ? v : null;
  };
  return { status: text(STATE_PATHS.status), substatus: text(STATE_PATHS.substatus), statusReason: text(STATE_PATHS.statusReason) };
}

export const describeState = (s: ReferralState): string => `${s.status ?? '?'}/${s.substatus ?? '?'}`;

export interface PlanEntryInput {
  referral: Referral;
  /** The referral's document the ops apply to. */
  doc: JsonValue;
  /** Already judged against the transition table; `replace`/`add` only. */
  ops: PatchOp[];
  table: TransitionTable;
  sources: SourceLocation[];
  eTag: string;
  warnings: string[];
}

/**
 * One plan entry from a referral and its judged patch: before/after of every
 * touched path, inverse ops, the irreversible flag, and the display fields
 * (`transition`, `dealCurrency`) views need when status or currency is not
 * itself touched. The planner and the migration build entries only here.
 */
export function buildPlanEntry(input: PlanEntryInput): PlanEntry {
  const { doc, ops } = input;
  const after = applyOps(doc, ops);
  const beforeState = stateOf(doc);
  const afterState = stateOf(after);
  const inverse = inverseOps(doc, ops);
  const before: Record<string, JsonValue> = {};
  const afterValues: Record<string, JsonValue> = {};
  for (const inv of inverse) {
    before[inv.path] = inv.value;
    afterValues[inv.path] = valueAt(after, inv.path) ?? null;
  }
  const entry: PlanEntry = {
    referralId: input.referral.id,
    sources: input.sources,
    eTag: input.eTag,
    before,
    after: afterValues,
    ops,
    inverse,
    irreversible: isIrreversibleMove(input.table, beforeState, afterState),
    warnings: input.warnings,
  };
  if (typeof input.referral.name === 'string') entry.label = input.referral.name;
  if (describeState(beforeState) !== describeState(afterState)) entry.transition = { from: describeState(beforeState), to: describeState(afterState) };
  if ('/details/dealValue' in before || '/details/currency' in before) {
    const currency = (d: JsonValue) => {
      const c = valueAt(d, '/details/currency');
      return typeof c === 'string' ? c : null;
    };
    entry.dealCurrency = { before: currency(doc), after: currency(after) };
  }
  return entry;
}
