import { formatLocation, type Diagnostic } from '../core/diagnostics.js';
import { InvalidInputError, isRefplanError } from '../core/errors.js';
import { escapeControls, jsonForTerminal } from '../core/terminal-text.js';

/** One paragraph a person can act on; a stack only with --debug. */
export function renderErrorHuman(e: unknown, debug: boolean): string {
  const lines: string[] = [];
  if (isRefplanError(e)) {
    lines.push(`refplan: ${escapeControls(e.message)}`);
    if (e instanceof InvalidInputError) for (const d of e.diagnostics) lines.push(renderDiagnostic(d));
    if (e.hint !== undefined) lines.push(`  hint: ${escapeControls(e.hint)}`);
  } else {
    const message = e instanceof Error ? e.message : String(e);
    lines.push(`refplan: unexpected error: ${escapeControls(message)}`);
    lines.push('  hint: this is probably a bug in refplan; run again with --debug for a stack trace and report it.');
  }
  if (debug && e instanceof Error && e.stack !== undefined) lines.push(escapeControls(e.stack, { multiline: true }));
  return lines.join('\n') + '\n';
}

export function renderDiagnostic(d: Diagnostic): string {
  // Every part can hold text from an input file or the API (file names, values, messages).
  const where = d.at === undefined ? '' : `${escapeControls(formatLocation(d.at))}: `;
  const text = d.text === undefined ? '' : ` (found ${escapeControls(JSON.stringify(d.text))})`;
  const hint = d.hint === undefined ? '' : `\n    fix: ${escapeControls(d.hint)}`;
  return `  ${where}${d.severity}: ${escapeControls(d.message)}${text}${hint}`;
}

export function renderErrorJson(e: unknown): string {
  if (isRefplanError(e)) {
    const meta = e instanceof InvalidInputError ? { diagnostics: e.diagnostics } : {};
    return jsonForTerminal({ error: { code: e.code, message: e.message, hint: e.hint ?? null, exitCode: e.exitCode, meta } }) + '\n';
  }
  const message = e instanceof Error ? e.message : String(e);
  return jsonForTerminal({ error: { code: 'internal', message, hint: null, exitCode: 1, meta: {} } }) + '\n';
}
