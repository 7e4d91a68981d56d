import { plural } from '../../core/plural.js';
import { formatAmount } from '../../core/money.js';
import type { Plan } from '../../core/plan.js';
import { actionCounts, changeSummary, dealTotals, kindTitle, prettyMove, selectEntries, type DisplayOptions } from './plan-display.js';
import { DEFAULT_LIMIT } from './plan-limit.js';
import { settledSentences } from './plan-settled.js';

/**
 * `show --format markdown`: the plan for a pull-request comment or a CI step
 * summary ($GITHUB_STEP_SUMMARY). GitHub renders it, so every text from the
 * plan is escaped: Markdown punctuation, HTML, line breaks and @mentions (a
 * referral named "@org/sales" must not notify a team). Entries are capped (a
 * comment holds 65,536 characters); the summary always covers the whole plan.
 */

export interface MarkdownPlanOptions extends DisplayOptions {
  /** Entry rows in the table (default 50). */
  limit?: number;
  referralIds?: readonly string[];
}

export function renderPlanMarkdown(plan: Plan, options: MarkdownPlanOptions = {}): string {
  const s = plan.summary;
  const out: string[] = [];
  const heading = plan.message === undefined ? `${kindTitle(plan)} ${plan.checksum.slice(0, 12)}` : md(plan.message);
  out.push(`### ${heading}`, '');
  out.push(`${kindTitle(plan)} \`${plan.checksum.slice(0, 12)}\` · created ${md(plan.createdAt)} · ${md(plan.baseUrl)}`, '');
  if (s.entries === 0) {
    out.push(plan.kind === 'rollback' ? 'Nothing to restore.' : 'No changes: every referral already matches the change set.');
    for (const sentence of settledSentences(s)) out.push('', `${md(sentence)}.`);
    return out.join('\n') + '\n';
  }
  const verb = plan.kind === 'rollback' ? 'Restores' : 'Changes';
  out.push(`${verb} **${plural(s.entries, 'referral')}** with ${plural(s.ops, 'op')}${s.irreversible > 0 ? ` · **⚠ ${s.irreversible.toLocaleString('en-US')} irreversible** (cannot be undone through the API)` : ''}`);
  for (const sentence of settledSentences(s)) out.push('', `${md(sentence)}.`);
  const actions = actionCounts(plan);
  if (actions.length > 0) out.push('', `By action: ${actions.map(([a, n]) => `${md(a)} ${n.toLocaleString('en-US')}`).join(' · ')}`);

  const totals = dealTotals(plan);
  if (totals.length > 0) {
    out.push('', '| Deal value | Referrals | Before | After | Change |', '| --- | ---: | ---: | ---: | ---: |');
    for (const t of totals) {
      const a = (n: number, signed = false) => formatAmount(n, t.currency, { rounded: true, signed });
      out.push(`| ${md(t.currency)} | ${t.referrals.toLocaleString('en-US')} | ${a(t.before)} | ${a(t.after)} | ${a(t.after - t.before, true)} |`);
    }
  }
  const moves = Object.entries(s.statusMoves).sort((x, y) => y[1] - x[1]);
  if (moves.length > 0) {
    out.push('', '| Status move | Referrals |', '| --- | ---: |');
    for (const [move, n] of moves) out.push(`| ${md(prettyMove(move))} | ${n.toLocaleString('en-US')} |`);
  }

  const selected = selectEntries(plan, options.referralIds);
  const limit = options.limit ?? DEFAULT_LIMIT;
  const rows = selected.slice(0, limit);
  if (rows.length > 0) {
    out.push('', `<details><summary>${rows.length < selected.length ? `First ${rows.length} of ${selected.length.toLocaleString('en-US')} entries` : `${plural(selected.length, 'entry', 'entries')}`}</summary>`, '');
    out.push('| | Referral | Name | Change |', '| --- | --- | --- | --- |');
    for (const e of rows) out.push(`| ${e.irreversible ? '⚠' : ''} | \`${code(e.referralId)}\` | ${md(e.label ?? '')} | ${md(changeSummary(e, options))} |`);
    if (rows.length < selected.length) out.push('', `… and ${(selected.length - rows.length).toLocaleString('en-US')} more: \`refplan show PLAN --format table\` lists them all.`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}


/**
 * Text from the plan as inert Markdown on one line: control characters and line
 * breaks become spaces, HTML specials become entities, the punctuation that
 * means something inside a line is backslash-escaped (`|` would end a table
 * cell, `$` start GitHub math, `[` a link), and an @ that would
 * mention someone gets a zero-width space after it.
 */
export function md(text: string): string {
  return text
    .replace(/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]+/gu, ' ')
    .replace(/[&<>]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[ch]!)
    .replace(/[\\`*_[\]|~$]/g, (ch) => `\\${ch}`)
    .replace(/(^|[^\p{L}\p{N}_])@(?=[\p{L}\p{N}_])/gu, '$1@\u200B');
}

/** Inside a code span: backticks cannot close it, control characters are dropped. */
function code(text: string): string {
  return text.replace(/[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]+/gu, ' ').replace(/`/g, 'ˋ');
}
