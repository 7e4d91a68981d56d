import { formatLocation, type Diagnostic } from '../core/diagnostics.js';
import { InvalidInputError, isRefplanError } from '../core/errors.js';

/** One paragraph a person can act on; a stack only with --debug. */
export function renderErrorHuman(e: unknown, debug: boolean): string {
  const lines: string[] = [];
  if (isRefplanError(e)) {
    lines.push(`refplan: ${e.message}`);
    if (e instanceof InvalidInputError) for (const d of e.diagnostics) lines.push(renderDiagnostic(d));
    if (e.hint !== undefined) lines.push(`  hint: ${e.hint}`);
  } else {
    const message = e instanceof Error ? e.message : String(e);
    lines.push(`refplan: unexpected error: ${message}`);
    lines.push('  hint: this is probably a bug in refplan; run again with --debug for a stack trace and report it.');
  }
  if (debug && e instanceof Error && e.stack !== undefined) lines.push(e.stack);
  return lines.join('\n') + '\n';
}

export function renderDiagnostic(d: Diagnostic): string {
  const where = d.at === undefined ? '' : `${formatLocation(d.at)}: `;
  const text = d.text === undefined ? '' : ` (found ${JSON.stringify(d.text)})`;
  const hint = d.hint === undefined ? '' : `\n    fix: ${d.hint}`;
  return `  ${where}${d.severity}: ${d.message}${text}${hint}`;
}

export function renderErrorJson(e: unknown): string {
  if (isRefplanError(e)) {
    const meta = e instanceof InvalidInputError ? { diagnostics: e.diagnostics } : {};
    return JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint ?? null, exitCode: e.exitCode, meta } }) + '\n';
  }
  const message = e instanceof Error ? e.message : String(e);
  return JSON.stringify({ error: { code: 'internal', message, hint: null, exitCode: 1, meta: {} } }) + '\n';
}
