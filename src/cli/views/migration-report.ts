import { plural } from '../../core/plural.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { Plan } from '../../core/plan.js';
import type { MigrationReport } from '../../engine/migrate.js';
import { escapeControlsDeep, jsonForTerminal } from '../../core/terminal-text.js';
import { renderDiagnostic } from '../render-error.js';
import { diagnosticForPassedFlags, type PassedFlags } from '../../core/hint-flags.js';

/**
 * The migration report, human and JSON. The human view is rendered from the
 * same report object the JSON view prints, so the two cannot disagree.
 */

export interface MigrationView {
  report: MigrationReport;
  diagnostics: readonly Diagnostic[];
  /** The written plan (absent when nothing was written). */
  plan?: Plan;
  planPath?: string;
}

export function renderMigrationJson(view: MigrationView, passed: PassedFlags = new Map()): string {
  return (
    jsonForTerminal({
      plan: view.plan === undefined ? null : { path: view.planPath ?? null, kind: view.plan.kind, checksum: view.plan.checksum, summary: view.plan.summary },
      report: view.report,
      diagnostics: view.diagnostics.map((d) => diagnosticForPassedFlags(d, passed)),
    }) + '\n'
  );
}


export function renderMigrationHuman(view: MigrationView, passed: PassedFlags = new Map()): string {
  // Ids, paths and reasons from the bodies and the API: terminal-safe once (diagnostics escape their own).
  const report = escapeControlsDeep(view.report);
  const planPath = view.planPath === undefined ? undefined : escapeControlsDeep(view.planPath);
  const lines: string[] = [];
  lines.push(
    `Read ${plural(report.bodies, 'legacy PUT body')} for ${plural(report.referrals, 'referral')}${report.baseline ? ' (three-way merge against the baseline)' : ''}.`,
  );
  lines.push(
    `  ${plural(report.entries, 'referral')} to patch, ${report.unchanged} already as the bodies say, ${report.rejected} left out` +
      (view.plan === undefined ? '' : `; ${plural(view.plan.summary.ops, 'op')}, ${view.plan.summary.irreversible} irreversible`),
  );
  lines.push('');
  lines.push('  field                 touched   no-op   left out' + (report.baseline ? '   kept server value' : ''));
  for (const f of report.fields) {
    const row = `  ${f.field.padEnd(20)} ${String(f.touched).padStart(8)} ${String(f.noOp).padStart(7)} ${String(f.leftOut).padStart(10)}`;
    lines.push(report.baseline ? `${row} ${String(f.keptServerValue).padStart(19)}` : row);
  }
  const leftOut = report.fields.filter((f) => f.leftOut > 0);
  if (leftOut.length > 0) {
    lines.push(`  Left out by some bodies, and NOT cleared (the API has no remove): ${leftOut.map((f) => f.field).join(', ')}`);
  }
  const mattered = report.droppedReadOnly.filter((d) => d.changed > 0);
  const harmless = report.droppedReadOnly.filter((d) => d.changed === 0);
  if (mattered.length > 0) {
    lines.push('');
    lines.push('  Dropped as read-only, with a value different from the server\'s (a client cannot write them; never sent):');
    for (const d of mattered) lines.push(`    ${d.path}  (${plural(d.changed, 'body')}: ${d.reason})`);
  }
  if (harmless.length > 0) {
    lines.push(`  Also dropped, unchanged from the server's values: ${harmless.map((d) => d.path).join(', ')}`);
  }
  if (report.conflicts.length > 0) {
    lines.push('');
    lines.push(`  ${plural(report.conflicts.length, 'referral')} with fields changed both by the client and on the server:`);
    for (const c of report.conflicts) lines.push(`    ${c.referralId}: ${c.paths.join(', ')}`);
  }
  const shown = view.diagnostics.filter((d) => d.severity !== 'info');
  if (shown.length > 0) {
    lines.push('');
    for (const d of shown) lines.push(renderDiagnostic(d, passed));
  }
  lines.push('');
  if (view.plan !== undefined && planPath !== undefined) {
    lines.push(`Wrote migration plan ${planPath}. Review it with \`refplan show ${planPath}\`, then \`refplan apply ${planPath}\`.`);
  } else {
    lines.push('No plan written.');
  }
  return lines.join('\n') + '\n';
}
