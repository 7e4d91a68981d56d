import { plural } from '../../core/plural.js';
import pc from 'picocolors';
import { formatLocation, type Diagnostic, type SourceLocation } from '../../core/diagnostics.js';
import { diagnosticForPassedFlags, hintForPassedFlags, type PassedFlags } from '../../core/hint-flags.js';
import { escapeControls, jsonForTerminal } from '../../core/terminal-text.js';

/**
 * Diagnostics for people and for programs, from the same values. Used by
 * validate and by every command that reports input problems.
 */

export interface DiagnosticsSummary {
  files: number;
  rows: number;
  changes: number;
  errors: number;
  warnings: number;
  suppressed?: number;
  uneditedExportRows?: number;
}

export interface HumanViewOptions {
  color: boolean;
  /** Show info diagnostics (the guesses refplan made about each file). Default true. */
  notes?: boolean;
  /** The flags on the command line: a fix never suggests one of them again. */
  passed?: PassedFlags;
}

const LABEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/**
 * Planner messages start with their row or line ("row 7 (referral …): …") so they
 * read on their own in JSON and the rejects CSV; after a printed location that
 * start only repeats it.
 */
function withoutRepeatedLocation(message: string, at: SourceLocation): string {
  const where = 'line' in at ? `line ${at.line}` : `row ${at.row}`;
  if (!message.startsWith(where)) return message;
  const rest = message.slice(where.length);
  const referral = /^ \(referral ([^)]+)\): /.exec(rest);
  if (referral !== null) return `referral ${referral[1]}: ${rest.slice(referral[0].length)}`;
  return rest.startsWith(': ') ? rest.slice(2) : message;
}

export function renderDiagnosticHuman(d: Diagnostic, options: HumanViewOptions): string {
  const c = pc.createColors(options.color);
  const paint = d.severity === 'error' ? c.red : d.severity === 'warning' ? c.yellow : c.cyan;
  // File names, values and messages can hold text from the input or the API: escaped before colouring.
  const where = d.at === undefined ? '' : `${c.bold(escapeControls(formatLocation(d.at)))}: `;
  const message = escapeControls(d.at === undefined ? d.message : withoutRepeatedLocation(d.message, d.at));
  const lines = [`${where}${paint(LABEL[d.severity])}: ${message}`];
  if (d.text !== undefined && !d.message.includes(JSON.stringify(d.text))) lines.push(`    found: ${escapeControls(JSON.stringify(d.text))}`);
  const fix = d.hint === undefined ? undefined : hintForPassedFlags(d.hint, options.passed ?? new Map());
  if (fix !== undefined && d.severity !== 'info') lines.push(`    ${c.green('fix')}: ${escapeControls(fix)}`);
  return lines.join('\n');
}

export function renderDiagnosticsHuman(diagnostics: readonly Diagnostic[], summary: DiagnosticsSummary, options: HumanViewOptions): string {
  const c = pc.createColors(options.color);
  const shown = diagnostics.filter((d) => options.notes !== false || d.severity !== 'info');
  const out = shown.map((d) => renderDiagnosticHuman(d, options));
  const scope = `${plural(summary.files, 'file')}, ${plural(summary.rows, 'row')}`;
  if (summary.errors > 0) {
    out.push(c.red(`✗ ${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')} in ${scope}. Nothing was sent; fix the errors above and run again.`));
  } else {
    out.push(c.green(`✓ ${plural(summary.changes, 'change')} valid in ${scope}${summary.uneditedExportRows !== undefined && summary.uneditedExportRows > 0 ? ` (${plural(summary.uneditedExportRows, 'exported row')} not edited)` : ''}${summary.warnings > 0 ? ` (${plural(summary.warnings, 'warning')})` : ''}.`));
  }
  return out.join('\n') + '\n';
}

export function renderDiagnosticsJson(diagnostics: readonly Diagnostic[], summary: DiagnosticsSummary, passed: PassedFlags = new Map()): string {
  return jsonForTerminal({ ok: summary.errors === 0, stats: summary, diagnostics: diagnostics.map((d) => diagnosticForPassedFlags(d, passed)) }, 2) + '\n';
}
