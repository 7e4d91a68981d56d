import { parsePointer, formatPointer, isObject } from './json-pointer.js';
import type { PlanEntry, PlanSummary, SettledReferral } from './plan.js';
import type { JsonValue } from './referral.js';
import { fieldForPath, type WritablePathTable } from './writable-paths.js';

/**
 * Counts for the top of `plan`/`show`: computed from entries only, so a plan,
 * a rollback file and a migration are summarised the same way, and every view
 * renders these numbers rather than computing its own.
 */

export interface SummaryOptions {
  /** Maps paths to vocabulary fields in `byField`; without it, `byField` is keyed by path. */
  writablePaths?: WritablePathTable;
  /** Referrals whose changes were already in place (they have no entry). */
  unchanged?: number;
  /** Selected referrals without an entry; the terminal ones are counted by status. */
  settled?: readonly SettledReferral[];
}

/** Written leaf paths of an op: `add /details {dealValue, currency}` counts as both leaves. */
function opLeaves(path: string, value: JsonValue): string[] {
  if (!isObject(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([k, v]) => opLeaves(formatPointer([...parsePointer(path), k]), v));
}

function label(state: { status?: JsonValue; substatus?: JsonValue }): string {
  return `${String(state.status ?? '?')}/${String(state.substatus ?? '?')}`;
}

function moveOf(entry: PlanEntry): { from: string; to: string } | undefined {
  if (entry.transition !== undefined) return entry.transition;
  const touched = ['/status', '/substatus'].some((p) => p in entry.after && entry.before[p] !== entry.after[p]);
  if (!touched) return undefined;
  return {
    from: label({ status: entry.before['/status'], substatus: entry.before['/substatus'] }),
    to: label({ status: entry.after['/status'], substatus: entry.after['/substatus'] }),
  };
}

const isAmount = (v: JsonValue | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function summarisePlan(entries: readonly PlanEntry[], options: SummaryOptions = {}): PlanSummary {
  const summary = createSummary(options);
  for (const entry of entries) addToSummary(summary, entry, options.writablePaths);
  return summary;
}

/**
 * The summary of no entries yet, for entries counted one at a time with addToSummary (a
 * rollback file of 50,000 entries is summarised as its entries are produced, never held).
 */
export function createSummary(options: SummaryOptions = {}): PlanSummary {
  const summary: PlanSummary = { entries: 0, ops: 0, irreversible: 0, byField: {}, statusMoves: {}, dealValue: {} };
  if (options.unchanged !== undefined) summary.unchanged = options.unchanged;
  const terminal = (options.settled ?? []).filter((x) => x.reason === 'terminal');
  if (terminal.length > 0) {
    summary.terminal = {};
    for (const x of new Map(terminal.map((t) => [t.referralId, t])).values()) {
      const status = x.state?.split('/')[0] ?? '?';
      summary.terminal[status] = (summary.terminal[status] ?? 0) + 1;
    }
  }
  if (options.settled !== undefined && options.unchanged !== undefined) {
    summary.unchanged = new Set(options.settled.filter((x) => x.reason === 'in-place').map((x) => x.referralId)).size;
  }
  return summary;
}

/** Counts one more entry into `summary` (see createSummary). */
export function addToSummary(summary: PlanSummary, entry: PlanEntry, writablePaths?: WritablePathTable): void {
  summary.entries += 1;
  summary.ops += entry.ops.length;
  if (entry.irreversible) summary.irreversible += 1;
  const fields = new Set<string>();
  for (const op of entry.ops) {
    const direct = writablePaths?.writable.find((r) => r.path === op.path);
    if (direct !== undefined) fields.add(direct.field);
    else for (const leaf of opLeaves(op.path, op.value)) fields.add(fieldForPath(writablePaths, leaf));
  }
  for (const f of fields) summary.byField[f] = (summary.byField[f] ?? 0) + 1;
  const move = moveOf(entry);
  if (move !== undefined && move.from !== move.to) {
    const key = `${move.from} -> ${move.to}`;
    summary.statusMoves[key] = (summary.statusMoves[key] ?? 0) + 1;
  }
  // Totals cover entries that change dealValue; an absent value adds nothing to its side.
  if ('/details/dealValue' in entry.after) {
    const beforeCurrency = String(entry.dealCurrency?.before ?? entry.before['/details/currency'] ?? '?');
    const afterCurrency = String(entry.dealCurrency?.after ?? entry.after['/details/currency'] ?? beforeCurrency);
    const beforeValue = entry.before['/details/dealValue'];
    const afterValue = entry.after['/details/dealValue'];
    if (isAmount(beforeValue)) (summary.dealValue[beforeCurrency] ??= { before: 0, after: 0 }).before += beforeValue;
    if (isAmount(afterValue)) (summary.dealValue[afterCurrency] ??= { before: 0, after: 0 }).after += afterValue;
  }
}
