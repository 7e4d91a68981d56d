import { canonicalJson } from '../../core/canonical-json.js';
import { maskPii, maskText } from '../../core/mask-pii.js';
import { formatMoney } from '../../core/money.js';
import type { Plan, PlanEntry } from '../../core/plan.js';
import type { JsonValue } from '../../core/referral.js';
import { loadWritablePaths } from '../../schema/specs.js';

/**
 * What every plan view (terminal, HTML) shows, derived from the plan document
 * alone: field names for paths, before → after rows, team members added or
 * removed, the status move of an entry. Views format these; none of them reads
 * anything but the plan, so the views and `--json` cannot disagree.
 */

export interface DisplayOptions {
  /** Show e-mail addresses and phone numbers unmasked. */
  showPii?: boolean;
}

/** The deal currency on each side of an entry; null when the referral has none. */
export interface SideCurrency {
  before: string | null;
  after: string | null;
}

export type DiffRow =
  | { kind: 'change'; field: string; path: string; before: JsonValue; after: JsonValue; currency?: SideCurrency }
  | { kind: 'member-added' | 'member-removed'; field: string; path: string; member: JsonValue };

const STATUS = '/status';
const SUBSTATUS = '/substatus';
const TEAM = '/team';
export const DEAL_VALUE = '/details/dealValue';
const CURRENCY = '/details/currency';

let pathOrder: Map<string, { field: string; index: number }> | undefined;

function writableByPath(): Map<string, { field: string; index: number }> {
  if (pathOrder === undefined) {
    pathOrder = new Map(loadWritablePaths().writable.map((w, index) => [w.path, { field: w.field, index }]));
  }
  return pathOrder;
}

/** The change-set vocabulary name of a path (`/details/dealValue` → `dealValue`); the path itself outside the vocabulary. */
export function fieldOf(path: string): string {
  return writableByPath().get(path)?.field ?? path.replace(/^\//, '');
}

function orderOf(path: string): number {
  return writableByPath().get(path)?.index ?? Number.MAX_SAFE_INTEGER;
}

export function maskedValue(value: JsonValue, path: string, options: DisplayOptions): JsonValue {
  return options.showPii === true ? value : maskPii(value, path);
}

export function maskedText(text: string, options: DisplayOptions): string {
  return options.showPii === true ? text : maskText(text);
}

function memberKey(member: JsonValue): string {
  if (member !== null && typeof member === 'object' && !Array.isArray(member)) {
    const email = member['email'];
    if (typeof email === 'string') return `email:${email.toLowerCase()}`;
  }
  return canonicalJson(member);
}

function membersDiff(before: JsonValue, after: JsonValue): { added: JsonValue[]; removed: JsonValue[] } {
  const b = Array.isArray(before) ? before : [];
  const a = Array.isArray(after) ? after : [];
  const inBefore = new Set(b.map(memberKey));
  const inAfter = new Set(a.map(memberKey));
  return { added: a.filter((m) => !inBefore.has(memberKey(m))), removed: b.filter((m) => !inAfter.has(memberKey(m))) };
}

/** The entry's rows, in the order of specs/writable-paths.json (status first), masked unless showPii. */
export function diffRows(entry: PlanEntry, options: DisplayOptions = {}): DiffRow[] {
  const paths = new Set<string>([...Object.keys(entry.before), ...Object.keys(entry.after)]);
  const rows: DiffRow[] = [];
  const sorted = [...paths].sort((x, y) => orderOf(x) - orderOf(y) || (x < y ? -1 : x > y ? 1 : 0));
  let teamShown = false;
  for (const path of sorted) {
    const before = entry.before[path] ?? null;
    const after = entry.after[path] ?? null;
    if (path === TEAM && (Array.isArray(before) || Array.isArray(after))) {
      teamShown = true;
      const { added, removed } = membersDiff(before, after);
      for (const m of added) rows.push({ kind: 'member-added', field: 'team', path, member: maskedValue(m, path, options) });
      for (const m of removed) rows.push({ kind: 'member-removed', field: 'team', path, member: maskedValue(m, path, options) });
      continue;
    }
    if (path.endsWith('/-')) continue; // an append; shown from the ops below
    const row: DiffRow = { kind: 'change', field: fieldOf(path), path, before: maskedValue(before, path, options), after: maskedValue(after, path, options) };
    if (path === DEAL_VALUE) row.currency = dealCurrencyOf(entry);
    rows.push(row);
  }
  if (!teamShown) {
    for (const op of entry.ops) {
      if (op.op === 'add' && op.path === `${TEAM}/-`) {
        rows.push({ kind: 'member-added', field: 'team', path: TEAM, member: maskedValue(op.value, TEAM, options) });
      }
    }
  }
  return rows;
}

/** `Active/Accepted` style state of one side of an entry, when the entry touches status or substatus. */
function stateOf(values: Record<string, JsonValue>): string {
  const status = values[STATUS];
  const substatus = values[SUBSTATUS];
  const s = typeof status === 'string' ? status : '?';
  return typeof substatus === 'string' ? `${s}/${substatus}` : s;
}

/** "Active/Accepted → Closed/Lost" when the entry moves status or substatus, else undefined. */
export function statusMoveOf(entry: PlanEntry): { from: string; to: string } | undefined {
  const touches = (v: Record<string, JsonValue>) => STATUS in v || SUBSTATUS in v;
  if (!touches(entry.before) && !touches(entry.after)) return undefined;
  return { from: stateOf(entry.before), to: stateOf(entry.after) };
}

/** summary.statusMoves keys are "A/B -> C/D"; views print an arrow. */
export function prettyMove(key: string): string {
  return key.replace(/\s*->\s*/, ' → ');
}

/** What an entry does, for "By action" counts: close (Lost), accept, add team member, edit. */
export function actionsOf(entry: PlanEntry): string[] {
  const actions: string[] = [];
  const beforeStatus = entry.before[STATUS];
  const afterStatus = entry.after[STATUS];
  if (afterStatus !== undefined && afterStatus !== beforeStatus) {
    if (afterStatus === 'Closed') {
      const sub = entry.after[SUBSTATUS];
      actions.push(typeof sub === 'string' ? `close (${sub})` : 'close');
    } else if (afterStatus === 'Active') actions.push('accept');
    else actions.push(`move to ${String(afterStatus)}`);
  }
  const rows = diffRows(entry, { showPii: true });
  if (rows.some((r) => r.kind === 'member-added')) actions.push('add team member');
  if (rows.some((r) => r.kind === 'member-removed')) actions.push('remove team member');
  const statusish = new Set(['status', 'substatus', 'statusReason']);
  const closesOrAccepts = actions.length > 0 && (actions[0]!.startsWith('close') || actions[0] === 'accept' || actions[0]!.startsWith('move'));
  if (rows.some((r) => r.kind === 'change' && !(closesOrAccepts && statusish.has(r.field)))) actions.push('edit');
  return actions;
}

/** Counts by action over all entries, most frequent first. */
export function actionCounts(plan: Plan): [string, number][] {
  const counts = new Map<string, number>();
  for (const entry of plan.entries) for (const a of actionsOf(entry)) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
}

/** Status moves grouped by target state: "Closed/Lost" → 37. */
export function movesByTarget(plan: Plan): [string, number][] {
  const counts = new Map<string, number>();
  for (const [key, n] of Object.entries(plan.summary.statusMoves)) {
    const to = key.split(/\s*->\s*/)[1] ?? key;
    counts.set(to, (counts.get(to) ?? 0) + n);
  }
  return [...counts].sort((x, y) => y[1] - x[1]);
}

/**
 * The deal currency of each side: the planner records it in `dealCurrency`
 * (the currency may be untouched, so absent from before/after); older plans
 * carry it only when the currency itself changes.
 */
export function dealCurrencyOf(entry: PlanEntry): SideCurrency {
  const text = (v: JsonValue | undefined) => (typeof v === 'string' && v !== '' ? v : null);
  const before = entry.dealCurrency?.before ?? text(entry.before[CURRENCY]);
  const after = entry.dealCurrency?.after ?? text(entry.after[CURRENCY]) ?? before;
  return { before, after };
}

/** A value as a person reads it: strings bare, null as "(none)", money in its currency's format with the code. */
export function formatValue(value: JsonValue, path: string, maxLength = Infinity, currency?: string | null): string {
  let text: string;
  if (value === null) text = '(none)';
  else if (typeof value === 'string') text = value === '' ? '""' : value;
  else if (typeof value === 'number') text = path === DEAL_VALUE ? formatMoney(value, currency) : String(value);
  else if (typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  text = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** The two sides of a change row as text, each money value with its own side's currency. */
export function rowTexts(row: Extract<DiffRow, { kind: 'change' }>): { before: string; after: string } {
  return { before: formatValue(row.before, row.path, Infinity, row.currency?.before), after: formatValue(row.after, row.path, Infinity, row.currency?.after) };
}

/** A team member as "j***@contoso.com (Jane Doe, ***-***-0001)". */
export function formatMember(member: JsonValue): string {
  if (member === null || typeof member !== 'object' || Array.isArray(member)) return formatValue(member, TEAM);
  const str = (k: string) => (typeof member[k] === 'string' && member[k] !== '' ? (member[k] as string) : undefined);
  const name = [str('firstName'), str('lastName')].filter((x) => x !== undefined).join(' ');
  const extra = [name === '' ? undefined : name, str('phoneNumber')].filter((x) => x !== undefined);
  const head = str('email') ?? (name === '' ? JSON.stringify(member) : name);
  const rest = str('email') === undefined ? extra.slice(1) : extra;
  return rest.length > 0 ? `${head} (${rest.join(', ')})` : head;
}

export function kindTitle(plan: Plan): string {
  switch (plan.kind) {
    case 'plan':
      return 'Plan';
    case 'rollback':
      return 'Rollback plan';
    case 'migration':
      return 'Migration plan';
    default: {
      const never: never = plan.kind;
      return String(never);
    }
  }
}

/** A money move in one currency, `1,000.00 → 1,500.00 USD`; both codes when the currency changes too. */
export function moneyMove(before: JsonValue, after: JsonValue, currency: SideCurrency): string {
  const side = (v: JsonValue, cur: string | null, withCode: boolean) => (typeof v === 'number' ? formatMoney(v, cur, { withCode }) : formatValue(v, DEAL_VALUE));
  if (currency.before === currency.after) {
    const tail = currency.after === null ? '' : ` ${currency.after}`;
    return `${side(before, currency.before, false)} → ${side(after, currency.after, false)}${tail}`;
  }
  return `${side(before, currency.before, true)} → ${side(after, currency.after, true)}`;
}

/**
 * One entry in a phrase, for one-line views (table, CSV, Markdown): the status
 * move, the money move with its currency, team members added or removed, then
 * the other fields by name.
 */
export function changeSummary(entry: PlanEntry, options: DisplayOptions = {}): string {
  const parts: string[] = [];
  const move = statusMoveOf(entry);
  const moved = move !== undefined && move.from !== move.to;
  if (moved) parts.push(`${move.from} → ${move.to}`);
  const others: string[] = [];
  let added = 0;
  let removed = 0;
  for (const row of diffRows(entry, options)) {
    if (row.kind !== 'change') {
      if (row.kind === 'member-added') added++;
      else removed++;
    } else if (row.path === DEAL_VALUE) parts.push(`dealValue ${moneyMove(row.before, row.after, row.currency ?? { before: null, after: null })}`);
    else if (!(moved && (row.path === STATUS || row.path === SUBSTATUS))) others.push(row.field);
  }
  if (added > 0) parts.push(`team +${added}`);
  if (removed > 0) parts.push(`team −${removed}`);
  if (others.length > 0) parts.push(others.join(', '));
  return parts.join('; ');
}

export interface CurrencyTotal {
  currency: string;
  before: number;
  after: number;
  /** Entries whose deal value changes in this currency (on either side). */
  referrals: number;
}

/** Deal value totals per currency from plan.summary (never recomputed), by code, with how many referrals each covers. */
export function dealTotals(plan: Plan): CurrencyTotal[] {
  const counts = new Map<string, number>();
  for (const entry of plan.entries) {
    if (!(DEAL_VALUE in entry.after)) continue;
    const { before, after } = dealCurrencyOf(entry);
    for (const cur of new Set([before ?? '?', after ?? before ?? '?'])) counts.set(cur, (counts.get(cur) ?? 0) + 1);
  }
  return Object.entries(plan.summary.dealValue)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, t]) => ({ currency, before: t.before, after: t.after, referrals: counts.get(currency) ?? 0 }));
}

/** The entries a view lists: all, or only the referrals asked for (in plan order). */
export function selectEntries(plan: Plan, referralIds?: readonly string[]): PlanEntry[] {
  if (referralIds === undefined || referralIds.length === 0) return plan.entries;
  const wanted = new Set(referralIds);
  return plan.entries.filter((e) => wanted.has(e.referralId));
}
