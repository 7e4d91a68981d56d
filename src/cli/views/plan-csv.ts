import { stringify } from 'csv-stringify/sync';
import { formatLocation } from '../../core/diagnostics.js';
import type { Plan, PlanEntry } from '../../core/plan.js';
import type { JsonValue } from '../../core/referral.js';
import { escapeControls } from '../../core/terminal-text.js';
import { changeSummary, DEAL_VALUE, dealCurrencyOf, diffRows, maskedText, selectEntries, statusMoveOf, type DisplayOptions } from './plan-display.js';

/**
 * `show --format csv`: one row per referral for approvers who review in Excel.
 * Like refplan's other CSVs: UTF-8 BOM (or Excel guesses the encoding), CRLF,
 * and every cell that starts like a formula (= + - @, tab, CR) prefixed with '
 * so opening the file never runs anything. Deal values stay numbers (Excel can
 * sum them), each beside its currency; contact details are masked unless showPii.
 */

export const PLAN_CSV_COLUMNS = [
  'referralId',
  'name',
  'irreversible',
  'statusBefore',
  'statusAfter',
  'change',
  'dealValueBefore',
  'dealValueAfter',
  'currencyBefore',
  'currencyAfter',
  'fields',
  'ops',
  'warnings',
  'input',
] as const;

export interface CsvPlanOptions extends DisplayOptions {
  referralIds?: readonly string[];
  limit?: number;
}

export function renderPlanCsv(plan: Plan, options: CsvPlanOptions = {}): string {
  const selected = selectEntries(plan, options.referralIds);
  // Control characters are made visible like in every other view: the CSV may be printed to a terminal.
  const rows = selected.slice(0, options.limit ?? selected.length).map((e) => csvRow(e, options).map((cell) => (typeof cell === 'string' ? escapeControls(cell) : cell)));
  return stringify([[...PLAN_CSV_COLUMNS], ...rows], { bom: true, escape_formulas: true, record_delimiter: 'windows' });
}

function csvRow(entry: PlanEntry, options: DisplayOptions): (string | number)[] {
  const move = statusMoveOf(entry);
  const touchesDeal = DEAL_VALUE in entry.after || DEAL_VALUE in entry.before;
  const currency = touchesDeal ? dealCurrencyOf(entry) : { before: null, after: null };
  const amount = (v: JsonValue | undefined): string | number => (typeof v === 'number' ? v : '');
  const fields = [...new Set(diffRows(entry, options).map((r) => r.field))];
  return [
    entry.referralId,
    entry.label ?? '',
    entry.irreversible ? 'yes' : 'no',
    move?.from ?? '',
    move?.to ?? '',
    changeSummary(entry, options),
    touchesDeal ? amount(entry.before[DEAL_VALUE]) : '',
    touchesDeal ? amount(entry.after[DEAL_VALUE]) : '',
    currency.before ?? '',
    currency.after ?? '',
    fields.join(', '),
    entry.ops.length,
    entry.warnings.map((w) => maskedText(w, options)).join('; '),
    entry.sources.map(formatLocation).join('; '),
  ];
}
