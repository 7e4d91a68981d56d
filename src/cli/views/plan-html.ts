import { nounFor, plural } from '../../core/plural.js';
import { FileError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { formatAmount } from '../../core/money.js';
import type { Plan } from '../../core/plan.js';
import type { JsonValue } from '../../core/referral.js';
import { writePrivateFileAtomic } from '../../files/private-file.js';
import { esc, jsonForScript } from './html-escape.js';
import { actionCounts, dealCurrencyOf, dealTotals, fieldOf, formatValue, kindTitle, maskedText, maskedValue, prettyMove, statusMoveOf } from './plan-display.js';
import { REPORT_CSS, REPORT_JS } from './plan-html-assets.js';
import { barChart, figure } from './plan-html-charts.js';
import { reportRow } from './plan-html-data.js';
import { settledSentences } from './plan-settled.js';

export { esc } from './html-escape.js';

/**
 * A single self-contained HTML page for the approver who signs a plan off: its
 * title is the plan's purpose (`plan --message`), then a summary readable in
 * half a minute (counts, what cannot be undone, money moved per currency, one
 * small chart per currency), the irreversible list collapsed behind its count,
 * and an entries table that pages, filters and sorts 20,000 entries at once.
 * With `results` (from apply) it adds outcomes. No network at all: inline CSS
 * and JS, a CSP that forbids loads, and every text escaped (markup here, the
 * entries as a JSON island placed with textContent).
 */

export type ReportOutcome = 'applied' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

/** One field of a result diff. For a conflict: what the plan pinned, what the server has now, what the plan wanted. */
export interface ReportResultDiff {
  path: string;
  expected?: JsonValue;
  actual?: JsonValue;
  planned?: JsonValue;
}

export interface ReportResult {
  referralId: string;
  outcome: ReportOutcome;
  message?: string;
  diff?: readonly ReportResultDiff[];
  retries?: number;
}

export interface HtmlReportInput {
  plan: Plan;
  /** Apply outcomes; adds the outcomes section and an outcome column. */
  results?: readonly ReportResult[];
  showPii?: boolean;
  title?: string;
  /** Shown in the details when given (the view takes no clock of its own). */
  generatedAt?: string;
}

const OUTCOMES: readonly ReportOutcome[] = ['applied', 'unchanged', 'conflict', 'failed', 'skipped'];
/** Irreversible entries listed in the (collapsed) call-out; the table's "only irreversible" has them all. */
const CALLOUT_LIMIT = 500;
/** Outcome rows rendered as markup; beyond it the entries table (its outcome column and filter) has them. */
const OUTCOME_ROWS = 500;

export function renderHtmlReport(input: HtmlReportInput): string {
  const { plan } = input;
  const opts = { showPii: input.showPii === true };
  const hash = plan.checksum.slice(0, 12);
  const title = input.title ?? `${plan.message ?? `${kindTitle(plan)} ${hash}`}${input.results === undefined ? '' : ' — apply results'}`;
  const byId = new Map((input.results ?? []).map((r) => [r.referralId, r]));
  const parts: string[] = [];

  // Header: the purpose as the title; where the plan came from behind one click.
  parts.push(`<header><p class="kind"><span>${esc(kindTitle(plan))}</span> <code>${esc(hash)}</code>${plan.message === undefined ? ' · no --message was given' : ''}</p><h1>${esc(title)}</h1>`);
  parts.push(`<details class="meta"><summary>${esc(`created ${plan.createdAt} for ${plan.baseUrl} · checksum ${hash}…`)}</summary><dl>`);
  parts.push(meta('kind', plan.kind), meta('format', plan.format), meta('created', plan.createdAt), meta('base URL', plan.baseUrl), meta('checksum (SHA-256)', plan.checksum));
  if (plan.parentPlanChecksum !== undefined) parts.push(meta('undoes plan', plan.parentPlanChecksum));
  for (const i of plan.inputs) parts.push(meta('input', `${i.file} (sha256 ${i.sha256})`));
  parts.push(meta('read requests', plan.readRequests.toLocaleString('en-US')));
  if (input.generatedAt !== undefined) parts.push(meta('report generated', input.generatedAt));
  parts.push('</dl></details></header><main>');

  parts.push(summarySection(plan, input.results));

  // What cannot be undone: collapsed behind its count, so the summary stays on one screen.
  const irreversible = plan.entries.filter((e) => e.irreversible);
  if (irreversible.length > 0) {
    parts.push(`<details id="irreversible" class="callout"><summary>⚠ ${plural(irreversible.length, 'irreversible change')}: a rollback will not restore ${nounFor(irreversible.length, 'it', 'them')}</summary>`);
    parts.push('<p>These cannot be undone through the API (closing a referral, leaving New).</p><ul>');
    for (const e of irreversible.slice(0, CALLOUT_LIMIT)) {
      const move = statusMoveOf(e);
      parts.push(`<li><code>${esc(e.referralId)}</code>${e.label === undefined ? '' : ` ${esc(e.label)}`}${move === undefined ? '' : ` — ${esc(`${move.from} → ${move.to}`)}`}</li>`);
    }
    if (irreversible.length > CALLOUT_LIMIT) parts.push(`<li>… and ${(irreversible.length - CALLOUT_LIMIT).toLocaleString('en-US')} more (tick “only irreversible” below)</li>`);
    parts.push('</ul></details>');
  }
  const notRestorable = plan.notRestorable ?? [];
  if (notRestorable.length > 0) {
    parts.push(`<details id="not-restorable" class="callout"><summary>⚠ ${notRestorable.length.toLocaleString('en-US')} not restorable</summary><ul>`);
    for (const n of notRestorable) {
      const was = Object.entries(n.before).map(([p, v]) => `${fieldOf(p)} ${formatValue(maskedValue(v, p, opts), p)}`).join(', ');
      parts.push(`<li><code>${esc(n.referralId)}</code> ${esc(maskedText(n.reason, opts))}${was === '' ? '' : ` <span class="dim">(was ${esc(was)})</span>`}</li>`);
    }
    parts.push('</ul></details>');
  }

  if (input.results !== undefined) parts.push(outcomesSection(input.results, plan, opts));

  // Entries: rendered by the script from the JSON island, one page at a time.
  const outcomeCol = input.results !== undefined;
  const rows = plan.entries.map((e) => reportRow(e, opts, outcomeCol ? byId.get(e.referralId)?.outcome : undefined));
  const total = plan.entries.length.toLocaleString('en-US');
  parts.push(`<section id="entries-section"><h2>${plan.kind === 'rollback' ? 'Entries (will restore)' : 'Entries'}</h2>`);
  parts.push('<div class="tools"><input id="search" type="search" placeholder="Filter: referral, name, field, value…" aria-label="Filter entries">');
  parts.push('<label><input type="checkbox" id="only-irreversible"> only irreversible</label><label><input type="checkbox" id="only-moves"> only status moves</label>');
  parts.push(`<span class="count" data-count-for="entries">${total} of ${total}</span></div>`);
  parts.push(pager());
  parts.push(`<p class="print-only" id="print-note"></p><table id="entries" data-outcomes="${outcomeCol ? 1 : 0}"><thead><tr>`);
  parts.push(th('Referral', 'i'), th('Name', 'n'), th('Status move', 'm'), th('Changes', 'd', 'number'), th('Ops', 'o', 'number'), th('Irreversible', 'x', 'number'));
  if (outcomeCol) parts.push(th('Outcome', 'r'));
  parts.push(th('Warnings', 'w'), '</tr></thead><tbody></tbody></table>');
  parts.push('<noscript><p>The entries table needs JavaScript; every entry is in the plan file (<code>refplan show PLAN --format table</code>).</p></noscript>');
  parts.push(`<script type="application/json" id="entries-data">${jsonForScript(rows)}</script></section></main>`);

  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">',
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body>`,
    parts.join(''),
    `<script>${REPORT_JS}</script></body></html>\n`,
  ].join('');
}

/** Writes the report as a private file (0600, atomic): it holds customer data. */
export async function writeHtmlReport(path: string, input: HtmlReportInput): Promise<void> {
  try {
    await writePrivateFileAtomic(path, renderHtmlReport(input), { what: 'HTML report' });
  } catch (e) {
    if (e instanceof FileError) throw e;
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
    const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : e instanceof Error ? e.message : String(e);
    throw new FileError(path, `cannot write HTML report ${path}: ${why}`, { exitCode: ExitCode.error, cause: e });
  }
}

/** Counts, money moved per currency, and small charts: what an approver reads first. */
function summarySection(plan: Plan, results: readonly ReportResult[] | undefined): string {
  const s = plan.summary;
  const parts = ['<section id="summary"><h2>Summary</h2>'];
  const moved = Object.values(s.statusMoves).reduce((a, b) => a + b, 0);
  if (s.entries === 0) parts.push(`<p class="lead">${plan.kind === 'rollback' ? 'Nothing to restore.' : 'No changes: every referral already matches the change set.'}</p>`);
  parts.push('<div class="cards">');
  parts.push(card(plan.kind === 'rollback' ? 'referrals to restore' : 'referrals changed', s.entries), card('ops', s.ops));
  parts.push(card('irreversible', s.irreversible, s.irreversible > 0 ? 'warn' : ''), card('status moves', moved));
  if (results !== undefined) {
    const counts = countOutcomes(results);
    for (const o of OUTCOMES) if (counts[o] > 0 || o === 'applied') parts.push(card(o, counts[o], o === 'conflict' || o === 'failed' ? 'warn' : ''));
  }
  parts.push('</div>');
  for (const sentence of settledSentences(s)) parts.push(`<p class="settled">${esc(sentence)}.</p>`);
  const actions = actionCounts(plan);
  if (actions.length > 0) parts.push(`<p class="actions">By action: ${actions.map(([a, n]) => `<b>${esc(a)}</b> ${n.toLocaleString('en-US')}`).join(' · ')}</p>`);

  const totals = dealTotals(plan);
  if (totals.length > 0) {
    parts.push('<table class="money" id="money"><caption class="dim" style="text-align:left">Deal value moved, per currency</caption><thead><tr><th>Currency</th><th class="num">Referrals</th><th class="num">Before</th><th class="num">After</th><th class="num">Change</th></tr></thead><tbody>');
    for (const t of totals) {
      const a = (n: number, signed = false) => esc(formatAmount(n, t.currency, { rounded: true, signed }));
      parts.push(`<tr><td><b>${esc(t.currency)}</b></td><td class="num">${t.referrals.toLocaleString('en-US')}</td><td class="num">${a(t.before)}</td><td class="num">${a(t.after)}</td><td class="num">${a(t.after - t.before, true)}</td></tr>`);
    }
    parts.push('</tbody></table>');
  }

  const charts: string[] = [];
  // One chart per currency: amounts in different currencies share no scale.
  for (const t of totals) {
    const text = (n: number) => formatAmount(n, t.currency, { rounded: true });
    const change = formatAmount(t.after - t.before, t.currency, { rounded: true, signed: true });
    const bars = [
      { label: 'before', value: t.before, text: text(t.before) },
      { label: 'after', value: t.after, text: text(t.after), accent: true },
    ];
    charts.push(figure(`${t.currency} ${change}`, barChart(bars, { barWidth: 120, label: `${t.currency} deal value before and after` }), 'currency'));
  }
  const fields = Object.entries(s.byField).sort((x, y) => y[1] - x[1]);
  if (fields.length > 0) charts.push(figure('Changes per field', barChart(fields.map(([f, n]) => ({ label: f, value: n, text: n.toLocaleString('en-US') })))));
  const moves = Object.entries(s.statusMoves).sort((x, y) => y[1] - x[1]);
  if (moves.length > 0) charts.push(figure('Status moves (from → to)', barChart(moves.map(([m, n]) => ({ label: prettyMove(m), value: n, text: n.toLocaleString('en-US') })))));
  if (charts.length > 0) parts.push(`<div class="charts">${charts.join('')}</div>`);
  parts.push('</section>');
  return parts.join('');
}

function pager(): string {
  const sizes = [50, 100, 250, 1000].map((n) => `<option value="${n}"${n === 100 ? ' selected' : ''}>${n}</option>`).join('');
  return (
    '<nav class="pager" aria-label="Entries pages"><button type="button" id="page-first" aria-label="First page">«</button><button type="button" id="page-prev" aria-label="Previous page">‹</button>' +
    '<span id="page-text" class="count"></span><button type="button" id="page-next" aria-label="Next page">›</button><button type="button" id="page-last" aria-label="Last page">»</button>' +
    `<label>rows per page <select id="page-size">${sizes}</select></label></nav>`
  );
}

function outcomesSection(results: readonly ReportResult[], plan: Plan, opts: { showPii: boolean }): string {
  const entries = new Map(plan.entries.map((e) => [e.referralId, e]));
  const counts = countOutcomes(results);
  const parts = ['<section id="outcomes-section"><h2>Apply outcomes</h2>'];
  const present = OUTCOMES.filter((o) => counts[o] > 0);
  if (present.length > 0) parts.push(`<div class="charts">${figure('Outcomes', barChart(present.map((o) => ({ label: o, value: counts[o], text: counts[o].toLocaleString('en-US'), accent: o === 'conflict' || o === 'failed' }))))}</div>`);
  const retries = results.reduce((sum, r) => sum + (r.retries ?? 0), 0);
  parts.push(`<p>${plural(retries, 'retry', 'retries')} in total.</p>`);
  const notable = results.filter((r) => (r.outcome !== 'applied' && r.outcome !== 'unchanged') || (r.retries ?? 0) > 0 || (r.diff?.length ?? 0) > 0);
  if (notable.length > 0) {
    const listed = notable.slice(0, OUTCOME_ROWS);
    parts.push(`<p class="tools"><input id="search-outcomes" type="search" placeholder="Filter outcomes…" aria-label="Filter outcomes" data-table="outcomes"> <span class="count" data-count-for="outcomes">${listed.length} of ${listed.length}</span></p>`);
    if (listed.length < notable.length) parts.push(`<p class="dim">The first ${listed.length} of ${notable.length.toLocaleString('en-US')} notable outcomes; the entries table below has all of them (filter by outcome).</p>`);
    parts.push(`<table id="outcomes" class="sortable"><thead><tr>${th('Referral')}${th('Outcome')}${th('Retries', undefined, 'number')}${th('Message')}${th('Field diff (pinned → now on server)')}</tr></thead><tbody>`);
    for (const r of listed) {
      const diff = (r.diff ?? []).map((d) => {
        // A money value carries the currency the plan saw for that referral (the pinned side's, and the wanted side's).
        const entry = entries.get(r.referralId);
        const currency = entry === undefined ? { before: null, after: null } : dealCurrencyOf(entry);
        const show = (v: JsonValue | undefined, cur: string | null) => (v === undefined ? '' : esc(formatValue(maskedValue(v, d.path, opts), d.path, Infinity, cur)));
        const planned = d.planned === undefined ? '' : ` <span class="dim">(plan wanted ${show(d.planned, currency.after)})</span>`;
        return `<li><span class="f">${esc(fieldOf(d.path))}</span> <del>${show(d.expected, currency.before)}</del> → <ins>${show(d.actual, currency.before)}</ins>${planned}</li>`;
      });
      parts.push(
        `<tr><td><code>${esc(r.referralId)}</code></td><td><span class="badge o-${r.outcome}">${r.outcome}</span></td>` +
          `<td class="num" data-sort="${r.retries ?? 0}">${r.retries ?? 0}</td><td>${esc(maskedText(r.message ?? '', opts))}</td>` +
          `<td><ul class="diff">${diff.join('')}</ul></td></tr>`,
      );
    }
    parts.push('</tbody></table>');
  }
  parts.push('</section>');
  return parts.join('');
}

function countOutcomes(results: readonly ReportResult[]): Record<ReportOutcome, number> {
  const counts: Record<ReportOutcome, number> = { applied: 0, unchanged: 0, conflict: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.outcome]++;
  return counts;
}

function card(label: string, value: number, cls = ''): string {
  return `<div class="card ${cls}"><div class="v">${value.toLocaleString('en-US')}</div><div class="l">${esc(label)}</div></div>`;
}

function meta(label: string, value: string): string {
  return `<dt>${esc(label)}</dt><dd>${esc(value)}</dd>`;
}

function th(label: string, key?: string, type: 'text' | 'number' = 'text'): string {
  return `<th data-type="${type}"${key === undefined ? '' : ` data-key="${key}"`} tabindex="0" role="columnheader" aria-sort="none">${esc(label)}</th>`;
}
