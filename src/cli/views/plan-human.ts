import pc from 'picocolors';
import { formatLocation } from '../../core/diagnostics.js';
import { escapeControlsDeep } from '../../core/terminal-text.js';
import type { Plan, PlanEntry } from '../../core/plan.js';
import {
  actionCounts,
  diffRows,
  formatMember,
  formatMoney,
  formatSignedMoney,
  formatValue,
  kindTitle,
  maskedText,
  maskedValue,
  movesByTarget,
  prettyMove,
  statusMoveOf,
  type DisplayOptions,
} from './plan-display.js';
import { DEFAULT_LIMIT } from './plan-limit.js';
import { settledSentences } from './plan-settled.js';

/**
 * The terminal view of a plan: a summary first (what a reviewer needs to say
 * yes or no), irreversible changes called out, then per-referral diffs, capped
 * by --limit so a plan of thousands of entries stays readable.
 */

export { DEFAULT_LIMIT };
/** Irreversible entries named in the call-out before "… and N more". */
const CALLOUT_LIMIT = 10;
const VALUE_WIDTH = 60;

export interface HumanPlanOptions extends DisplayOptions {
  /** ANSI colour; the view decides it from the stream (TTY, NO_COLOR). */
  color?: boolean;
  /** Entries shown in full; default 50. */
  limit?: number;
  /** Show only these referrals' entries (the summary still covers the whole plan). */
  referralIds?: readonly string[];
}

export function renderPlanHuman(input: Plan, options: HumanPlanOptions = {}): string {
  // Names, notes, ids and file names come from the API and from change sets: every string is made
  // terminal-safe once, here, before anything below formats or colours it.
  const plan = escapeControlsDeep(input);
  const c = pc.createColors(options.color === true);
  const limit = options.limit ?? DEFAULT_LIMIT;
  const rollback = plan.kind === 'rollback';
  const out: string[] = [];
  const s = plan.summary;

  // Header
  out.push(c.bold(`${kindTitle(plan)} ${plan.checksum.slice(0, 12)}`) + c.dim(` (${plan.format}), created ${plan.createdAt} for ${plan.baseUrl}`));
  if (plan.parentPlanChecksum !== undefined) out.push(c.dim(`  undoes the apply of plan ${plan.parentPlanChecksum.slice(0, 12)}`));
  if (plan.inputs.length > 0) out.push(c.dim(`  inputs: ${plan.inputs.map((i) => `${i.file} (sha256 ${i.sha256.slice(0, 12)}…)`).join(', ')}`));
  out.push(c.dim(`  planning used ${plan.readRequests} read request${plan.readRequests === 1 ? '' : 's'}`));
  out.push('');

  // Summary
  if (s.entries === 0) {
    out.push(rollback ? 'Nothing to restore.' : 'No changes: every referral already matches the change set.');
  } else {
    const verb = rollback ? 'will restore' : 'will change';
    out.push(c.bold(`Summary: ${verb} ${plural(s.entries, 'referral')} with ${plural(s.ops, 'op')}`) + (s.irreversible > 0 ? c.yellow(`, ${s.irreversible} irreversible`) : ''));
    const actions = actionCounts(plan);
    if (actions.length > 0) {
      out.push('  By action:');
      const w = Math.max(...actions.map(([a]) => a.length));
      for (const [action, n] of actions) out.push(`    ${action.padEnd(w)}  ${plural(n, 'referral')}`);
    }
    const fields = Object.entries(s.byField).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    if (fields.length > 0) {
      out.push('  By field:');
      for (const [field, n] of fields) out.push(`    ${fieldLine(plan, field, n)}`);
    }
    const moves = Object.entries(s.statusMoves).sort((x, y) => y[1] - x[1]);
    if (moves.length > 0) {
      out.push('  Status moves:');
      const w = Math.max(...moves.map(([m]) => prettyMove(m).length));
      for (const [move, n] of moves) out.push(`    ${prettyMove(move).padEnd(w)}  ${n}`);
    }
  }

  for (const sentence of settledSentences(s)) out.push(c.dim(`  ${sentence}.`));

  // Irreversible call-out
  const irreversible = plan.entries.filter((e) => e.irreversible);
  if (irreversible.length > 0) {
    out.push('');
    out.push(c.yellow(c.bold(`! ${plural(irreversible.length, 'change')} cannot be undone through the API (closing a referral, leaving New); rollback will not restore ${irreversible.length === 1 ? 'it' : 'them'}:`)));
    for (const e of irreversible.slice(0, CALLOUT_LIMIT)) {
      const move = statusMoveOf(e);
      out.push(c.yellow(`    ${e.referralId}${e.label === undefined ? '' : `  ${e.label}`}${move === undefined ? '' : `  ${move.from} → ${move.to}`}`));
    }
    if (irreversible.length > CALLOUT_LIMIT) out.push(c.yellow(`    … and ${irreversible.length - CALLOUT_LIMIT} more (marked [irreversible] below)`));
  }

  // Not restorable (rollback files)
  const notRestorable = plan.notRestorable ?? [];
  if (notRestorable.length > 0) {
    out.push('');
    out.push(c.yellow(c.bold(`! Not restorable: ${plural(notRestorable.length, 'referral')} changed by the apply cannot be put back through the API:`)));
    for (const n of notRestorable.slice(0, Math.max(limit, CALLOUT_LIMIT))) {
      const was = Object.entries(n.before)
        .map(([path, v]) => `${path.replace(/^\//, '')} ${formatValue(maskedValue(v, path, options), path, VALUE_WIDTH)}`)
        .join(', ');
      out.push(c.yellow(`    ${n.referralId}  ${maskedText(n.reason, options)}${was === '' ? '' : `  (was ${was})`}`));
    }
    if (notRestorable.length > Math.max(limit, CALLOUT_LIMIT)) out.push(c.yellow(`    … and ${notRestorable.length - Math.max(limit, CALLOUT_LIMIT)} more`));
  }

  // Per-referral diffs
  const wanted = options.referralIds;
  const selected = wanted === undefined || wanted.length === 0 ? plan.entries : plan.entries.filter((e) => wanted.includes(e.referralId));
  if (selected.length > 0) {
    const shown = selected.slice(0, limit);
    out.push('');
    out.push(c.bold(shown.length < selected.length ? `Changes (first ${shown.length} of ${selected.length}):` : `Changes (${selected.length}):`));
    for (const entry of shown) out.push('', ...renderEntry(entry, rollback, options, c));
    if (shown.length < selected.length) {
      out.push('', c.dim(`… and ${selected.length - shown.length} more (use --limit or --referral)`));
    }
  }
  return out.join('\n') + '\n';
}

function renderEntry(entry: PlanEntry, rollback: boolean, options: HumanPlanOptions, c: ReturnType<typeof pc.createColors>): string[] {
  const lines: string[] = [];
  const tag = entry.irreversible ? ' ' + c.yellow('[irreversible]') : '';
  const label = entry.label === undefined ? '' : `  "${entry.label}"`;
  lines.push(`${c.bold(rollback ? '↺' : '~')} ${c.bold(entry.referralId)}${label}${c.dim(`  eTag ${entry.eTag}`)}${tag}${rollback ? c.dim('  will restore:') : ''}`);
  const rows = diffRows(entry, options);
  const w = Math.max(0, ...rows.map((r) => r.field.length));
  for (const row of rows) {
    const name = row.field.padEnd(w);
    if (row.kind === 'change') {
      lines.push(`    ${name}  ${c.red(formatValue(row.before, row.path, VALUE_WIDTH))} → ${c.green(formatValue(row.after, row.path, VALUE_WIDTH))}`);
    } else if (row.kind === 'member-added') {
      lines.push(`    ${name}  ${c.green(`+ ${formatMember(row.member)}`)}`);
    } else {
      lines.push(`    ${name}  ${c.red(`- ${formatMember(row.member)}`)}`);
    }
  }
  if (rows.length === 0 && entry.ops.length > 0) lines.push(c.dim(`    ${plural(entry.ops.length, 'op')}: ${entry.ops.map((o) => `${o.op} ${o.path}`).join(', ')}`));
  for (const w2 of entry.warnings) lines.push(c.yellow(`    warning: ${maskedText(w2, options)}`));
  if (entry.sources.length > 0) lines.push(c.dim(`    from ${entry.sources.map(formatLocation).join('; ')}`));
  return lines;
}

function fieldLine(plan: Plan, field: string, n: number): string {
  let line = `${field} on ${plural(n, 'referral')}`;
  if (field === 'dealValue') {
    const totals = Object.entries(plan.summary.dealValue);
    if (totals.length > 0) {
      line += ', total ' + totals.map(([cur, t]) => `${formatSignedMoney(t.after - t.before)} ${cur} (${formatMoney(t.before)} → ${formatMoney(t.after)})`).join('; ');
    }
  }
  if (field === 'status') {
    const targets = movesByTarget(plan);
    if (targets.length > 0) line += '; ' + targets.map(([to, k]) => `${k} → ${to}`).join(', ');
  }
  return line;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

