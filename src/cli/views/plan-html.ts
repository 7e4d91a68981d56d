import { settledSentences } from './plan-settled.js';
import { FileError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { Plan, PlanEntry } from '../../core/plan.js';
import type { JsonValue } from '../../core/referral.js';
import { writePrivateFileAtomic } from '../../files/private-file.js';
import {
  actionCounts,
  diffRows,
  fieldOf,
  formatMember,
  formatValue,
  kindTitle,
  maskedText,
  maskedValue,
  prettyMove,
  statusMoveOf,
} from './plan-display.js';
import { REPORT_CSS, REPORT_JS } from './plan-html-assets.js';
import { formatMoney } from '../../core/money.js';

/**
 * A single self-contained HTML page for a reviewer who will not read JSON: the
 * summary with charts (inline SVG), irreversible changes called out, and a
 * searchable, sortable table of entries with their diffs. With `results` (from
 * apply) it adds an outcomes section: counts, conflicts with their field diffs,
 * retries. No network at all: inline CSS and JS, and a CSP that forbids loads.
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
  /** Shown in the header when given (the view takes no clock of its own). */
  generatedAt?: string;
}

const OUTCOMES: readonly ReportOutcome[] = ['applied', 'unchanged', 'conflict', 'failed', 'skipped'];
const CALLOUT_LIMIT = 200;

export function renderHtmlReport(input: HtmlReportInput): string {
  const { plan } = input;
  const opts = { showPii: input.showPii === true };
  const title = input.title ?? `${kindTitle(plan)} ${plan.checksum.slice(0, 12)}${input.results === undefined ? '' : ' — apply results'}`;
  const byId = new Map((input.results ?? []).map((r) => [r.referralId, r]));
  const s = plan.summary;
  const parts: string[] = [];

  parts.push(`<header><h1>${esc(title)}</h1><dl class="meta">`);
  parts.push(meta('format', plan.format), meta('kind', plan.kind), meta('created', plan.createdAt), meta('base URL', plan.baseUrl));
  parts.push(meta('checksum', plan.checksum));
  if (plan.parentPlanChecksum !== undefined) parts.push(meta('undoes plan', plan.parentPlanChecksum));
  for (const i of plan.inputs) parts.push(meta('input', `${i.file} (sha256 ${i.sha256.slice(0, 12)}…)`));
  if (input.generatedAt !== undefined) parts.push(meta('report generated', input.generatedAt));
  parts.push('</dl></header><main>');

  // Summary cards
  parts.push('<section id="summary"><h2>Summary</h2><div class="cards">');
  parts.push(card(plan.kind === 'rollback' ? 'referrals to restore' : 'referrals changed', s.entries));
  parts.push(card('ops', s.ops), card('irreversible', s.irreversible, s.irreversible > 0 ? 'warn' : ''), card('read requests', plan.readRequests));
  if (input.results !== undefined) {
    const counts = countOutcomes(input.results);
    for (const o of OUTCOMES) if (counts[o] > 0 || o === 'applied') parts.push(card(o, counts[o], o === 'conflict' || o === 'failed' ? 'warn' : ''));
  }
  parts.push('</div>');
  for (const sentence of settledSentences(s)) parts.push(`<p class="settled">${esc(sentence)}.</p>`);
  const actions = actionCounts(plan);
  if (actions.length > 0) parts.push(`<p class="actions">By action: ${actions.map(([a, n]) => `<b>${esc(a)}</b> ${n}`).join(' · ')}</p>`);

  // Charts
  parts.push('<div class="charts">');
  const fields = Object.entries(s.byField).sort((x, y) => y[1] - x[1]);
  parts.push(figure('Changes per field', fields.length === 0 ? '' : barChart(fields.map(([f, n]) => ({ label: f, value: n, text: String(n) })))));
  const moves = Object.entries(s.statusMoves).sort((x, y) => y[1] - x[1]);
  parts.push(figure('Status moves (from → to)', moves.length === 0 ? '' : barChart(moves.map(([m, n]) => ({ label: prettyMove(m), value: n, text: String(n) })))));
  const deal = Object.entries(s.dealValue);
  parts.push(
    figure(
      'Deal value totals, before and after',
      deal.length === 0
        ? ''
        : barChart(
            deal.flatMap(([cur, t]) => [
              { label: `${cur} before`, value: t.before, text: formatMoney(t.before, cur, { rounded: true }) },
              { label: `${cur} after`, value: t.after, text: `${formatMoney(t.after, cur, { rounded: true })} (${formatMoney(t.after - t.before, cur, { signed: true, rounded: true })})`, accent: true },
            ]),
          ),
    ),
  );
  parts.push('</div></section>');

  // Irreversible call-out
  const irreversible = plan.entries.filter((e) => e.irreversible);
  if (irreversible.length > 0) {
    parts.push(`<section id="irreversible" class="callout"><h2>⚠ ${irreversible.length} irreversible change${irreversible.length === 1 ? '' : 's'}</h2>`);
    parts.push('<p>These cannot be undone through the API (closing a referral, leaving New); a rollback will not restore them.</p><ul>');
    for (const e of irreversible.slice(0, CALLOUT_LIMIT)) {
      const move = statusMoveOf(e);
      parts.push(`<li><code>${esc(e.referralId)}</code>${e.label === undefined ? '' : ` ${esc(e.label)}`}${move === undefined ? '' : ` — ${esc(`${move.from} → ${move.to}`)}`}</li>`);
    }
    if (irreversible.length > CALLOUT_LIMIT) parts.push(`<li>… and ${irreversible.length - CALLOUT_LIMIT} more (filter the table by “irreversible”)</li>`);
    parts.push('</ul></section>');
  }
  const notRestorable = plan.notRestorable ?? [];
  if (notRestorable.length > 0) {
    parts.push(`<section id="not-restorable" class="callout"><h2>⚠ ${notRestorable.length} not restorable</h2><ul>`);
    for (const n of notRestorable) {
      const was = Object.entries(n.before).map(([p, v]) => `${fieldOf(p)} ${formatValue(maskedValue(v, p, opts), p)}`).join(', ');
      parts.push(`<li><code>${esc(n.referralId)}</code> ${esc(maskedText(n.reason, opts))}${was === '' ? '' : ` <span class="dim">(was ${esc(was)})</span>`}</li>`);
    }
    parts.push('</ul></section>');
  }

  // Outcomes (apply results)
  if (input.results !== undefined) parts.push(outcomesSection(input.results, opts));

  // Entries
  parts.push(`<section id="entries-section"><h2>${plan.kind === 'rollback' ? 'Entries (will restore)' : 'Entries'}</h2>`);
  parts.push(`<p class="tools"><input id="search" type="search" placeholder="Filter: referral, name, field, value…" aria-label="Filter entries" data-table="entries"> <span class="count" data-count-for="entries">${plan.entries.length} of ${plan.entries.length}</span></p>`);
  const outcomeCol = input.results !== undefined;
  parts.push('<table id="entries" class="sortable"><thead><tr>');
  parts.push(th('Referral'), th('Name'), th('Status move'), th('Changes'), th('Ops', 'number'), th('Irreversible'));
  if (outcomeCol) parts.push(th('Outcome'));
  parts.push(th('Warnings'), '</tr></thead><tbody>');
  for (const entry of plan.entries) parts.push(entryRow(entry, opts, outcomeCol ? byId.get(entry.referralId) : undefined, outcomeCol));
  parts.push('</tbody></table></section></main>');

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

function entryRow(entry: PlanEntry, opts: { showPii: boolean }, result: ReportResult | undefined, outcomeCol: boolean): string {
  const move = statusMoveOf(entry);
  const rows = diffRows(entry, opts).map((r) => {
    if (r.kind === 'change') {
      return `<li><span class="f">${esc(r.field)}</span> <del>${esc(formatValue(r.before, r.path))}</del> → <ins>${esc(formatValue(r.after, r.path))}</ins></li>`;
    }
    const sign = r.kind === 'member-added' ? '+' : '−';
    const tag = r.kind === 'member-added' ? 'ins' : 'del';
    return `<li><span class="f">team</span> <${tag}>${sign} ${esc(formatMember(r.member))}</${tag}></li>`;
  });
  const cells = [
    `<td><code>${esc(entry.referralId)}</code></td>`,
    `<td>${esc(entry.label ?? '')}</td>`,
    `<td>${move === undefined ? '' : esc(`${move.from} → ${move.to}`)}</td>`,
    `<td><ul class="diff">${rows.join('')}</ul></td>`,
    `<td class="num" data-sort="${entry.ops.length}">${entry.ops.length}</td>`,
    `<td>${entry.irreversible ? '<span class="badge warn">irreversible</span>' : ''}</td>`,
  ];
  if (outcomeCol) cells.push(`<td>${result === undefined ? '' : `<span class="badge o-${result.outcome}">${result.outcome}</span>`}</td>`);
  cells.push(`<td>${entry.warnings.map((w) => esc(maskedText(w, opts))).join('<br>')}</td>`);
  return `<tr${entry.irreversible ? ' class="irrev"' : ''}>${cells.join('')}</tr>`;
}

function outcomesSection(results: readonly ReportResult[], opts: { showPii: boolean }): string {
  const counts = countOutcomes(results);
  const parts = ['<section id="outcomes"><h2>Apply outcomes</h2>'];
  parts.push(figure('Outcomes', barChart(OUTCOMES.filter((o) => counts[o] > 0).map((o) => ({ label: o, value: counts[o], text: String(counts[o]), accent: o === 'conflict' || o === 'failed' })))));
  const retries = results.reduce((sum, r) => sum + (r.retries ?? 0), 0);
  parts.push(`<p>${retries} retr${retries === 1 ? 'y' : 'ies'} in total.</p>`);
  const notable = results.filter((r) => (r.outcome !== 'applied' && r.outcome !== 'unchanged') || (r.retries ?? 0) > 0 || (r.diff?.length ?? 0) > 0);
  if (notable.length > 0) {
    parts.push(`<p class="tools"><input id="search-outcomes" type="search" placeholder="Filter outcomes…" aria-label="Filter outcomes" data-table="outcomes"> <span class="count" data-count-for="outcomes">${notable.length} of ${notable.length}</span></p>`);
    parts.push(`<table id="outcomes" class="sortable"><thead><tr>${th('Referral')}${th('Outcome')}${th('Retries', 'number')}${th('Message')}${th('Field diff (pinned → now on server)')}</tr></thead><tbody>`);
    for (const r of notable) {
      const diff = (r.diff ?? []).map((d) => {
        const show = (v: JsonValue | undefined) => (v === undefined ? '' : esc(formatValue(maskedValue(v, d.path, opts), d.path)));
        const planned = d.planned === undefined ? '' : ` <span class="dim">(plan wanted ${show(d.planned)})</span>`;
        return `<li><span class="f">${esc(fieldOf(d.path))}</span> <del>${show(d.expected)}</del> → <ins>${show(d.actual)}</ins>${planned}</li>`;
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

interface Bar {
  label: string;
  value: number;
  text: string;
  accent?: boolean;
}

/** A horizontal bar chart as inline SVG: no script, no fonts to fetch. */
function barChart(bars: Bar[]): string {
  const rowH = 24;
  const labelW = 230;
  const barW = 300;
  const width = labelW + barW + 190;
  const max = Math.max(1, ...bars.map((b) => Math.abs(b.value)));
  const rows = bars.map((b, i) => {
    const y = i * rowH;
    const w = Math.max(1, Math.round((Math.abs(b.value) / max) * barW));
    return (
      `<text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(truncate(b.label, 34))}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" rx="3" class="${b.accent === true ? 'bar accent' : 'bar'}"><title>${esc(`${b.label}: ${b.text}`)}</title></rect>` +
      `<text x="${labelW + w + 6}" y="${y + 16}">${esc(b.text)}</text>`
    );
  });
  const height = bars.length * rowH + 4;
  return `<svg class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${rows.join('')}</svg>`;
}

function figure(caption: string, body: string): string {
  return `<figure><figcaption>${esc(caption)}</figcaption>${body === '' ? '<p class="dim">none</p>' : body}</figure>`;
}

function card(label: string, value: number, cls = ''): string {
  return `<div class="card ${cls}"><div class="v">${value.toLocaleString('en-US')}</div><div class="l">${esc(label)}</div></div>`;
}

function meta(label: string, value: string): string {
  return `<dt>${esc(label)}</dt><dd>${esc(value)}</dd>`;
}

function th(label: string, type: 'text' | 'number' = 'text'): string {
  return `<th data-type="${type}" tabindex="0" role="columnheader" aria-sort="none">${esc(label)}</th>`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}
