import { plural } from '../../core/plural.js';
import { hintForPassedFlags, type PassedFlags } from '../../core/hint-flags.js';
import pc from 'picocolors';
import { formatLocation } from '../../core/diagnostics.js';
import { formatAmount } from '../../core/money.js';
import type { Plan, PlanEntry } from '../../core/plan.js';
import {
  actionCounts,
  dealTotals,
  diffRows,
  formatMember,
  formatValue,
  kindTitle,
  maskedText,
  maskedValue,
  movesByTarget,
  prettyMove,
  rowTexts,
  statusMoveOf,
  type DisplayOptions,
} from './plan-display.js';
import { DEFAULT_LIMIT } from './plan-limit.js';
// `shown` marks text derived from the plan that is measured or printed: escaped again (idempotent), so a width is never taken of raw controls.
import { escapeControlsDeep, escapeControls as shown } from '../../core/terminal-text.js';
import { settledSentences } from './plan-settled.js';
import { padEnd, padStart, truncate, widthOf, wrap } from './text-fit.js';

/**
 * The terminal view of a plan: a summary first (what a reviewer needs to say
 * yes or no), irreversible changes called out, then per-referral diffs, capped
 * by --limit so a plan of thousands of entries stays readable. Every line fits
 * `width` columns: long values are cut with "…", prose wraps. Text from the plan
 * passes through `shown` (control characters made visible) before it is measured.
 */

export { DEFAULT_LIMIT };
/** Irreversible entries named in the call-out before "… and N more". */
const CALLOUT_LIMIT = 10;
const DEFAULT_WIDTH = 80;

export interface HumanPlanOptions extends DisplayOptions {
  /** ANSI colour; the view decides it from the stream (TTY, NO_COLOR). */
  color?: boolean;
  /** Entries shown in full; default 50. */
  limit?: number;
  /** Show only these referrals' entries (the summary still covers the whole plan). */
  referralIds?: readonly string[];
  /** Columns every line fits into; default 80. */
  width?: number;
  /** Also show each entry's eTag and the inputs' full hashes. */
  verbose?: boolean;
  /** The flags on the command line: the "… and N more" line does not suggest one of them again. */
  passed?: PassedFlags;
}

type Colors = ReturnType<typeof pc.createColors>;

export function renderPlanHuman(input: Plan, options: HumanPlanOptions = {}): string {
  // Names, notes, ids and file names come from the API and from change sets: every string is made
  // terminal-safe once, here, before anything below measures, formats or colours it.
  const plan = escapeControlsDeep(input);
  const c = pc.createColors(options.color === true);
  const width = options.width ?? DEFAULT_WIDTH;
  const limit = options.limit ?? DEFAULT_LIMIT;
  const rollback = plan.kind === 'rollback';
  const out: string[] = [];
  const s = plan.summary;
  const fit = (text: string) => truncate(text, width);

  // Header: what the plan is for, then where it came from.
  const title = `${kindTitle(plan)} ${plan.checksum.slice(0, 12)}${plan.message === undefined ? '' : `: ${shown(plan.message)}`}`;
  out.push(...wrap(title, width, '', '  ').map((l) => c.bold(l)));
  const dim = (text: string) => out.push(...wrap(text, width, '  ', '    ').map((l) => c.dim(l)));
  dim(`created ${shown(plan.createdAt)} (${plan.format})`);
  dim(`for ${shown(plan.baseUrl)}`);
  if (plan.parentPlanChecksum !== undefined) dim(`undoes the apply of plan ${plan.parentPlanChecksum.slice(0, 12)}`);
  for (const i of plan.inputs) dim(`input: ${shown(i.file)} (sha256 ${options.verbose === true ? i.sha256 : `${i.sha256.slice(0, 12)}…`})`);
  dim(`planning used ${plural(plan.readRequests, 'read request')}`);
  out.push('');

  // Summary
  if (s.entries === 0) {
    out.push(rollback ? 'Nothing to restore.' : 'No changes: every referral already matches the change set.');
  } else {
    const verb = rollback ? 'will restore' : 'will change';
    const head = `Summary: ${verb} ${plural(s.entries, 'referral')} with ${plural(s.ops, 'op')}`;
    const irreversibleText = s.irreversible > 0 ? `, ${s.irreversible.toLocaleString('en-US')} irreversible` : '';
    if (widthOf(head + irreversibleText) <= width) out.push(c.bold(head) + c.yellow(irreversibleText));
    else out.push(...wrap(head + irreversibleText, width, '', '  ').map((l) => c.bold(l)));
    const actions = actionCounts(plan);
    if (actions.length > 0) {
      out.push('  By action:');
      const w = Math.max(...actions.map(([a]) => widthOf(a)));
      for (const [action, n] of actions) out.push(fit(`    ${padEnd(action, w)}  ${plural(n, 'referral')}`));
    }
    const fields = Object.entries(s.byField).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    if (fields.length > 0) {
      out.push('  By field:');
      for (const [field, n] of fields) out.push(...fieldLines(plan, shown(field), n, width));
    }
    const moves = Object.entries(s.statusMoves).sort((x, y) => y[1] - x[1]);
    if (moves.length > 0) {
      out.push('  Status moves:');
      const w = Math.max(...moves.map(([m]) => widthOf(shown(prettyMove(m)))));
      const countW = Math.max(...moves.map(([, n]) => n.toLocaleString('en-US').length));
      const moveW = Math.min(w, width - 6 - countW);
      for (const [move, n] of moves) out.push(`    ${padEnd(truncate(shown(prettyMove(move)), moveW), moveW)}  ${padStart(n.toLocaleString('en-US'), countW)}`);
    }
  }

  for (const sentence of settledSentences(s)) out.push(...wrap(`${shown(sentence)}.`, width, '  ', '    ').map((l) => c.dim(l)));

  // Irreversible call-out
  const irreversible = plan.entries.filter((e) => e.irreversible);
  if (irreversible.length > 0) {
    out.push('');
    const them = irreversible.length === 1 ? 'it' : 'them';
    const head = `! ${plural(irreversible.length, 'change')} cannot be undone through the API (closing a referral, leaving New); rollback will not restore ${them}:`;
    out.push(...wrap(head, width, '', '  ').map((l) => c.yellow(c.bold(l))));
    for (const e of irreversible.slice(0, CALLOUT_LIMIT)) {
      const move = statusMoveOf(e);
      const tail = move === undefined ? '' : `  ${shown(move.from)} → ${shown(move.to)}`;
      const id = `    ${shown(e.referralId)}`;
      const label = e.label === undefined ? '' : `  ${shown(e.label)}`;
      out.push(c.yellow(fitWithTail(id, label, tail, width)));
    }
    if (irreversible.length > CALLOUT_LIMIT) out.push(c.yellow(fit(`    … and ${(irreversible.length - CALLOUT_LIMIT).toLocaleString('en-US')} more (marked [irreversible] below)`)));
  }

  // Not restorable (rollback files)
  const notRestorable = plan.notRestorable ?? [];
  if (notRestorable.length > 0) {
    out.push('');
    out.push(...wrap(`! Not restorable through the API: ${plural(notRestorable.length, 'referral')} changed by the apply:`, width, '', '  ').map((l) => c.yellow(c.bold(l))));
    const cap = Math.max(limit, CALLOUT_LIMIT);
    for (const n of notRestorable.slice(0, cap)) {
      const was = Object.entries(n.before)
        .map(([path, v]) => `${shown(path.replace(/^\//, ''))} ${shown(formatValue(maskedValue(v, path, options), path))}`)
        .join(', ');
      out.push(c.yellow(fit(`    ${shown(n.referralId)}  ${shown(maskedText(n.reason, options))}${was === '' ? '' : `  (was ${was})`}`)));
    }
    if (notRestorable.length > cap) out.push(c.yellow(`    … and ${notRestorable.length - cap} more`));
  }

  // Per-referral diffs
  const wanted = options.referralIds;
  const selected = wanted === undefined || wanted.length === 0 ? plan.entries : plan.entries.filter((e) => wanted.includes(e.referralId));
  if (selected.length > 0) {
    const shownEntries = selected.slice(0, limit);
    out.push('');
    out.push(c.bold(shownEntries.length < selected.length ? `Changes (first ${shownEntries.length} of ${selected.length.toLocaleString('en-US')}):` : `Changes (${selected.length.toLocaleString('en-US')}):`));
    for (const entry of shownEntries) out.push('', ...renderEntry(entry, rollback, options, width, c));
    if (shownEntries.length < selected.length) {
      // Picked referrals are already a narrowing: then only the limit can show more.
      const more = hintForPassedFlags(wanted === undefined || wanted.length === 0 ? 'use a higher --limit, or --referral ID' : 'use a higher --limit', options.passed ?? new Map());
      out.push('', c.dim(fit(`… and ${(selected.length - shownEntries.length).toLocaleString('en-US')} more${more === undefined ? '' : ` (${more})`}`)));
    }
  }
  return out.join('\n') + '\n';
}

function renderEntry(entry: PlanEntry, rollback: boolean, options: HumanPlanOptions, width: number, c: Colors): string[] {
  const lines: string[] = [];
  // The id and the tags always show; the name gets what is left.
  const mark = rollback ? '↺' : '~';
  const id = shown(entry.referralId);
  const tags = `${entry.irreversible ? '  [irreversible]' : ''}${options.verbose === true ? `  eTag ${shown(entry.eTag)}` : ''}${rollback ? '  will restore:' : ''}`;
  const labelRoom = width - widthOf(`${mark} ${id}${tags}`) - 2;
  const label = entry.label === undefined || labelRoom < 4 ? '' : `  ${truncate(`"${shown(entry.label)}"`, labelRoom)}`;
  const tagText = [entry.irreversible ? '  ' + c.yellow('[irreversible]') : '', options.verbose === true ? c.dim(`  eTag ${shown(entry.eTag)}`) : '', rollback ? c.dim('  will restore:') : ''].join('');
  lines.push(`${c.bold(mark)} ${c.bold(id)}${label}${tagText}`);

  const rows = diffRows(entry, options);
  const nameW = Math.min(Math.max(0, ...rows.map((r) => widthOf(shown(r.field)))), Math.floor(width / 3));
  const room = width - 4 - nameW - 2;
  for (const row of rows) {
    const name = padEnd(truncate(shown(row.field), nameW), nameW);
    if (row.kind === 'change') {
      const texts = rowTexts(row);
      const [before, after] = fitPair(shown(texts.before), shown(texts.after), room - 3);
      lines.push(`    ${name}  ${c.red(before)} → ${c.green(after)}`);
    } else {
      const sign = row.kind === 'member-added' ? '+' : '-';
      const text = truncate(`${sign} ${shown(formatMember(row.member))}`, room);
      lines.push(`    ${name}  ${row.kind === 'member-added' ? c.green(text) : c.red(text)}`);
    }
  }
  if (rows.length === 0 && entry.ops.length > 0) lines.push(c.dim(truncate(`    ${plural(entry.ops.length, 'op')}: ${entry.ops.map((o) => `${o.op} ${shown(o.path)}`).join(', ')}`, width)));
  for (const warning of entry.warnings) lines.push(...wrap(`warning: ${shown(maskedText(warning, options))}`, width, '    ', '      ').map((l) => c.yellow(l)));
  if (entry.sources.length > 0) lines.push(c.dim(listLine('    from ', entry.sources.map((s) => shown(formatLocation(s))), width)));
  return lines;
}

/** Before and after cut to share `room` columns: the shorter keeps its full text when it can. */
function fitPair(before: string, after: string, room: number): [string, string] {
  const wb = widthOf(before);
  const wa = widthOf(after);
  if (wb + wa <= room) return [before, after];
  const half = Math.floor(room / 2);
  if (wb <= half) return [before, truncate(after, room - wb)];
  if (wa <= half) return [truncate(before, room - wa), after];
  return [truncate(before, half), truncate(after, room - half)];
}

/** `head` and `tail` whole, `middle` cut to fit between them. */
function fitWithTail(head: string, middle: string, tail: string, width: number): string {
  const room = width - widthOf(head) - widthOf(tail);
  if (room >= 4 || middle === '') return head + truncate(middle, Math.max(0, room)) + tail;
  return truncate(head + tail, width);
}

/** "from a; b; c" with as many items as fit, then "(+N more)". */
function listLine(prefix: string, items: readonly string[], width: number): string {
  let line = prefix;
  for (let i = 0; i < items.length; i++) {
    const sep = i === 0 ? '' : '; ';
    const more = i + 1 < items.length ? ` (+${items.length - i - 1} more)` : '';
    if (widthOf(line + sep + items[i] + more) <= width) {
      line += sep + items[i];
      continue;
    }
    const rest = ` (+${items.length - i} more)`;
    return i === 0 ? truncate(line + items[i], width - widthOf(rest)) + (items.length > 1 ? rest : '') : line + rest;
  }
  return line;
}

/** One field's line of "By field"; deal values get one line per currency, aligned on the amounts. */
function fieldLines(plan: Plan, field: string, n: number, width: number): string[] {
  const lines: string[] = [];
  if (field === 'status') {
    const targets = movesByTarget(plan).map(([to, k]) => `${k.toLocaleString('en-US')} → ${shown(to)}`);
    const text = `status on ${plural(n, 'referral')}${targets.length > 0 ? `; ${targets.join(', ')}` : ''}`;
    return wrap(text, width, '    ', '      ');
  }
  const totals = field === 'dealValue' ? dealTotals(plan) : [];
  lines.push(truncate(`    ${field} on ${plural(n, 'referral')}${totals.length > 0 ? ', totals per currency:' : ''}`, width));
  if (totals.length > 0) {
    const rows = totals.map((t) => ({
      code: shown(t.currency),
      change: formatAmount(t.after - t.before, t.currency, { signed: true, rounded: true }),
      span: `${formatAmount(t.before, t.currency, { rounded: true })} → ${formatAmount(t.after, t.currency, { rounded: true })}`,
    }));
    const codeW = Math.max(...rows.map((r) => widthOf(r.code)));
    const changeW = Math.max(...rows.map((r) => widthOf(r.change)));
    for (const r of rows) lines.push(truncate(`      ${padEnd(r.code, codeW)}  ${padStart(r.change, changeW)}  (${r.span})`, width));
  }
  return lines;
}

